/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — capture ports.
 *
 * Workers always poll an ethdev queue with rte_eth_rx_burst(); where the
 * packets come from is decided once, at setup:
 *  - live: any DPDK port the EAL probed (PCI NIC, net_af_packet, net_af_xdp,
 *    net_pcap, net_memif ...), one rx queue per worker;
 *  - offline (--pcap FILE): tidewatch reads the file itself with libpcap
 *    (pcap and pcapng) into mbufs from the packet pool, keeps the capture
 *    timestamp and the wire length (orig_len) in mbuf dynamic fields, and
 *    distributes each packet to one worker's rx ring by a symmetric hash of
 *    its address pair (both directions of a flow, and every fragment of a
 *    datagram, reach one worker). The rings back an ethdev made with
 *    rte_eth_from_rings(), so the worker loop is the same in both modes.
 *    The reader blocks (never drops) when a ring is full: offline replay is
 *    lossless, and the end of the file is signalled explicitly.
 */
#ifndef TW_PORT_H
#define TW_PORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dataplane/decode/decode.h"

/* Offsets of the dynamic fields; valid after tw_port_dynfields_register(). */
extern int tw_dyn_ts_off;      /* uint64_t capture time, ns since the epoch */
extern int tw_dyn_wirelen_off; /* uint32_t bytes on the wire (orig_len) */
extern int tw_dyn_seq_off;     /* uint64_t position in the capture, from 1 */

int tw_port_dynfields_register(void);

static inline uint64_t
tw_mbuf_ts(const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, tw_dyn_ts_off, const uint64_t *);
}

static inline uint64_t
tw_mbuf_seq(const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, tw_dyn_seq_off, const uint64_t *);
}

static inline uint32_t
tw_mbuf_wirelen(const struct rte_mbuf *m)
{
	return *RTE_MBUF_DYNFIELD(m, tw_dyn_wirelen_off, const uint32_t *);
}

struct tw_offline_stats {
	uint64_t packets;        /* handed to workers */
	uint64_t bytes_wire;
	uint64_t bytes_captured;
	uint64_t truncated;      /* caplen < orig_len (snaplen) */
	uint64_t oversize;       /* caplen larger than the mbuf chain could hold: cut, counted */
	uint64_t bad_orig_len;   /* record's wire length < captured or > TW_MAX_WIRE_LEN: captured used */
	uint64_t ring_full_waits;/* times the reader waited for a worker */
	uint64_t file_bytes;     /* position in the file, for progress */
	uint64_t file_size;
	uint64_t worker_pkts[16];
};

/* Largest believable wire length of one captured frame (GRO/LRO/TSO
 * captures carry up to 64 KiB of payload; jumbo frames 9 KiB). */
#define TW_MAX_WIRE_LEN (256u * 1024u)

struct tw_offline;

/* Open a capture file for replay into nb_queues rings of ring_size, as an
 * ethdev. Returns NULL with err filled (names the file and libpcap's
 * reason: not a capture, unsupported link type, unreadable). */
struct tw_offline *tw_offline_open(const char *path, struct rte_mempool *mp, unsigned nb_queues,
				   unsigned ring_size, char *err, size_t errlen);

/* The sequence number of the last packet queued to a worker (release
 * order: every packet with a smaller or equal seq is in some worker's
 * queue). An idle worker uses it as its watermark. */
const atomic_uint_fast64_t *tw_offline_seq(const struct tw_offline *o);

/* Split every frame into segments of at most `bytes` (0: as large as an
 * mbuf allows). For tests of headers that span segments. */
void tw_offline_set_segment_size(struct tw_offline *o, uint32_t bytes);

/* The ethdev port id the workers poll. */
uint16_t tw_offline_port(const struct tw_offline *o);
enum tw_linktype tw_offline_linktype(const struct tw_offline *o);

/* Read and enqueue up to max packets. Returns the number enqueued, 0 when
 * the rings are full (try again after other work), or -1 at the end of the
 * file (then tw_offline_done() is true). A truncated final record or a read
 * error ends the replay too; tw_offline_error() then says what and where. */
int tw_offline_pump(struct tw_offline *o, unsigned max);
bool tw_offline_done(const struct tw_offline *o);
const char *tw_offline_error(const struct tw_offline *o); /* NULL when clean */
/* A warning about the capture (e.g. a link type that is not decoded), or NULL. */
const char *tw_offline_warning(const struct tw_offline *o);
const struct tw_offline_stats *tw_offline_stats(const struct tw_offline *o);
void tw_offline_close(struct tw_offline *o);

/* Symmetric distribution hash of a decoded packet: same value for both
 * directions and for every fragment. */
uint32_t tw_sym_hash(const struct tw_pkt *p);

#endif
