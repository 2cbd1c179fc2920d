/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — the analytics lcore.
 *
 * Each analytics core drains its rings (one per worker), updates the models
 * of the hosts it owns, runs the detectors and hands records to the writer
 * through the record ring. It never sees an mbuf. It ends when every worker
 * has sent its end-of-stream marker, after flushing what it holds.
 *
 * Network-wide views (how many internal hosts ever used an external
 * endpoint, how many hosts exist) are built from mergeable sketches: each
 * core counts into its own Count-Min sketch; with more than one core the
 * main lcore periodically sums them into a read-only global sketch and
 * publishes it with an atomic pointer swap, reclaiming the previous one with
 * DPDK's QSBR RCU once every analytics core has passed a quiescent state.
 */
#ifndef TW_ANALYTICS_H
#define TW_ANALYTICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "analytics/model/host.h"
#include "analytics/output/record.h"
#include "app/config.h"
#include "tw/event.h"

struct tw_cms;
struct tw_bloom;
struct tw_bloom2;

struct tw_analytics_stats {
	uint64_t events_in;
	uint64_t events_by_type[8];
	uint64_t hosts;
	uint64_t host_table_full;
	uint64_t records;             /* emitted (score >= threshold) */
	uint64_t records_below;       /* scored below the threshold: not emitted */
	uint64_t flow_records;
	uint64_t record_waits;        /* record ring/pool full, waited (lossless) */
	uint64_t records_dropped;     /* record ring/pool full (live mode) */
	uint64_t by_category[TW_NCATEGORIES];
} __rte_cache_aligned;

/* Shared, read-mostly network view; owned by the main lcore. */
struct tw_netview {
	_Atomic(struct tw_cms *) ep_hosts; /* NULL with one analytics core */
	struct rte_rcu_qsbr *qsbr;
	struct tw_cms *spare;
	struct tw_cms *retired;
	uint64_t retired_token;
	atomic_uint_fast64_t hosts_total;
};

struct tw_analytics {
	unsigned idx;
	unsigned lcore;
	unsigned n_workers;
	bool lossless;
	struct rte_ring *in[TW_MAX_WORKERS];
	struct rte_ring *rec_ring;
	struct rte_mempool *rec_pool;
	const struct tw_config *cfg;
	struct tw_netview *net;
	atomic_bool *quit;
	atomic_bool finished;

	struct tw_host_table *hosts;
	uint64_t now_ns;
	uint64_t net_first_ns;       /* first event seen: start of network learning */
	uint64_t next_rotate_ns;     /* novelty-set decay */
	uint64_t last_new_device_ns;

	/* rare endpoints */
	struct tw_bloom2 *pair_seen;  /* (host, endpoint) ever contacted */
	struct tw_bloom2 *pair_fresh; /* first contacted after the host's learning */
	struct tw_bloom *pair_reported;
	struct tw_cms *ep_hosts;      /* distinct internal hosts per endpoint (this core) */
	struct tw_cms *pair_conns;    /* connections per (host, endpoint) */

	struct tw_analytics_stats st;
};

/* Allocate the models of one analytics core (needs the EAL). Returns 0 or
 * -1 with err. */
int tw_analytics_init(struct tw_analytics *a, char *err, size_t errlen);
void tw_analytics_free(struct tw_analytics *a);

/* lcore entry point; arg is a struct tw_analytics *. */
int tw_analytics_main(void *arg);

/* Process one event (exposed for tests that drive models without rings). */
void tw_analytics_event(struct tw_analytics *a, const struct tw_event *ev);

/* Control socket (main lcore): the model of one host, explained, as JSON;
 * NULL when no analytics core models it. Reads the owning core's state
 * without stopping it (lock-free lookup; the numbers are a moment old). */
json_t *tw_analytics_host_json(struct tw_analytics *cores, unsigned n, const struct tw_addr *addr);

/* Main lcore: merge per-core sketches into the global view when due.
 * Never blocks. */
int tw_netview_init(struct tw_netview *nv, struct tw_analytics *cores, unsigned n, char *err, size_t errlen);
void tw_netview_merge(struct tw_netview *nv, struct tw_analytics *cores, unsigned n);

/* ---- detector interface (analytics/detect/) ---- */

/* Start an anomaly record for host h; NULL when the pool is exhausted in
 * live mode (counted). */
struct tw_record *tw_rec_begin(struct tw_analytics *a, const struct tw_host *h, const struct tw_event *ev,
			       const char *category, const char *model, unsigned score);
/* Hand the record to the writer if its score reaches the threshold; frees
 * it otherwise. */
void tw_rec_emit(struct tw_analytics *a, struct tw_host *h, struct tw_record *r);

bool tw_host_learned(const struct tw_analytics *a, const struct tw_host *h);
bool tw_net_learned(const struct tw_analytics *a);

void tw_detect_device(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev, bool created);
void tw_detect_scan(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev);
void tw_detect_rare(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev);
void tw_detect_rare_rotate(struct tw_analytics *a);

#endif
