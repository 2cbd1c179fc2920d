/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — offline replay: a capture file read into mbufs behind an ethdev.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "dataplane/port/port.h"

int tw_dyn_ts_off = -1;
int tw_dyn_wirelen_off = -1;
int tw_dyn_seq_off = -1;

int
tw_port_dynfields_register(void)
{
	static const struct rte_mbuf_dynfield wl = {
		.name = "tidewatch_wire_len",
		.size = sizeof(uint32_t),
		.align = __alignof__(uint32_t),
	};
	uint64_t flag;

	if (tw_dyn_ts_off >= 0)
		return 0;
	if (rte_mbuf_dyn_rx_timestamp_register(&tw_dyn_ts_off, &flag) != 0)
		return -1;
	static const struct rte_mbuf_dynfield sq = {
		.name = "tidewatch_seq",
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	tw_dyn_wirelen_off = rte_mbuf_dynfield_register(&wl);
	tw_dyn_seq_off = rte_mbuf_dynfield_register(&sq);
	return tw_dyn_wirelen_off < 0 || tw_dyn_seq_off < 0 ? -1 : 0;
}

#define MAX_QUEUES 16

struct tw_offline {
	pcap_t *pcap;
	FILE *fp;
	struct rte_mempool *mp;
	struct rte_ring *rx[MAX_QUEUES];
	struct rte_ring *tx;
	unsigned nq;
	uint16_t port;
	enum tw_linktype link;
	bool done;
	struct rte_mbuf *pending; /* read but not yet enqueued (its ring was full) */
	unsigned pending_q;
	uint32_t seg_size; /* 0: fill each mbuf */
	atomic_uint_fast64_t published_seq; /* every packet up to this seq is queued */
	char error[512];
	char warning[512];
	char path[256];
	struct tw_offline_stats st;
};

static int
map_linktype(int dlt, enum tw_linktype *out)
{
	switch (dlt) {
	case DLT_NULL:
		*out = TW_LINK_NULL;
		return 0;
	case DLT_EN10MB:
		*out = TW_LINK_ETHERNET;
		return 0;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
#ifdef DLT_IPV6
	case DLT_IPV6:
#endif
		*out = TW_LINK_RAW;
		return 0;
	case DLT_LOOP:
		*out = TW_LINK_LOOP;
		return 0;
	case DLT_LINUX_SLL:
		*out = TW_LINK_LINUX_SLL;
		return 0;
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		*out = TW_LINK_LINUX_SLL2;
		return 0;
#endif
	default:
		return -1;
	}
}

uint32_t
tw_sym_hash(const struct tw_pkt *p)
{
	/* XOR of the two addresses is direction-free; ports are left out so
	 * that later fragments (which have none) follow their first one. */
	uint64_t x[2], a[2], b[2];
	memcpy(a, p->src.b, 16);
	memcpy(b, p->dst.b, 16);
	x[0] = a[0] ^ b[0];
	x[1] = a[1] ^ b[1];
	return rte_hash_crc(x, sizeof(x), 0x5eed);
}

struct tw_offline *
tw_offline_open(const char *path, struct rte_mempool *mp, unsigned nb_queues, unsigned ring_size, char *err,
		size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct tw_offline *o;
	struct stat sb;

	if (nb_queues == 0 || nb_queues > MAX_QUEUES) {
		snprintf(err, errlen, "offline: %u queues (1..%d)", nb_queues, MAX_QUEUES);
		return NULL;
	}
	o = rte_zmalloc("tw_offline", sizeof(*o), 0);
	if (o == NULL) {
		snprintf(err, errlen, "offline: out of memory");
		return NULL;
	}
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->mp = mp;
	o->nq = nb_queues;
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not a capture file", path);
		goto fail;
	}
	o->st.file_size = (uint64_t)sb.st_size;
	o->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (o->pcap == NULL) {
		snprintf(err, errlen, "%s: not a readable pcap/pcapng capture: %s", path, ebuf);
		goto fail;
	}
	o->fp = pcap_file(o->pcap);
	if (map_linktype(pcap_datalink(o->pcap), &o->link) != 0) {
		/* Replay it anyway: every packet is counted (as
		 * unsupported_link) so that nothing is lost silently. */
		o->link = (enum tw_linktype)(1000 + pcap_datalink(o->pcap));
		snprintf(o->warning, sizeof(o->warning),
			 "%s: link type %d (%s) is not decoded; its packets are counted as unsupported_link", path,
			 pcap_datalink(o->pcap), pcap_datalink_val_to_name(pcap_datalink(o->pcap)) ?: "unknown");
	}
	for (unsigned q = 0; q < nb_queues; q++) {
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "tw_off_rx%u", q);
		o->rx[q] = rte_ring_create(name, rte_align32pow2(ring_size), SOCKET_ID_ANY,
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (o->rx[q] == NULL) {
			snprintf(err, errlen, "offline: ring %s: %s", name, rte_strerror(rte_errno));
			goto fail;
		}
	}
	o->tx = rte_ring_create("tw_off_tx", 64, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (o->tx == NULL) {
		snprintf(err, errlen, "offline: tx ring: %s", rte_strerror(rte_errno));
		goto fail;
	}
	int port = rte_eth_from_rings("tw_pcap0", o->rx, nb_queues, &o->tx, 1, SOCKET_ID_ANY);
	if (port < 0) {
		snprintf(err, errlen, "offline: ethdev from rings: %s", rte_strerror(rte_errno));
		goto fail;
	}
	o->port = (uint16_t)port;
	return o;
fail:
	tw_offline_close(o);
	return NULL;
}

const atomic_uint_fast64_t *
tw_offline_seq(const struct tw_offline *o)
{
	return &o->published_seq;
}

void
tw_offline_set_segment_size(struct tw_offline *o, uint32_t bytes)
{
	o->seg_size = bytes;
}

uint16_t
tw_offline_port(const struct tw_offline *o)
{
	return o->port;
}

enum tw_linktype
tw_offline_linktype(const struct tw_offline *o)
{
	return o->link;
}

/* Copy a captured frame into a (possibly chained) mbuf. */
static struct rte_mbuf *
frame_to_mbuf(struct tw_offline *o, const uint8_t *data, uint32_t caplen)
{
	struct rte_mbuf *head = rte_pktmbuf_alloc(o->mp), *seg = head;
	uint32_t off = 0;

	if (head == NULL)
		return NULL;
	for (;;) {
		uint32_t room = rte_pktmbuf_tailroom(seg);
		if (o->seg_size && room > o->seg_size)
			room = o->seg_size;
		uint32_t n = caplen - off < room ? caplen - off : room;
		memcpy(rte_pktmbuf_mtod(seg, uint8_t *), data + off, n);
		seg->data_len = (uint16_t)n;
		head->pkt_len += n;
		off += n;
		if (off >= caplen)
			break;
		struct rte_mbuf *next = rte_pktmbuf_alloc(o->mp);
		if (next == NULL || head->nb_segs == UINT16_MAX) {
			rte_pktmbuf_free(next);
			o->st.oversize++;
			break;
		}
		seg->next = next;
		head->nb_segs++;
		seg = next;
	}
	return head;
}

int
tw_offline_pump(struct tw_offline *o, unsigned max)
{
	unsigned n = 0;

	if (o->done)
		return -1;
	while (n < max) {
		struct rte_mbuf *m;
		unsigned q;

		if (o->pending != NULL) {
			m = o->pending;
			q = o->pending_q;
		} else {
			struct pcap_pkthdr *h;
			const u_char *data;
			int rc = pcap_next_ex(o->pcap, &h, &data);
			if (rc == PCAP_ERROR_BREAK || rc == -2) {
				o->done = true;
				break;
			}
			if (rc < 0) {
				snprintf(o->error, sizeof(o->error), "%s: after packet %lu: %s", o->path,
					 (unsigned long)o->st.packets, pcap_geterr(o->pcap));
				o->done = true;
				break;
			}
			if (rc == 0)
				continue;
			m = frame_to_mbuf(o, data, h->caplen);
			if (m == NULL) /* pool empty: workers hold the mbufs; retry later */
				return (int)n;
			*RTE_MBUF_DYNFIELD(m, tw_dyn_ts_off, uint64_t *) =
				(uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
			/* A wire length below the captured length, or beyond
			 * any frame (GRO/TSO captures reach 64 KiB), is a
			 * corrupt record header: count the captured bytes. */
			uint32_t wire = h->len;
			if (unlikely(wire < h->caplen || wire > TW_MAX_WIRE_LEN)) {
				o->st.bad_orig_len++;
				wire = h->caplen;
			}
			*RTE_MBUF_DYNFIELD(m, tw_dyn_wirelen_off, uint32_t *) = wire;
			o->st.bytes_wire += wire;
			o->st.bytes_captured += h->caplen;
			if (h->caplen < h->len)
				o->st.truncated++;
			*RTE_MBUF_DYNFIELD(m, tw_dyn_seq_off, uint64_t *) = o->st.packets + 1;
			q = 0;
			if (o->nq > 1) {
				struct tw_pkt p;
				if (tw_decode(o->link, data, h->caplen, &p) == TW_DEC_OK)
					q = tw_sym_hash(&p) % o->nq;
			}
		}
		if (rte_ring_sp_enqueue(o->rx[q], m) != 0) {
			o->pending = m;
			o->pending_q = q;
			o->st.ring_full_waits++;
			return (int)n;
		}
		o->pending = NULL;
		o->st.packets++;
		atomic_store_explicit(&o->published_seq, o->st.packets, memory_order_release);
		o->st.worker_pkts[q]++;
		n++;
	}
	if (o->fp != NULL && !o->done) {
		long pos = ftell(o->fp);
		if (pos > 0)
			o->st.file_bytes = (uint64_t)pos;
	}
	if (o->done) {
		o->st.file_bytes = o->st.file_size;
		return n ? (int)n : -1;
	}
	return (int)n;
}

bool
tw_offline_done(const struct tw_offline *o)
{
	return o->done && o->pending == NULL;
}

const char *
tw_offline_error(const struct tw_offline *o)
{
	return o->error[0] ? o->error : NULL;
}

const char *
tw_offline_warning(const struct tw_offline *o)
{
	return o->warning[0] ? o->warning : NULL;
}

const struct tw_offline_stats *
tw_offline_stats(const struct tw_offline *o)
{
	return &o->st;
}

void
tw_offline_close(struct tw_offline *o)
{
	if (o == NULL)
		return;
	if (o->pcap)
		pcap_close(o->pcap);
	rte_pktmbuf_free(o->pending);
	/* rings stay owned by the ring ethdev once created; freed at exit */
	rte_free(o);
}
