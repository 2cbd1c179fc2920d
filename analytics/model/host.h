/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — per-host behaviour models.
 *
 * One table per analytics core, owned by that core (hosts are sharded by
 * address, so no host is modelled twice). Keys live in a DPDK rte_hash; the
 * key position indexes a preallocated array of struct tw_host. When the
 * table is full a new host is not modelled and the miss is counted
 * (host_table_full); existing models are never overwritten silently.
 *
 * Memory per host: sizeof(struct tw_host) = 704 B (two HyperLogLogs of
 * p = 8 included) + 61 B of rte_hash = 765 B, as bench/memcost measures.
 */
#ifndef TW_HOST_H
#define TW_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "analytics/sketch/ewma.h"
#include "analytics/sketch/hll.h"
#include "tw/addr.h"

#define TW_HOST_HLL_P 8
#define TW_HOST_HLL_BYTES 264 /* tw_hll_size(TW_HOST_HLL_P); checked at init */

#define TW_HOST_F_HAS_MAC 0x01
#define TW_HOST_F_NEW_DEVICE 0x02 /* first seen after the network's learning period */

struct tw_host {
	struct tw_addr addr;
	uint8_t mac[6];
	uint8_t flags;
	uint8_t scan_alerted;      /* bit 0: hosts, bit 1: ports — this window */
	uint32_t conns;            /* flows initiated, lifetime */
	uint32_t win_flows;        /* flows initiated in the current window */
	uint64_t first_ns;
	uint64_t last_ns;
	uint64_t win_start_ns;     /* start of the current scan window */
	/* scan baselines over completed windows with activity */
	struct tw_ewma ew_hosts;
	struct tw_ewma ew_ports;
	double peak_hosts;         /* busiest window so far, slowly decayed */
	double peak_ports;
	uint32_t thr_hosts;        /* thresholds for the current window */
	uint32_t thr_ports;
	uint32_t windows;          /* completed active windows */
	uint32_t max_score;
	/* distinct internal destinations / destination ports this window */
	uint8_t hll_hosts[TW_HOST_HLL_BYTES] __attribute__((aligned(8)));
	uint8_t hll_ports[TW_HOST_HLL_BYTES] __attribute__((aligned(8)));
} __attribute__((aligned(64)));

struct tw_host_table;

/* Create a table for `capacity` hosts. Needs the EAL. NULL on failure. */
struct tw_host_table *tw_host_table_create(const char *name, uint32_t capacity, int socket_id);
void tw_host_table_free(struct tw_host_table *t);

/* Find a host; NULL when unknown. */
struct tw_host *tw_host_find(struct tw_host_table *t, const struct tw_addr *a);

/* Find or create. *created tells which. NULL when the table is full. */
struct tw_host *tw_host_get(struct tw_host_table *t, const struct tw_addr *a, uint64_t now_ns, bool *created);

uint32_t tw_host_count(const struct tw_host_table *t);

static inline struct tw_hll *
tw_host_hll(uint8_t *buf)
{
	return (struct tw_hll *)(void *)buf;
}

#endif
