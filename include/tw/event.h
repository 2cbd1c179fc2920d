/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — the event contract between dataplane and analytics.
 *
 * Workers never hand analytics an mbuf: they copy what a model needs into a
 * fixed-size event (two cache lines) and enqueue it by value into a bounded
 * single-producer/single-consumer ring (one ring per worker × analytics
 * pair). Each flow event is addressed to one host, named by `role`: the
 * worker sends one copy to the analytics core that owns the client and, when
 * the server is a home-network host, one to the core that owns the server.
 */
#ifndef TW_EVENT_H
#define TW_EVENT_H

#include <stdint.h>
#include <string.h>

#include <rte_hash_crc.h>

#include "tw/addr.h"

enum tw_event_type {
	TW_EV_FLOW_START = 1,  /* first packet of a flow */
	TW_EV_FLOW_UPDATE = 2, /* periodic update of a long flow (cumulative counts) */
	TW_EV_FLOW_END = 3,    /* flow closed, timed out, evicted or flushed */
	TW_EV_EOS = 4,         /* end of stream: this worker will send nothing more */
	TW_EV_TICK = 5,        /* watermark only: nothing more will come with a smaller seq */
	TW_EV_NEIGH = 6,       /* ARP / neighbour discovery: client = address, client_mac = MAC */
};

enum tw_event_role {
	TW_ROLE_CLIENT = 0, /* the event is for the client (initiator) host's model */
	TW_ROLE_SERVER = 1, /* the event is for the server host's model */
};

/* The primary copy of a flow's events: exactly one per flow event is
 * primary, so flow records are written once. */
#define TW_EVF_PRIMARY 0x01
/* An update sent when the server first answers (its first packet). */
#define TW_EVF_ANSWER 0x02

enum tw_end_reason {
	TW_END_NONE = 0,
	TW_END_FIN = 1,
	TW_END_RST = 2,
	TW_END_TIMEOUT = 3,
	TW_END_EVICTED = 4,
	TW_END_FLUSH = 5, /* end of capture / shutdown */
};

struct tw_event {
	/* line 0 */
	uint64_t ts_ns;         /* packet time of the event (ns since epoch) */
	uint64_t first_ns;      /* packet time of the flow's first packet */
	struct tw_addr client;  /* initiator */
	struct tw_addr server;
	uint16_t cport;         /* host order; ICMP: type<<8|code */
	uint16_t sport;
	uint8_t proto;          /* IPPROTO_* */
	uint8_t type;           /* enum tw_event_type */
	uint8_t role;           /* enum tw_event_role */
	uint8_t end_reason;     /* enum tw_end_reason */
	/* line 1 */
	uint64_t pkts_c2s;      /* cumulative over the flow's life */
	uint64_t pkts_s2c;
	uint64_t bytes_c2s;     /* wire bytes (orig_len), L2 included */
	uint64_t bytes_s2c;
	uint8_t client_mac[6];  /* source MAC of the client's first packet */
	uint8_t server_mac[6];  /* source MAC of the server's first packet, 0 if none */
	uint32_t zone;          /* VLAN id, or tunnel type << 24 | tunnel id */
	uint8_t tcp_flags_c2s;  /* OR of flags seen */
	uint8_t tcp_flags_s2c;
	uint8_t ip_version;
	uint8_t worker;         /* producing worker index */
	uint8_t client_home;    /* client is inside home_net */
	uint8_t server_home;
	uint8_t flags;          /* TW_EVF_* */
	uint8_t pad_;
	/* Order key (offline replay): the capture-wide sequence number of the
	 * packet whose processing emitted this event (UINT64_MAX at the final
	 * flush). Each worker's events are in key order; analytics merges the
	 * workers' streams by it, so N workers feed the models in the same
	 * order as one. 0 in live mode. */
	uint64_t seq;
	uint8_t reserved[8];
};

_Static_assert(sizeof(struct tw_event) == 128, "tw_event must stay two cache lines");

/* The analytics core (of n) that owns a host: workers address events with
 * it, and the control socket finds a host's model with it. */
static inline unsigned
tw_host_shard(const struct tw_addr *a, unsigned n)
{
	uint64_t w[2];

	if (n <= 1)
		return 0;
	memcpy(w, a->b, 16); /* tw_addr is byte-aligned; the CRC reads words */
	return rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0xa11c0de)) % n;
}

#endif
