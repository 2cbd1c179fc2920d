/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — counters as JSON for the control socket's `stats` command.
 * Reads per-core counters owned by other lcores without locks: each is an
 * aligned 64-bit word, so a read is never torn, only a moment old.
 */
#ifndef TW_STATS_H
#define TW_STATS_H

#include <jansson.h>
#include <stdint.h>

struct tw_offline;
struct tw_worker;
struct tw_analytics;

json_t *tw_stats_json(const char *mode, double uptime_s, uint16_t port, const struct tw_offline *off,
		      const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an, unsigned na,
		      uint64_t records_written, uint64_t flow_records_written, uint64_t write_errors);

/* Totals over every worker and analytics core (the telemetry command, the
 * progress line and the summary). */
struct tw_totals {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t malformed;
	uint64_t flows_active;
	uint64_t flows_created;
	uint64_t flows_evicted;
	uint64_t flow_table_full;
	uint64_t events_sent;
	uint64_t events_dropped;
	uint64_t hosts;
	uint64_t records;
	uint64_t records_dropped;
};

void tw_stats_totals(const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an, unsigned na,
		     struct tw_totals *t);

/* Register /tidewatch/stats with DPDK telemetry (available when the EAL
 * runs with telemetry, i.e. without --no-telemetry). Reads the same
 * per-core counters, from the telemetry thread. */
void tw_stats_telemetry_register(const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an,
				 unsigned na);

#endif
