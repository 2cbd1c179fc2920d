/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — the dataplane worker lcore.
 *
 * Each worker polls one rx queue, decodes every packet in place, keeps its
 * own flow table and turns flow starts, periodic updates and ends into
 * struct tw_event copies, one per home-network host involved, enqueued by
 * value into the single-producer ring of the analytics core that owns the
 * host (shard = tw_host_shard(address)).
 *
 * In lossless mode (offline replay) a full ring makes the worker wait for
 * the analytics core (counted in event_waits); in live mode the event is
 * dropped and counted in events_dropped. No locks, no syscalls, no heap
 * allocation per packet.
 */
#ifndef TW_WORKER_H
#define TW_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_ring.h>

#include "app/config.h"
#include "dataplane/decode/decode.h"
#include "dataplane/flow/flow.h"

struct tw_worker_stats {
	uint64_t rx_packets;
	uint64_t rx_bytes;        /* wire bytes */
	uint64_t rx_bursts;
	uint64_t idle_polls;
	uint64_t decode[TW_DEC__COUNT];
	uint64_t no_flow;         /* flow table could not take the packet's flow */
	uint64_t events_sent;
	uint64_t events_dropped;  /* ring full (live mode) */
	uint64_t event_waits;     /* ring full, waited (lossless mode) */
	uint64_t events_transit;  /* flows with no home-network host: no model to feed */
	uint64_t multiseg;        /* packets whose frame spans mbuf segments */
	uint64_t ticks;           /* watermark events (offline, several workers) */
	uint64_t neigh_events;    /* ARP / neighbour discovery sightings sent */
	uint64_t frag_unattributed; /* later fragments whose first fragment was not seen */
	/* cycles per stage; counted only in a TW_STAGE_CYCLES build (bench) */
	uint64_t cyc_expire;
	uint64_t cyc_decode;
	uint64_t cyc_flow;
	uint64_t cyc_emit;
} __rte_cache_aligned;

#define TW_NEIGH_CACHE 1024
#define TW_BULK 32        /* packets decoded, then looked up, together */
#define TW_HDR_LINEAR 256 /* bytes linearised when a frame's first segment is shorter */

struct tw_neigh_seen {
	struct tw_addr addr;
	uint8_t mac[6];
	uint64_t last_ns;
};

struct tw_frag_table;

struct tw_worker {
	unsigned idx;
	unsigned lcore;
	uint16_t port;
	uint16_t queue;
	enum tw_linktype link;
	bool lossless;
	bool live;                /* live port: TSC clock, wire length = pkt_len */
	unsigned burst;
	unsigned n_analytics;
	unsigned n_workers;
	const atomic_uint_fast64_t *reader_seq; /* offline: last packet queued */
	uint64_t cur_seq;         /* offline: seq of the packet being processed */
	uint64_t last_seq[TW_MAX_ANALYTICS]; /* last seq sent to each analytics core */
	struct rte_ring *ev_ring[TW_MAX_ANALYTICS];
	struct tw_flow_table *ft;
	struct tw_frag_table *frag;
	struct tw_neigh_seen neigh[TW_NEIGH_CACHE];
	uint8_t linear[TW_BULK][TW_HDR_LINEAR]; /* headers of multi-segment frames */
	const struct tw_config *cfg;
	atomic_bool *quit;        /* stop now (shutdown) */
	atomic_bool *input_done;  /* offline: the reader has enqueued everything */
	atomic_bool finished;     /* set by the worker when it has sent EOS */
	uint64_t now_ns;          /* packet time of the newest packet */
	uint64_t expire_at_ns;    /* next packet time at which the wheel may have work */
	uint64_t tsc_base;
	uint64_t wall_base_ns;
	struct tw_worker_stats st;
};


/* Process a burst of received packets (decode, flows, events) and free
 * them. The lcore loop calls it; so does the replay benchmark. */
void tw_worker_burst(struct tw_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* lcore entry point; arg is a struct tw_worker *. Returns 0. */
int tw_worker_main(void *arg);

#endif
