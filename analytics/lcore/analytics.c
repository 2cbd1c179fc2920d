/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "analytics/lcore/analytics.h"
#include "analytics/sketch/bloom.h"
#include "analytics/sketch/cms.h"

#define EV_BURST 64
#define NOVELTY_DECAY_NS (7ull * 86400 * 1000000000ull) /* novelty sets forget after 1–2 periods */
#define CMS_WIDTH (1u << 16)
#define CMS_DEPTH 4
#define CMS_SEED 0x7ea7c0de

int
tw_analytics_init(struct tw_analytics *a, char *err, size_t errlen)
{
	char name[32];
	uint64_t pairs = a->cfg->analytics.endpoints_expected / a->cfg->analytics.cores + 1024;

	snprintf(name, sizeof(name), "tw_hosts%u", a->idx);
	a->hosts = tw_host_table_create(name, a->cfg->analytics.max_hosts, (int)rte_socket_id());
	if (a->hosts == NULL) {
		snprintf(err, errlen, "analytics %u: host table of %u hosts: %s", a->idx,
			 a->cfg->analytics.max_hosts, rte_strerror(rte_errno));
		return -1;
	}
	a->pair_seen = tw_bloom2_create(pairs, 0.001, 0x5ee0 + a->idx);
	a->pair_fresh = tw_bloom2_create(pairs / 4 + 1024, 0.001, 0xf2e5 + a->idx);
	a->pair_reported = tw_bloom_create(pairs / 16 + 1024, 0.0001, 0x2e90 + a->idx);
	a->ep_hosts = tw_cms_create(CMS_WIDTH, CMS_DEPTH, CMS_SEED); /* same shape on every core: mergeable */
	a->pair_conns = tw_cms_create(CMS_WIDTH, CMS_DEPTH, 0xc0 + a->idx);
	if (!a->pair_seen || !a->pair_fresh || !a->pair_reported || !a->ep_hosts || !a->pair_conns) {
		snprintf(err, errlen, "analytics %u: out of memory for sketches", a->idx);
		return -1;
	}
	return 0;
}

void
tw_analytics_free(struct tw_analytics *a)
{
	tw_host_table_free(a->hosts);
	tw_bloom2_free(a->pair_seen);
	tw_bloom2_free(a->pair_fresh);
	tw_bloom_free(a->pair_reported);
	tw_cms_free(a->ep_hosts);
	tw_cms_free(a->pair_conns);
}

bool
tw_net_learned(const struct tw_analytics *a)
{
	return a->now_ns >= a->net_first_ns + a->cfg->analytics.learning_period_ns;
}

bool
tw_host_learned(const struct tw_analytics *a, const struct tw_host *h)
{
	return a->now_ns >= h->first_ns + a->cfg->analytics.learning_period_ns;
}

static struct tw_record *
rec_alloc(struct tw_analytics *a)
{
	void *obj;

	while (rte_mempool_get(a->rec_pool, &obj) != 0) {
		/* live mode drops (counted) rather than stall; at shutdown the
		 * writer keeps draining, so nothing flushed is dropped */
		if (!a->lossless && !atomic_load_explicit(a->quit, memory_order_relaxed)) {
			a->st.records_dropped++;
			return NULL;
		}
		a->st.record_waits++;
		rte_pause();
	}
	memset(obj, 0, sizeof(struct tw_record));
	return obj;
}

static void
rec_send(struct tw_analytics *a, struct tw_record *r)
{
	r->analytics_core = (uint16_t)a->idx;
	while (rte_ring_mp_enqueue(a->rec_ring, r) != 0) {
		if (!a->lossless && !atomic_load_explicit(a->quit, memory_order_relaxed)) {
			a->st.records_dropped++;
			rte_mempool_put(a->rec_pool, r);
			return;
		}
		a->st.record_waits++;
		rte_pause();
	}
}

struct tw_record *
tw_rec_begin(struct tw_analytics *a, const struct tw_host *h, const struct tw_event *ev, const char *category,
	     const char *model, unsigned score)
{
	struct tw_record *r = rec_alloc(a);

	if (r == NULL)
		return NULL;
	r->kind = TW_REC_ANOMALY;
	r->ts_ns = ev ? ev->ts_ns : a->now_ns;
	r->score = (uint8_t)(score > 100 ? 100 : score);
	snprintf(r->category, sizeof(r->category), "%s", category);
	snprintf(r->model, sizeof(r->model), "%s", model);
	r->host = h->addr;
	if (h->flags & TW_HOST_F_HAS_MAC) {
		memcpy(r->mac, h->mac, 6);
		r->has_mac = 1;
	}
	if (ev != NULL && ev->type >= TW_EV_FLOW_START && ev->type <= TW_EV_FLOW_END) {
		r->flow = *ev;
		r->has_flow = 1;
	}
	return r;
}

void
tw_rec_emit(struct tw_analytics *a, struct tw_host *h, struct tw_record *r)
{
	if (r->score < a->cfg->analytics.threshold) {
		a->st.records_below++;
		rte_mempool_put(a->rec_pool, r);
		return;
	}
	if (h != NULL && r->score > h->max_score)
		h->max_score = r->score;
	a->st.records++;
	a->st.by_category[tw_category_index(r->category)]++;
	rec_send(a, r);
}

static void
flow_record(struct tw_analytics *a, const struct tw_event *ev)
{
	struct tw_record *r = rec_alloc(a);

	if (r == NULL)
		return;
	r->kind = TW_REC_FLOW;
	r->ts_ns = ev->ts_ns;
	r->flow = *ev;
	a->st.flow_records++;
	rec_send(a, r);
}

/* Does this event prove that its host exists (it sent a packet)? */
static inline bool
host_is_active(const struct tw_event *ev)
{
	if (ev->type == TW_EV_NEIGH)
		return true;
	return ev->role == TW_ROLE_CLIENT ? ev->pkts_c2s > 0 : ev->pkts_s2c > 0;
}

void
tw_analytics_event(struct tw_analytics *a, const struct tw_event *ev)
{
	const struct tw_addr *addr = ev->role == TW_ROLE_CLIENT ? &ev->client : &ev->server;
	struct tw_host *h;
	bool created = false;

	a->st.events_in++;
	a->st.events_by_type[ev->type < 8 ? ev->type : 0]++;
	if (a->net_first_ns == 0) {
		a->net_first_ns = ev->ts_ns;
		a->next_rotate_ns = ev->ts_ns + NOVELTY_DECAY_NS;
	}
	if (ev->ts_ns > a->now_ns)
		a->now_ns = ev->ts_ns;
	if (a->now_ns >= a->next_rotate_ns) {
		tw_detect_rare_rotate(a);
		a->next_rotate_ns = a->now_ns + NOVELTY_DECAY_NS;
	}
	if ((ev->flags & TW_EVF_PRIMARY) && ev->type == TW_EV_FLOW_END && a->cfg->output.flows)
		flow_record(a, ev);

	/* Only a host that sent something is modelled: a scanned address that
	 * never answered is not a device. */
	if (!host_is_active(ev)) {
		h = tw_host_find(a->hosts, addr);
		if (h == NULL)
			return;
	} else {
		h = tw_host_get(a->hosts, addr, ev->ts_ns, &created);
		if (h == NULL) {
			a->st.host_table_full++;
			return;
		}
	}
	if (created) {
		a->st.hosts++;
		atomic_fetch_add_explicit(&a->net->hosts_total, 1, memory_order_relaxed);
	}
	if (ev->ts_ns > h->last_ns)
		h->last_ns = ev->ts_ns;
	const uint8_t *mac = ev->role == TW_ROLE_CLIENT ? ev->client_mac : ev->server_mac;
	if (!(h->flags & TW_HOST_F_HAS_MAC) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		memcpy(h->mac, mac, 6);
		h->flags |= TW_HOST_F_HAS_MAC;
	}

	tw_detect_device(a, h, ev, created);
	if (ev->role == TW_ROLE_CLIENT && ev->type == TW_EV_FLOW_START) {
		h->conns++;
		tw_detect_scan(a, h, ev);
		if (!ev->server_home)
			tw_detect_rare(a, h, ev);
	}
}

static void
finish(struct tw_analytics *a)
{
	struct tw_record *r = rec_alloc(a);
	bool saved = a->lossless;
	a->lossless = true; /* the end marker must reach the writer */
	while (r == NULL)
		r = rec_alloc(a);
	r->kind = TW_REC_EOS;
	r->ts_ns = a->now_ns;
	rec_send(a, r);
	a->lossless = saved;
}

/* One worker's stream as seen by the merge. */
struct stream {
	struct tw_event ev[EV_BURST];
	unsigned n;
	unsigned i;
	uint64_t wm;  /* nothing more will come with a smaller seq */
	bool eos;
};

static inline bool
handle_control(struct tw_analytics *a, struct stream *st, const struct tw_event *ev, unsigned *eos)
{
	(void)a;
	if (ev->type == TW_EV_TICK) {
		if (ev->seq > st->wm)
			st->wm = ev->seq;
		return true;
	}
	if (ev->type == TW_EV_EOS) {
		st->eos = true;
		st->wm = UINT64_MAX;
		(*eos)++;
		return true;
	}
	return false;
}

/* Offline replay with several workers: feed the models in capture order.
 * Each worker's events arrive in order of `seq` (the capture position of the
 * packet that produced them), so a k-way merge by seq, waiting for a
 * worker only while it might still send something smaller (its watermark),
 * processes exactly the order one worker would have produced. Returns the
 * number of events processed. */
static unsigned
merge_step(struct tw_analytics *a, struct stream *s, unsigned *eos)
{
	unsigned done = 0;

	for (unsigned w = 0; w < a->n_workers; w++) {
		if (s[w].i < s[w].n || s[w].eos)
			continue;
		s[w].n = rte_ring_sc_dequeue_burst_elem(a->in[w], s[w].ev, sizeof(s[w].ev[0]), EV_BURST, NULL);
		s[w].i = 0;
	}
	for (;;) {
		/* consume watermarks and end markers at the heads */
		for (unsigned w = 0; w < a->n_workers; w++)
			while (s[w].i < s[w].n && handle_control(a, &s[w], &s[w].ev[s[w].i], eos))
				s[w].i++;
		int cand = -1;
		for (unsigned w = 0; w < a->n_workers; w++)
			if (s[w].i < s[w].n && (cand < 0 || s[w].ev[s[w].i].seq < s[cand].ev[s[cand].i].seq))
				cand = (int)w;
		if (cand < 0)
			return done;
		uint64_t key = s[cand].ev[s[cand].i].seq;
		for (unsigned w = 0; w < a->n_workers; w++) {
			if ((int)w == cand || s[w].i < s[w].n || s[w].eos)
				continue;
			if (s[w].wm <= key) /* w may still send something earlier */
				return done;
		}
		const struct tw_event *ev = &s[cand].ev[s[cand].i++];
		if (ev->seq > s[cand].wm)
			s[cand].wm = ev->seq;
		tw_analytics_event(a, ev);
		done++;
		if (s[cand].i == s[cand].n && !s[cand].eos)
			return done; /* refill that stream before going on */
	}
}

int
tw_analytics_main(void *arg)
{
	struct tw_analytics *a = arg;
	struct tw_event evs[EV_BURST];
	unsigned eos = 0, idle = 0;
	bool done[TW_MAX_WORKERS] = {false};
	bool merge = a->lossless && a->n_workers > 1;
	struct stream *streams = NULL;

	if (merge) {
		streams = rte_zmalloc("tw_merge", sizeof(*streams) * a->n_workers, RTE_CACHE_LINE_SIZE);
		if (streams == NULL)
			merge = false; /* correct, only not in capture order */
	}
	if (a->net->qsbr) {
		rte_rcu_qsbr_thread_register(a->net->qsbr, a->idx);
		rte_rcu_qsbr_thread_online(a->net->qsbr, a->idx);
	}
	/* Runs until every worker has sent its end-of-stream marker (workers
	 * send it on shutdown too, after flushing their flows). */
	while (eos < a->n_workers) {
		unsigned got = 0;
		if (merge) {
			got = merge_step(a, streams, &eos);
		} else {
			for (unsigned w = 0; w < a->n_workers; w++) {
				if (done[w])
					continue;
				unsigned n = rte_ring_sc_dequeue_burst_elem(a->in[w], evs, sizeof(evs[0]), EV_BURST,
									    NULL);
				got += n;
				for (unsigned i = 0; i < n; i++) {
					if (evs[i].type == TW_EV_EOS) {
						done[w] = true;
						eos++;
						continue;
					}
					if (evs[i].type != TW_EV_TICK)
						tw_analytics_event(a, &evs[i]);
				}
			}
		}
		if (a->net->qsbr)
			rte_rcu_qsbr_quiescent(a->net->qsbr, a->idx);
		if (got == 0) {
			if (++idle > 1024)
				rte_delay_us_sleep(50);
			else
				rte_pause();
		} else {
			idle = 0;
		}
	}
	rte_free(streams);
	if (a->net->qsbr)
		rte_rcu_qsbr_thread_offline(a->net->qsbr, a->idx);
	finish(a);
	atomic_store_explicit(&a->finished, true, memory_order_release);
	return 0;
}

int
tw_netview_init(struct tw_netview *nv, struct tw_analytics *cores, unsigned n, char *err, size_t errlen)
{
	(void)cores;
	memset(nv, 0, sizeof(*nv));
	if (n <= 1)
		return 0;
	size_t sz = rte_rcu_qsbr_get_memsize(n);
	nv->qsbr = rte_zmalloc("tw_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (nv->qsbr == NULL || rte_rcu_qsbr_init(nv->qsbr, n) != 0) {
		snprintf(err, errlen, "netview: RCU init failed");
		return -1;
	}
	struct tw_cms *g = tw_cms_create(CMS_WIDTH, CMS_DEPTH, CMS_SEED);
	nv->spare = tw_cms_create(CMS_WIDTH, CMS_DEPTH, CMS_SEED);
	if (g == NULL || nv->spare == NULL) {
		snprintf(err, errlen, "netview: out of memory");
		return -1;
	}
	atomic_store(&nv->ep_hosts, g);
	return 0;
}

void
tw_netview_merge(struct tw_netview *nv, struct tw_analytics *cores, unsigned n)
{
	if (nv->qsbr == NULL)
		return;
	/* reclaim the previously published sketch once no reader can hold it */
	if (nv->retired != NULL) {
		if (rte_rcu_qsbr_check(nv->qsbr, nv->retired_token, false) != 1)
			return;
		nv->spare = nv->retired;
		nv->retired = NULL;
	}
	struct tw_cms *next = nv->spare;
	tw_cms_reset(next);
	/* Counters are 32-bit and aligned: a racing read sees an old or a new
	 * value, never a torn one; the sum is a valid (slightly stale) view. */
	for (unsigned i = 0; i < n; i++)
		tw_cms_merge(next, cores[i].ep_hosts);
	nv->retired = atomic_exchange(&nv->ep_hosts, next);
	nv->spare = NULL;
	nv->retired_token = rte_rcu_qsbr_start(nv->qsbr);
}

json_t *
tw_analytics_host_json(struct tw_analytics *cores, unsigned n, const struct tw_addr *addr)
{
	struct tw_analytics *a = &cores[tw_host_shard(addr, n)];
	struct tw_host *live = tw_host_find(a->hosts, addr);
	struct tw_host h;
	char ip[TW_ADDR_STRLEN], t1[40], t2[40], t3[40];

	if (live == NULL)
		return NULL;
	memcpy(&h, live, sizeof(h));
	tw_fmt_time(h.first_ns, t1, sizeof(t1));
	tw_fmt_time(h.last_ns, t2, sizeof(t2));
	tw_fmt_time(h.first_ns + a->cfg->analytics.learning_period_ns, t3, sizeof(t3));
	json_t *o = json_pack("{s:s,s:i,s:s,s:s,s:b,s:s,s:b,s:I,s:i}", "ip", tw_addr_fmt(&h.addr, ip, sizeof(ip)),
			      "analytics_core", (int)a->idx, "first_seen", t1, "last_seen", t2, "learned",
			      a->now_ns >= h.first_ns + a->cfg->analytics.learning_period_ns, "learned_at", t3,
			      "new_device", (h.flags & TW_HOST_F_NEW_DEVICE) != 0, "flows_initiated",
			      (json_int_t)h.conns, "max_score", (int)h.max_score);
	if (h.flags & TW_HOST_F_HAS_MAC) {
		char m[TW_MAC_STRLEN];
		json_object_set_new(o, "mac", json_string(tw_mac_fmt(h.mac, m, sizeof(m))));
	}
	json_t *scan = json_pack("{s:f,s:I,s:{s:f,s:f,s:f,s:i},s:{s:f,s:f,s:f,s:i}}", "window_s",
				 (double)a->cfg->analytics.scan_window_ns / 1e9, "windows", (json_int_t)h.windows,
				 "internal_hosts", "mean", h.ew_hosts.mean, "sd", tw_ewma_sd(&h.ew_hosts), "peak",
				 h.peak_hosts, "threshold", (int)h.thr_hosts, "destination_ports", "mean", h.ew_ports.mean,
				 "sd", tw_ewma_sd(&h.ew_ports), "peak", h.peak_ports, "threshold", (int)h.thr_ports);
	json_object_set_new(o, "scan_baseline", scan);
	return o;
}
