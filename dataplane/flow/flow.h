/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — per-core flow table.
 *
 * One table per worker lcore, owned by that lcore only (no locks). Keys live
 * in a DPDK rte_hash (extendable buckets, so the configured capacity is a
 * guarantee); the hash's key position indexes a preallocated array of
 * struct tw_flow (128 bytes: a hot line that packets update, a cold line).
 *
 * Expiry is a timer wheel in packet time with 1-second ticks: a flow sits in
 * the slot of its (lazily computed) deadline; a packet only refreshes
 * last_ns; only the packet that closes a TCP flow (FIN both ways, RST)
 * re-files it once, under the short closed timeout. Advancing the wheel re-checks each
 * flow in a passed slot and either ends it or re-files it under its real
 * deadline. Work per call is bounded by max_work, so a long gap in packet
 * time never stalls the data path (the wheel catches up over later calls).
 *
 * When the table is full, the flow with the nearest deadline (closed flows
 * have the shortest timeouts, then idle ones) is evicted to make room and
 * counted.
 *
 * Memory: capacity × (128 B flow + 89 B of rte_hash key slot and buckets)
 * = 217 B per flow, as bench/memcost measures; wheel 4096 × 4 B.
 */
#ifndef TW_FLOW_H
#define TW_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>

#include "dataplane/decode/decode.h"
#include "tw/addr.h"
#include "tw/event.h"

/* Canonical key: the (address, port) pair that compares lower comes first,
 * so both directions of a flow share one key. */
struct tw_flow_key {
	struct tw_addr lo;
	struct tw_addr hi;
	uint16_t plo;
	uint16_t phi;
	uint32_t zone;           /* VLAN id, or tunnel type << 24 | tunnel id */
	uint8_t proto;
	uint8_t pad[3];
};

/* A key in an array: 8-byte aligned, as rte_hash's CRC reads 8 bytes. */
struct tw_flow_key_slot {
	struct tw_flow_key k;
} __attribute__((aligned(8)));

enum tw_tcp_state {
	TW_TCP_NONE = 0,   /* not TCP */
	TW_TCP_SYN,        /* SYN seen, no answer yet */
	TW_TCP_SYNACK,     /* SYN+ACK seen */
	TW_TCP_EST,        /* established or picked up mid-stream */
	TW_TCP_FIN1,       /* FIN seen in one direction */
	TW_TCP_CLOSED,     /* FIN both ways, or RST */
};

/* Direction index: 0 = packets from key.lo to key.hi, 1 = from hi to lo. */
struct tw_flow {
	/* cache line 0: everything a packet touches */
	uint64_t last_ns;
	uint64_t pkts[2];
	uint64_t bytes[2];       /* wire bytes */
	uint32_t next_update_s;  /* packet time (s) of the next update event; 0 = none */
	uint8_t tcp_flags[2];    /* OR of flags per direction */
	uint8_t tcp_state;       /* enum tw_tcp_state */
	uint8_t client_dir;      /* direction index of the initiator (0/1) */
	uint8_t fin_dirs;        /* bit per direction that sent FIN */
	uint8_t ip_version;
	uint8_t end_reason;      /* set when RST/FIN close the flow */
	uint8_t in_use;
	uint32_t wheel_next;     /* timer wheel links: flow indices, UINT32_MAX = none */
	uint32_t wheel_prev;
	uint16_t wheel_slot;
	uint8_t home;            /* which endpoints are in home_net (worker's bits) */
	uint8_t pad0;
	/* cache line 1: cold, read at creation and at the end */
	uint64_t first_ns;
	struct tw_flow_key key;  /* 44 B */
	uint8_t mac[2][6];       /* source MAC per direction (first packet) */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct tw_flow) == 128, "struct tw_flow must be 128 bytes");

struct tw_flow_timeouts {
	uint64_t tcp_new_ns;
	uint64_t tcp_established_ns;
	uint64_t tcp_closed_ns;
	uint64_t udp_ns;
	uint64_t icmp_ns;
	uint64_t other_ns;
	uint64_t update_interval_ns;
};

struct tw_flow_counters {
	uint64_t created;
	uint64_t ended;          /* by timeout */
	uint64_t evicted;        /* to make room when full */
	uint64_t flushed;        /* at end of capture / shutdown */
	uint64_t add_failed;     /* could not insert even after eviction */
	uint64_t active;
};

struct tw_flow_table;

/* Called for every flow that ends (timeout, eviction, flush) just before
 * it is removed. reason is an enum tw_end_reason. */
typedef void (*tw_flow_end_cb)(struct tw_flow *f, uint8_t reason, void *ctx);

/* Create a table. Needs the EAL (rte_hash, rte_zmalloc). name must be unique
 * in the process. Returns NULL on failure (rte_errno set). */
struct tw_flow_table *tw_flow_table_create(const char *name, uint32_t capacity,
					   const struct tw_flow_timeouts *to, int socket_id);
void tw_flow_table_free(struct tw_flow_table *ft);

/* Build the canonical key of a decoded packet; returns the direction index
 * of the packet (0: src is key.lo). */
unsigned tw_flow_key_make(const struct tw_pkt *p, uint32_t zone, struct tw_flow_key *k);

/* Find the packet's flow, creating it when absent. On creation *created is
 * set and the initiator is decided from this first packet. When the table is
 * full the nearest-deadline flow is evicted through cb. Returns NULL only
 * when no room could be made (counted in add_failed). *dir receives the
 * packet's direction index. */
struct tw_flow *tw_flow_get(struct tw_flow_table *ft, const struct tw_pkt *p, uint32_t zone,
			    uint64_t now_ns, bool *created, unsigned *dir, tw_flow_end_cb cb, void *ctx);

/* The three steps of tw_flow_get() for a burst: prepare each packet's key
 * and hash (returns the packet's direction index), look the burst up at
 * once (rte_hash pipelines the loads; hit entries are prefetched; pos[i] is
 * a hint, < 0 for a miss), then get each flow in packet order with its
 * hint. n <= 64. */
unsigned tw_flow_prepare(const struct tw_flow_table *ft, const struct tw_pkt *p, uint32_t zone,
			 struct tw_flow_key *k, hash_sig_t *sig);
void tw_flow_lookup_bulk(struct tw_flow_table *ft, const struct tw_flow_key **keys, hash_sig_t *sigs, unsigned n,
			 int32_t *pos);
struct tw_flow *tw_flow_get_hinted(struct tw_flow_table *ft, const struct tw_pkt *p, const struct tw_flow_key *k,
				   hash_sig_t sig, unsigned dir, int32_t hint, uint64_t now_ns, bool *created,
				   tw_flow_end_cb cb, void *ctx);

/* Account a packet to its flow: counters, TCP state. */
void tw_flow_account(struct tw_flow_table *ft, struct tw_flow *f, const struct tw_pkt *p, unsigned dir,
		     uint32_t wire_len, uint64_t now_ns);

/* Advance the wheel to now_ns, ending idle flows through cb. At most
 * max_work flows are examined. Returns the number examined. */
unsigned tw_flow_expire(struct tw_flow_table *ft, uint64_t now_ns, unsigned max_work, tw_flow_end_cb cb,
			void *ctx);

/* End every flow (reason TW_END_FLUSH) through cb. */
void tw_flow_flush(struct tw_flow_table *ft, tw_flow_end_cb cb, void *ctx);

const struct tw_flow_counters *tw_flow_counters(const struct tw_flow_table *ft);
uint32_t tw_flow_capacity(const struct tw_flow_table *ft);

#endif
