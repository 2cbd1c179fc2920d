/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dataplane/flow/flow.h"

#define WHEEL_SLOTS 4096u /* 1 s ticks; longer timeouts are re-filed each turn */
#define NONE UINT32_MAX
#define SEC 1000000000ull

struct tw_flow_table {
	struct rte_hash *hash;
	struct tw_flow *flows;   /* capacity entries, indexed by hash key position */
	uint32_t capacity;
	uint64_t wheel_tick;     /* last tick fully processed (s) */
	bool wheel_started;      /* wheel_tick set from packet time (0 is a valid time) */
	uint32_t wheel_cursor_left; /* flows left to examine in the current slot pass */
	struct tw_flow_timeouts to;
	struct tw_flow_counters ctr;
	uint32_t wheel[WHEEL_SLOTS];
};

static inline uint32_t
flow_index(const struct tw_flow_table *ft, const struct tw_flow *f)
{
	return (uint32_t)(f - ft->flows);
}

static inline uint64_t
flow_timeout(const struct tw_flow_table *ft, const struct tw_flow *f)
{
	switch (f->key.proto) {
	case IPPROTO_TCP:
		switch (f->tcp_state) {
		case TW_TCP_EST:
		case TW_TCP_FIN1:
			return ft->to.tcp_established_ns;
		case TW_TCP_CLOSED:
			return ft->to.tcp_closed_ns;
		default:
			return ft->to.tcp_new_ns;
		}
	case IPPROTO_UDP:
		return ft->to.udp_ns;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return ft->to.icmp_ns;
	default:
		return ft->to.other_ns;
	}
}

static inline void
wheel_unlink(struct tw_flow_table *ft, struct tw_flow *f)
{
	if (f->wheel_prev != NONE)
		ft->flows[f->wheel_prev].wheel_next = f->wheel_next;
	else
		ft->wheel[f->wheel_slot] = f->wheel_next;
	if (f->wheel_next != NONE)
		ft->flows[f->wheel_next].wheel_prev = f->wheel_prev;
	f->wheel_next = f->wheel_prev = NONE;
}

static inline void
wheel_file(struct tw_flow_table *ft, struct tw_flow *f, uint64_t deadline_ns)
{
	uint64_t tick = deadline_ns / SEC + 1; /* round up: never early */
	uint32_t idx = flow_index(ft, f);

	if (tick <= ft->wheel_tick)
		tick = ft->wheel_tick + 1;
	/* at most one turn ahead: a flow due later is re-filed when its slot
	 * comes up, so a slot never holds flows of a later turn (which would be
	 * re-examined without progress when a slot exceeds max_work) */
	if (tick > ft->wheel_tick + WHEEL_SLOTS - 1)
		tick = ft->wheel_tick + WHEEL_SLOTS - 1;
	f->wheel_slot = (uint16_t)(tick % WHEEL_SLOTS);
	f->wheel_prev = NONE;
	f->wheel_next = ft->wheel[f->wheel_slot];
	if (f->wheel_next != NONE)
		ft->flows[f->wheel_next].wheel_prev = idx;
	ft->wheel[f->wheel_slot] = idx;
}

/* Keys are 44 bytes, not one of rte_hash's vector compare sizes: compare
 * them inline (five 8-byte words and one 4-byte word) instead of calling
 * libc memcmp on every hit. Returns 0 when equal, like memcmp. */
static int
key_cmp(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	uint64_t d = 0, u, v;
	uint32_t s, t;

	(void)len;
	for (unsigned i = 0; i < 40; i += 8) {
		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		d |= u ^ v;
	}
	memcpy(&s, x + 40, 4);
	memcpy(&t, y + 40, 4);
	return (d | (s ^ t)) != 0;
}

_Static_assert(sizeof(struct tw_flow_key) == 44, "key_cmp compares 44 bytes");

struct tw_flow_table *
tw_flow_table_create(const char *name, uint32_t capacity, const struct tw_flow_timeouts *to, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct tw_flow_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0x7e1dea7c,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct tw_flow_table *ft;

	ft = rte_zmalloc_socket(name, sizeof(*ft), RTE_CACHE_LINE_SIZE, socket_id);
	if (ft == NULL)
		return NULL;
	ft->capacity = capacity;
	ft->to = *to;
	ft->hash = rte_hash_create(&hp);
	if (ft->hash == NULL)
		goto free_ft;
	rte_hash_set_cmp_func(ft->hash, key_cmp);
	ft->flows = rte_zmalloc_socket(name, (size_t)capacity * sizeof(struct tw_flow), RTE_CACHE_LINE_SIZE,
				       socket_id);
	if (ft->flows == NULL)
		goto free_hash;
	for (uint32_t i = 0; i < WHEEL_SLOTS; i++)
		ft->wheel[i] = NONE;
	return ft;

free_hash:
	rte_hash_free(ft->hash);
free_ft:
	rte_free(ft);
	return NULL;
}

void
tw_flow_table_free(struct tw_flow_table *ft)
{
	if (ft == NULL)
		return;
	rte_hash_free(ft->hash);
	rte_free(ft->flows);
	rte_free(ft);
}

unsigned
tw_flow_key_make(const struct tw_pkt *p, uint32_t zone, struct tw_flow_key *k)
{
	int c = tw_addr_cmp(&p->src, &p->dst);
	unsigned dir = (c > 0 || (c == 0 && p->sport > p->dport)) ? 1 : 0;

	/* ICMP: type/code live in sport; both directions of an echo differ in
	 * type (8 vs 0), so key ICMP on addresses and identifier only. */
	uint16_t sp = p->sport, dp = p->dport;
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		sp = 0;
		dir = c > 0 ? 1 : 0;
	}
	memset(k, 0, sizeof(*k));
	if (dir == 0) {
		k->lo = p->src;
		k->hi = p->dst;
		k->plo = sp;
		k->phi = dp;
	} else {
		k->lo = p->dst;
		k->hi = p->src;
		k->plo = dp;
		k->phi = sp;
	}
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)
		k->plo = k->phi = p->dport; /* identifier (0 when not echo) */
	k->proto = p->proto;
	k->zone = zone;
	return dir;
}

/* Decide who initiated the flow from its first packet. */
static uint8_t
initiator_dir(const struct tw_pkt *p, unsigned dir)
{
	if (p->proto == IPPROTO_TCP) {
		uint8_t fl = p->tcp_flags & 0x12; /* SYN|ACK */
		if (fl == 0x02)
			return (uint8_t)dir;
		if (fl == 0x12)
			return (uint8_t)(dir ^ 1);
	}
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		/* echo reply (0 / 129) seen first: the other side asked */
		if (p->icmp_type == 0 || p->icmp_type == 129)
			return (uint8_t)(dir ^ 1);
		return (uint8_t)dir;
	}
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		/* mid-stream pickup: the well-known / lower port is the server */
		if (p->sport < 1024 && p->dport >= 1024)
			return (uint8_t)(dir ^ 1);
		if (p->sport < p->dport && p->dport >= 49152 && p->sport < 49152)
			return (uint8_t)(dir ^ 1);
	}
	return (uint8_t)dir;
}

static void
flow_remove(struct tw_flow_table *ft, struct tw_flow *f)
{
	wheel_unlink(ft, f);
	f->in_use = 0;
	rte_hash_del_key(ft->hash, &f->key);
	ft->ctr.active--;
}

/* Evict the flow with the nearest deadline. Bounded by one wheel turn. */
static int
evict_one(struct tw_flow_table *ft, tw_flow_end_cb cb, void *ctx)
{
	for (uint32_t i = 1; i <= WHEEL_SLOTS; i++) {
		uint32_t slot = (uint32_t)((ft->wheel_tick + i) % WHEEL_SLOTS);
		uint32_t idx = ft->wheel[slot];
		if (idx == NONE)
			continue;
		struct tw_flow *f = &ft->flows[idx];
		cb(f, TW_END_EVICTED, ctx);
		flow_remove(ft, f);
		ft->ctr.evicted++;
		return 0;
	}
	return -1;
}

unsigned
tw_flow_prepare(const struct tw_flow_table *ft, const struct tw_pkt *p, uint32_t zone, struct tw_flow_key *k,
		hash_sig_t *sig)
{
	unsigned dir = tw_flow_key_make(p, zone, k);
	*sig = rte_hash_hash(ft->hash, k);
	return dir;
}

void
tw_flow_lookup_bulk(struct tw_flow_table *ft, const struct tw_flow_key **keys, hash_sig_t *sigs, unsigned n,
		    int32_t *pos)
{
	/* rte_hash pipelines the bucket and key-store loads of the batch */
	rte_hash_lookup_with_hash_bulk(ft->hash, (const void **)keys, sigs, n, pos);
	for (unsigned i = 0; i < n; i++)
		if (pos[i] >= 0) { /* both lines: counters, and the key the hint is checked against */
			rte_prefetch0(&ft->flows[pos[i]]);
			rte_prefetch0(&ft->flows[pos[i]].first_ns);
		}
}

struct tw_flow *
tw_flow_get(struct tw_flow_table *ft, const struct tw_pkt *p, uint32_t zone, uint64_t now_ns, bool *created,
	    unsigned *dir, tw_flow_end_cb cb, void *ctx)
{
	struct tw_flow_key k __attribute__((aligned(8))); /* the CRC reads 8 bytes at a time */
	hash_sig_t sig;

	*dir = tw_flow_prepare(ft, p, zone, &k, &sig);
	return tw_flow_get_hinted(ft, p, &k, sig, *dir, -1, now_ns, created, cb, ctx);
}

struct tw_flow *
tw_flow_get_hinted(struct tw_flow_table *ft, const struct tw_pkt *p, const struct tw_flow_key *key, hash_sig_t sig,
		   unsigned dir, int32_t hint, uint64_t now_ns, bool *created, tw_flow_end_cb cb, void *ctx)
{
	const struct tw_flow_key k __attribute__((aligned(8))) = *key;
	struct tw_flow *f;
	int32_t pos;

	if (!ft->wheel_started) {
		ft->wheel_tick = now_ns / SEC;
		ft->wheel_started = true;
	}
	/* A hint from a bulk lookup is used only while that slot still holds
	 * this key: the wheel or an eviction may have ended it since. */
	if (hint >= 0 && ft->flows[hint].in_use && key_cmp(&ft->flows[hint].key, &k, sizeof(k)) == 0)
		pos = hint;
	else
		pos = rte_hash_lookup_with_hash(ft->hash, &k, sig);
	if (pos >= 0) {
		f = &ft->flows[pos];
		if (likely(now_ns < f->last_ns + flow_timeout(ft, f))) {
			*created = false;
			return f;
		}
		/* Idle past its timeout but not yet reaped by the wheel: it
		 * ends here, and this packet starts a new flow. The result
		 * does not depend on how far the wheel has got. */
		cb(f, f->end_reason ? f->end_reason : TW_END_TIMEOUT, ctx);
		flow_remove(ft, f);
		ft->ctr.ended++;
	}
	pos = rte_hash_add_key_with_hash(ft->hash, &k, sig);
	if (pos < 0) {
		if (evict_one(ft, cb, ctx) != 0 || (pos = rte_hash_add_key_with_hash(ft->hash, &k, sig)) < 0) {
			ft->ctr.add_failed++;
			return NULL;
		}
	}
	f = &ft->flows[pos];
	memset(f, 0, sizeof(*f));
	f->key = k;
	f->first_ns = now_ns;
	f->last_ns = now_ns;
	f->in_use = 1;
	f->ip_version = p->ip_version;
	f->client_dir = initiator_dir(p, dir);
	f->tcp_state = p->proto == IPPROTO_TCP ? TW_TCP_SYN : TW_TCP_NONE;
	if (p->proto == IPPROTO_TCP && !(p->tcp_flags & 0x02))
		f->tcp_state = TW_TCP_EST; /* mid-stream pickup */
	if (ft->to.update_interval_ns)
		f->next_update_s = (uint32_t)((now_ns + ft->to.update_interval_ns) / SEC);
	f->wheel_next = f->wheel_prev = NONE;
	wheel_file(ft, f, now_ns + flow_timeout(ft, f));
	ft->ctr.created++;
	ft->ctr.active++;
	*created = true;
	return f;
}

/* A flow that closes shortens its timeout: re-file it under its new
 * deadline so that it ends (and is evicted) in time. Once per flow. */
static inline void
flow_closed(struct tw_flow_table *ft, struct tw_flow *f, uint8_t reason)
{
	if (f->tcp_state != TW_TCP_CLOSED) {
		f->tcp_state = TW_TCP_CLOSED;
		wheel_unlink(ft, f);
		wheel_file(ft, f, f->last_ns + ft->to.tcp_closed_ns);
	}
	f->end_reason = reason;
}

void
tw_flow_account(struct tw_flow_table *ft, struct tw_flow *f, const struct tw_pkt *p, unsigned dir,
		uint32_t wire_len, uint64_t now_ns)
{
	if (f->pkts[dir] == 0)
		memcpy(f->mac[dir], p->src_mac, 6);
	f->pkts[dir]++;
	f->bytes[dir] += wire_len;
	if (now_ns > f->last_ns)
		f->last_ns = now_ns;

	if (p->proto != IPPROTO_TCP || (p->flags & TW_PKT_F_FRAG_LATER))
		return;
	uint8_t fl = p->tcp_flags;
	f->tcp_flags[dir] |= fl;
	if (fl & 0x04) { /* RST */
		flow_closed(ft, f, TW_END_RST);
		return;
	}
	if (fl & 0x01) { /* FIN */
		f->fin_dirs |= (uint8_t)(1u << dir);
		if (f->fin_dirs == 3) {
			flow_closed(ft, f, TW_END_FIN);
		} else if (f->tcp_state != TW_TCP_CLOSED) {
			f->tcp_state = TW_TCP_FIN1;
		}
		return;
	}
	switch (f->tcp_state) {
	case TW_TCP_SYN:
		if ((fl & 0x12) == 0x12 && dir != f->client_dir)
			f->tcp_state = TW_TCP_SYNACK;
		break;
	case TW_TCP_SYNACK:
		if ((fl & 0x10) && dir == f->client_dir)
			f->tcp_state = TW_TCP_EST;
		break;
	default:
		break;
	}
}

unsigned
tw_flow_expire(struct tw_flow_table *ft, uint64_t now_ns, unsigned max_work, tw_flow_end_cb cb, void *ctx)
{
	uint64_t now_tick = now_ns / SEC;
	unsigned work = 0;

	if (!ft->wheel_started) { /* first call: start the wheel at packet time */
		ft->wheel_tick = now_tick;
		ft->wheel_started = true;
		return 0;
	}
	/* A jump longer than one turn needs only one pass over every slot. */
	if (now_tick > ft->wheel_tick + WHEEL_SLOTS)
		ft->wheel_tick = now_tick - WHEEL_SLOTS;

	while (ft->wheel_tick < now_tick && work < max_work) {
		uint32_t slot = (uint32_t)((ft->wheel_tick + 1) % WHEEL_SLOTS);
		uint32_t idx = ft->wheel[slot];
		bool slot_done = true;

		/* Re-file or end every flow in this slot, within the budget. */
		while (idx != NONE) {
			if (work >= max_work) {
				slot_done = false;
				break;
			}
			struct tw_flow *f = &ft->flows[idx];
			uint32_t next = f->wheel_next;
			uint64_t deadline = f->last_ns + flow_timeout(ft, f);
			work++;
			if (deadline <= now_ns) {
				cb(f, f->end_reason ? f->end_reason : TW_END_TIMEOUT, ctx);
				flow_remove(ft, f);
				ft->ctr.ended++;
			} else {
				wheel_unlink(ft, f);
				/* file relative to the slot being processed (never
				 * back into it: see wheel_file) */
				uint64_t save = ft->wheel_tick;
				ft->wheel_tick = save + 1;
				wheel_file(ft, f, deadline);
				ft->wheel_tick = save;
			}
			idx = next;
		}
		if (!slot_done)
			break;
		ft->wheel_tick++;
	}
	return work;
}

void
tw_flow_flush(struct tw_flow_table *ft, tw_flow_end_cb cb, void *ctx)
{
	for (uint32_t s = 0; s < WHEEL_SLOTS; s++) {
		while (ft->wheel[s] != NONE) {
			struct tw_flow *f = &ft->flows[ft->wheel[s]];
			cb(f, TW_END_FLUSH, ctx);
			flow_remove(ft, f);
			ft->ctr.flushed++;
		}
	}
}

const struct tw_flow_counters *
tw_flow_counters(const struct tw_flow_table *ft)
{
	return &ft->ctr;
}

uint32_t
tw_flow_capacity(const struct tw_flow_table *ft)
{
	return ft->capacity;
}
