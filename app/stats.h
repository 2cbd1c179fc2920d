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

/* Register /tidewatch/stats with DPDK telemetry (available when the EAL
 * runs with telemetry, i.e. without --no-telemetry). Reads the same
 * per-core counters, from the telemetry thread. */
void tw_stats_telemetry_register(const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an,
				 unsigned na);

#endif
