/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "dataplane/lcore/worker.h"
#include "dataplane/flow/frag.h"
#include "dataplane/port/port.h"

#define PREFETCH_OFFSET 8
#define EXPIRE_BUDGET 64 /* flows examined by the timer wheel per burst */
#define MAX_BURST 256

/* Flow-home bits kept in the cold line of the flow. */
#define HOME_LO 0x1
#define HOME_HI 0x2

_Static_assert(TW_TUNNEL__COUNT == 12, "tunnel names in analytics/output/record.c follow enum tw_tunnel");

static void
send_event(struct tw_worker *w, unsigned shard, struct tw_event *ev)
{
	struct rte_ring *r = w->ev_ring[shard];

	while (rte_ring_sp_enqueue_elem(r, ev, sizeof(*ev)) != 0) {
		if (!w->lossless) {
			w->st.events_dropped++;
			return;
		}
		w->st.event_waits++;
		rte_pause();
	}
	w->st.events_sent++;
	w->last_seq[shard] = ev->seq;
}

static void
emit(struct tw_worker *w, const struct tw_flow *f, uint8_t type, uint8_t reason, uint8_t evflags)
{
	struct tw_event ev;
	unsigned c = f->client_dir, s = c ^ 1u;
	uint8_t home = f->home;
	bool chome = home & (c == 0 ? HOME_LO : HOME_HI);
	bool shome = home & (s == 0 ? HOME_LO : HOME_HI);

	memset(&ev, 0, sizeof(ev));
	/* a flow's events carry the time of its newest packet: an ended flow
	 * ended when it went quiet, not when the timer wheel noticed */
	ev.ts_ns = f->last_ns;
	ev.first_ns = f->first_ns;
	ev.client = c == 0 ? f->key.lo : f->key.hi;
	ev.server = c == 0 ? f->key.hi : f->key.lo;
	ev.cport = c == 0 ? f->key.plo : f->key.phi;
	ev.sport = c == 0 ? f->key.phi : f->key.plo;
	ev.proto = f->key.proto;
	ev.type = type;
	ev.end_reason = reason;
	ev.pkts_c2s = f->pkts[c];
	ev.pkts_s2c = f->pkts[s];
	ev.bytes_c2s = f->bytes[c];
	ev.bytes_s2c = f->bytes[s];
	memcpy(ev.client_mac, f->mac[c], 6);
	memcpy(ev.server_mac, f->mac[s], 6);
	ev.zone = f->key.zone;
	ev.tcp_flags_c2s = f->tcp_flags[c];
	ev.tcp_flags_s2c = f->tcp_flags[s];
	ev.ip_version = f->ip_version;
	ev.seq = w->cur_seq;
	if (f->key.proto == IPPROTO_ICMP || f->key.proto == IPPROTO_ICMPV6) {
		ev.cport = (uint16_t)(f->tcp_flags[0] << 8 | f->tcp_flags[1]);
		ev.sport = f->key.plo; /* identifier */
		ev.tcp_flags_c2s = ev.tcp_flags_s2c = 0;
	}
	ev.worker = (uint8_t)w->idx;
	ev.client_home = chome;
	ev.server_home = shome;

	if (!chome && !shome) {
		w->st.events_transit++;
		return;
	}
	/* The primary copy (flags bit 0) carries the flow record. */
	if (chome) {
		ev.role = TW_ROLE_CLIENT;
		ev.flags = TW_EVF_PRIMARY | evflags;
		send_event(w, tw_host_shard(&ev.client, w->n_analytics), &ev);
	}
	if (shome) {
		ev.role = TW_ROLE_SERVER;
		ev.flags = (uint8_t)((chome ? 0 : TW_EVF_PRIMARY) | evflags);
		send_event(w, tw_host_shard(&ev.server, w->n_analytics), &ev);
	}
}

static void
flow_end_cb(struct tw_flow *f, uint8_t reason, void *ctx)
{
	emit(ctx, f, TW_EV_FLOW_END, reason, 0);
}

/* ARP and IPv6 neighbour discovery reveal devices that may never open a
 * flow. A home-network address seen with a MAC is reported to its
 * analytics core, at most once a minute per (address, MAC) (a small
 * direct-mapped cache: a collision only costs an extra event). */
static void
neighbour(struct tw_worker *w, const struct tw_pkt *p, uint64_t now)
{
	if (!tw_netset_contains(&w->cfg->home_net, &p->neigh_addr))
		return;
	uint64_t a[2], mac = 0;
	memcpy(a, p->neigh_addr.b, 16); /* tw_addr is byte-aligned; the CRC wants words */
	memcpy(&mac, p->neigh_mac, 6);
	uint32_t h = rte_hash_crc_8byte(a[0], rte_hash_crc_8byte(a[1], rte_hash_crc_8byte(mac, 0))) % TW_NEIGH_CACHE;
	struct tw_neigh_seen *c = &w->neigh[h];
	if (tw_addr_eq(&c->addr, &p->neigh_addr) && memcmp(c->mac, p->neigh_mac, 6) == 0 &&
	    now < c->last_ns + 60 * 1000000000ull && now >= c->last_ns)
		return;
	c->addr = p->neigh_addr;
	memcpy(c->mac, p->neigh_mac, 6);
	c->last_ns = now;

	struct tw_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = TW_EV_NEIGH;
	ev.ts_ns = now;
	ev.first_ns = now;
	ev.client = p->neigh_addr;
	memcpy(ev.client_mac, p->neigh_mac, 6);
	ev.client_home = 1;
	ev.role = TW_ROLE_CLIENT;
	ev.worker = (uint8_t)w->idx;
	ev.seq = w->cur_seq;
	ev.zone = p->vlan;
	w->st.neigh_events++;
	send_event(w, tw_host_shard(&ev.client, w->n_analytics), &ev);
}

#ifdef TW_STAGE_CYCLES
#define STAGE_START() uint64_t t_stage = rte_rdtsc()
#define STAGE_END(ctr)                                                                                       \
	do {                                                                                                 \
		uint64_t t_now = rte_rdtsc();                                                                \
		w->st.ctr += t_now - t_stage;                                                                \
		t_stage = t_now;                                                                             \
	} while (0)
#else
#define STAGE_START() do { } while (0)
#define STAGE_END(ctr) do { } while (0)
#endif

/* Per-packet state carried from the decode pass to the flow pass. */
struct pkt_slot {
	struct tw_pkt p;
	uint64_t now;
	uint64_t seq;
	uint32_t wire;
	uint8_t state; /* SLOT_* */
	uint8_t dir;
};

enum { SLOT_SKIP = 0, SLOT_FLOW = 1, SLOT_NEIGH_ONLY = 2 };

/* Pass 1: decode a packet in place and prepare its flow key. */
static inline void
decode_one(struct tw_worker *w, struct rte_mbuf *m, struct pkt_slot *s, unsigned i, struct tw_flow_key *key,
	   hash_sig_t *sig)
{
	enum tw_decode_result r;
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t caplen = rte_pktmbuf_data_len(m);

	s->wire = w->live ? rte_pktmbuf_pkt_len(m) : tw_mbuf_wirelen(m);
	s->now = w->live ? w->now_ns : tw_mbuf_ts(m);
	s->seq = w->live ? 0 : tw_mbuf_seq(m);
	if (unlikely(m->nb_segs > 1 && caplen < TW_HDR_LINEAR)) {
		/* Headers may span segments: read the first bytes of the chain
		 * into one buffer (a copy only in this rare case). */
		caplen = rte_pktmbuf_pkt_len(m) < TW_HDR_LINEAR ? rte_pktmbuf_pkt_len(m) : TW_HDR_LINEAR;
		frame = rte_pktmbuf_read(m, 0, caplen, w->linear[i]);
		w->st.multiseg++;
	}
	w->st.rx_packets++;
	w->st.rx_bytes += s->wire;
	r = tw_decode(w->link, frame, caplen, &s->p);
	w->st.decode[r]++;
	s->state = SLOT_SKIP;
	if (r != TW_DEC_OK) {
		if (r == TW_DEC_NOT_IP && (s->p.flags & TW_PKT_F_NEIGH))
			s->state = SLOT_NEIGH_ONLY;
		return;
	}
	if (unlikely((s->p.flags & TW_PKT_F_FRAG) && !tw_frag_track(w->frag, &s->p))) {
		w->st.frag_unattributed++;
		if (s->p.flags & TW_PKT_F_NEIGH)
			s->state = SLOT_NEIGH_ONLY;
		return;
	}
	uint32_t zone = s->p.tunnel_type ? (uint32_t)s->p.tunnel_type << 24 | (s->p.tunnel_id & 0xffffff)
					 : s->p.vlan;
	s->dir = (uint8_t)tw_flow_prepare(w->ft, &s->p, zone, key, sig);
	s->state = SLOT_FLOW;
}

/* Pass 3: in packet order — expiry by packet time, the flow, its events. */
static inline void
flow_one(struct tw_worker *w, struct pkt_slot *s, const struct tw_flow_key *key, hash_sig_t sig, int32_t hint)
{
	const struct tw_pkt *p = &s->p;
	uint64_t now = s->now;

	STAGE_START();
	if (!w->live)
		w->cur_seq = s->seq;
	if (now > w->now_ns) {
		w->now_ns = now;
		/* Expiry follows packet time, packet by packet, so that what
		 * ends when is a function of the capture alone and not of how
		 * packets happened to be grouped into bursts. The wheel has
		 * 1-second ticks: call it when a tick passes, or while a
		 * previous call left work behind. */
		if (now >= w->expire_at_ns) {
			unsigned work = tw_flow_expire(w->ft, now, EXPIRE_BUDGET, flow_end_cb, w);
			w->expire_at_ns = work >= EXPIRE_BUDGET ? now : (now / 1000000000ull + 1) * 1000000000ull;
			STAGE_END(cyc_expire);
		}
	}
	if (s->state == SLOT_SKIP)
		return;
	if (unlikely(p->flags & TW_PKT_F_NEIGH))
		neighbour(w, p, now);
	if (s->state != SLOT_FLOW)
		return;

	bool created;
	unsigned dir = s->dir;
	struct tw_flow *f = tw_flow_get_hinted(w->ft, p, key, sig, dir, hint, now, &created, flow_end_cb, w);
	if (unlikely(f == NULL)) {
		w->st.no_flow++;
		return;
	}
	bool first_answer = !created && dir != f->client_dir && f->pkts[dir] == 0;
	tw_flow_account(w->ft, f, p, dir, s->wire, now);
	STAGE_END(cyc_flow);
	if (created) {
		uint8_t home = 0;
		if (tw_netset_contains(&w->cfg->home_net, &f->key.lo))
			home |= HOME_LO;
		if (tw_netset_contains(&w->cfg->home_net, &f->key.hi))
			home |= HOME_HI;
		f->home = home;
		if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
			/* ICMP flows key on the identifier; keep the first
			 * packet's type/code (for the Community ID) in the
			 * otherwise unused TCP flag bytes. */
			f->tcp_flags[0] = p->icmp_type;
			f->tcp_flags[1] = p->icmp_code;
		}
		emit(w, f, TW_EV_FLOW_START, TW_END_NONE, 0);
		STAGE_END(cyc_emit);
	} else if (first_answer) {
		/* the server exists: tell its model now, in packet order */
		emit(w, f, TW_EV_FLOW_UPDATE, TW_END_NONE, TW_EVF_ANSWER);
		STAGE_END(cyc_emit);
	} else if (f->next_update_s && now / 1000000000ull >= f->next_update_s) {
		f->next_update_s += (uint32_t)(w->cfg->dataplane.update_interval_ns / 1000000000ull);
		if (f->next_update_s <= now / 1000000000ull)
			f->next_update_s = (uint32_t)(now / 1000000000ull) + 1;
		emit(w, f, TW_EV_FLOW_UPDATE, TW_END_NONE, 0);
		STAGE_END(cyc_emit);
	}
}

/* Offline replay: tell each analytics core that nothing will come from
 * this worker with a sequence number below `seq`, so that it can merge the
 * workers' streams in capture order without waiting for events. Sent when
 * the watermark has moved far enough since the last event or tick. */
static void
send_ticks(struct tw_worker *w, uint64_t seq, uint64_t min_gap)
{
	struct tw_event t = {.type = TW_EV_TICK, .seq = seq, .worker = (uint8_t)w->idx};

	for (unsigned a = 0; a < w->n_analytics; a++) {
		if (seq < w->last_seq[a] + min_gap)
			continue;
		if (rte_ring_sp_enqueue_elem(w->ev_ring[a], &t, sizeof(t)) == 0) {
			w->last_seq[a] = seq;
			w->st.ticks++;
		}
	}
}

void
tw_worker_burst(struct tw_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct pkt_slot slots[TW_BULK];
	struct tw_flow_key_slot keys[TW_BULK];
	const struct tw_flow_key *kptr[TW_BULK];
	hash_sig_t sigs[TW_BULK];
	int32_t pos[TW_BULK];

	/* mbuf headers first (mtod reads them), so that the data prefetches
	 * below do not wait for them one by one */
	for (unsigned i = 0; i < n; i++)
		rte_prefetch0(pkts[i]);
	for (unsigned base = 0; base < n; base += TW_BULK) {
		unsigned cnt = n - base < TW_BULK ? n - base : TW_BULK, nk = 0;
		uint8_t kidx[TW_BULK];
		STAGE_START();

		/* 1: decode every packet of the batch, prefetching ahead */
		for (unsigned i = 0; i < cnt && i < PREFETCH_OFFSET; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[base + i], void *));
		for (unsigned i = 0; i < cnt; i++) {
			if (i + PREFETCH_OFFSET < cnt)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[base + i + PREFETCH_OFFSET], void *));
			decode_one(w, pkts[base + i], &slots[i], i, &keys[i].k, &sigs[i]);
			if (slots[i].state == SLOT_FLOW) {
				kidx[nk] = (uint8_t)i;
				kptr[nk++] = &keys[i].k;
			}
		}
		STAGE_END(cyc_decode);
		/* 2: look the batch's flows up at once (memory-level parallelism) */
		hash_sig_t ksig[TW_BULK];
		int32_t kpos[TW_BULK];
		for (unsigned k = 0; k < nk; k++)
			ksig[k] = sigs[kidx[k]];
		if (nk)
			tw_flow_lookup_bulk(w->ft, kptr, ksig, nk, kpos);
		for (unsigned i = 0; i < cnt; i++)
			pos[i] = -1;
		for (unsigned k = 0; k < nk; k++)
			pos[kidx[k]] = kpos[k];
		STAGE_END(cyc_flow);
		/* 3: flows and events, in packet order */
		for (unsigned i = 0; i < cnt; i++)
			flow_one(w, &slots[i], &keys[i].k, sigs[i], pos[i]);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	if (w->live)
		tw_flow_expire(w->ft, w->now_ns, EXPIRE_BUDGET, flow_end_cb, w);
	else if (w->n_workers > 1)
		send_ticks(w, w->cur_seq + 1, 1024);
}

static inline uint64_t
live_now(struct tw_worker *w)
{
	return w->wall_base_ns + (rte_rdtsc() - w->tsc_base) * 1000000000ull / rte_get_tsc_hz();
}

int
tw_worker_main(void *arg)
{
	struct tw_worker *w = arg;
	struct rte_mbuf *pkts[MAX_BURST];
	unsigned burst = w->burst > MAX_BURST ? MAX_BURST : w->burst;
	unsigned idle = 0;

	if (w->live) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		w->wall_base_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		w->tsc_base = rte_rdtsc();
	}
	while (!atomic_load_explicit(w->quit, memory_order_relaxed)) {
		/* read "input done" before polling: if it was set and the queue
		 * is then empty, every packet has been received */
		bool in_done = w->input_done && atomic_load_explicit(w->input_done, memory_order_acquire);
		/* and the reader's position: if the queue is then empty, every
		 * packet of ours up to it has been processed */
		uint64_t queued = w->reader_seq ? atomic_load_explicit(w->reader_seq, memory_order_acquire) : 0;
		uint16_t n = rte_eth_rx_burst(w->port, w->queue, pkts, (uint16_t)burst);

		if (n == 0) {
			if (in_done)
				break;
			w->st.idle_polls++;
			if (w->n_workers > 1 && queued)
				send_ticks(w, queued + 1, 1);
			if (w->live) { /* live time goes on without packets */
				w->now_ns = live_now(w);
				tw_flow_expire(w->ft, w->now_ns, EXPIRE_BUDGET, flow_end_cb, w);
			}
			if (++idle > 1024) /* nothing to do for a while: leave the CPU */
				rte_delay_us_sleep(50);
			else
				rte_pause();
			continue;
		}
		idle = 0;
		w->st.rx_bursts++;
		if (w->live)
			w->now_ns = live_now(w);
		tw_worker_burst(w, pkts, n);
	}

	/* End of input or shutdown: end every flow, then tell each analytics
	 * core that this worker is finished. */
	w->cur_seq = w->live ? 0 : UINT64_MAX;
	bool saved = w->lossless;
	w->lossless = true; /* the analytics cores drain until our end marker: wait, don't drop */
	tw_flow_flush(w->ft, flow_end_cb, w);
	struct tw_event eos;
	memset(&eos, 0, sizeof(eos));
	eos.type = TW_EV_EOS;
	eos.seq = UINT64_MAX;
	eos.ts_ns = w->now_ns;
	eos.worker = (uint8_t)w->idx;
	for (unsigned a = 0; a < w->n_analytics; a++) {
		while (rte_ring_sp_enqueue_elem(w->ev_ring[a], &eos, sizeof(eos)) != 0)
			rte_pause();
	}
	w->lossless = saved;
	atomic_store_explicit(&w->finished, true, memory_order_release);
	return 0;
}
