/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — zero-copy packet decode (L2..L4).
 *
 * tw_decode() reads a frame in place (no copy, no allocation, no syscall) and
 * fills a struct tw_pkt whose pointers point into the frame. It works over a
 * plain buffer so that it is testable and fuzzable without the EAL; the worker
 * calls it with rte_pktmbuf_mtod() of a single-segment mbuf.
 *
 * Every malformed or unsupported input ends as one enumerated result, counted
 * by the caller in a per-core array indexed by that result; decode itself
 * never logs. Work is bounded: at most TW_DECODE_MAX_VLAN tags and
 * TW_DECODE_MAX_IP6_EXT IPv6 extension headers are walked.
 *
 * Thread safety: pure function of its inputs.
 */
#ifndef TW_DECODE_H
#define TW_DECODE_H

#include <stdint.h>

#include "tw/addr.h"

/* Link types: the pcap LINKTYPE_* values that offline replay can hand us. */
enum tw_linktype {
	TW_LINK_NULL = 0,       /* BSD loopback: 4-byte host-order family */
	TW_LINK_ETHERNET = 1,
	TW_LINK_RAW = 101,      /* raw IPv4/IPv6 */
	TW_LINK_LOOP = 108,     /* OpenBSD loopback: 4-byte network-order family */
	TW_LINK_LINUX_SLL = 113,
	TW_LINK_LINUX_SLL2 = 276,
};

#define TW_DECODE_MAX_VLAN 4
#define TW_DECODE_MAX_IP6_EXT 8

/* Result of a decode. TW_DEC_OK means L3 (and L4 when the protocol is TCP,
 * UDP, ICMP or ICMPv6 and the packet is not a non-first fragment) is valid.
 * Values >= TW_DEC_ERR_FIRST are malformed input. Values between are frames
 * that are fine but carry nothing a flow is made of (ARP, other ethertypes). */
enum tw_decode_result {
	TW_DEC_OK = 0,
	TW_DEC_NOT_IP,          /* ARP, LLDP, ... — counted, not an error */
	TW_DEC_UNSUPPORTED_LINK,
	TW_DEC_ERR_FIRST,
	TW_DEC_ERR_LINK_SHORT = TW_DEC_ERR_FIRST, /* shorter than the L2 header */
	TW_DEC_ERR_VLAN_SHORT,
	TW_DEC_ERR_VLAN_DEPTH,  /* more than TW_DECODE_MAX_VLAN tags */
	TW_DEC_ERR_IPV4_SHORT,
	TW_DEC_ERR_IPV4_HLEN,   /* IHL < 5 or header beyond the data */
	TW_DEC_ERR_IPV4_TOTLEN, /* total length < IHL*4 */
	TW_DEC_ERR_IP_VERSION,  /* version nibble does not match the ethertype */
	TW_DEC_ERR_IPV6_SHORT,
	TW_DEC_ERR_IPV6_EXT,    /* extension header truncated or chain too long */
	TW_DEC_ERR_TCP_SHORT,
	TW_DEC_ERR_TCP_HLEN,    /* data offset < 5 or beyond the data */
	TW_DEC_ERR_UDP_SHORT,
	TW_DEC_ERR_ICMP_SHORT,
	TW_DEC__COUNT
};

/*
 * Decode conventions (details of the contract above):
 *
 * Errors: *_SHORT means the capture ends inside that header (a truncated
 * frame, e.g. a small snaplen); IPV4_HLEN, IPV4_TOTLEN and TCP_HLEN mean the
 * header contradicts itself or the length the IP header declares (malformed).
 * So IPv4 with IHL*4 > captured bytes (but <= total length) is IPV4_SHORT,
 * IHL*4 > total length is IPV4_TOTLEN; TCP with a data offset beyond the L4
 * length declared by IP is TCP_HLEN, within it but beyond the capture is
 * TCP_SHORT. IPV6_EXT covers a truncated extension header (either cause)
 * and a chain longer than TW_DECODE_MAX_IP6_EXT. ICMP/ICMPv6 need the full
 * 8-byte header (type, code, checksum, rest-of-header), else ICMP_SHORT.
 *
 * Link layer: BSD null and LOOP families 2 -> IPv4, 24/28/30 -> IPv6; any
 * other family -> NOT_IP (ethertype 0). A null/loop header whose value only
 * matches when byte-swapped (capture written on the other endianness) is
 * accepted. Linux SLL and SLL2 fill src_mac from the link-layer address when
 * its length is 6. VLAN tags (0x8100, 0x88a8, 0x9100) are walked after any
 * link type that carries an ethertype.
 *
 * L3 bound: the IP packet ends at min(captured end, IPv4 total length /
 * IPv6 40 + payload length). Trailing link padding is never part of l3_len
 * or payload_len. An IPv6 payload length of 0 with a next header other than
 * 59 (jumbogram, or a GSO/TSO super-packet captured on the host) is bounded
 * by the captured data instead.
 *
 * L4 (when TW_DEC_OK):
 *  - TCP/UDP: l4 = header, sport/dport, TCP seq/ack/flags.
 *  - ICMP (proto 1) / ICMPv6 (proto 58): icmp_type, icmp_code;
 *    sport = type << 8 | code; dport = identifier for echo request/reply
 *    (ICMP 8/0, ICMPv6 128/129), else 0. payload = after the 8-byte header.
 *  - non-first fragment (TW_PKT_F_FRAG_LATER): l4 = payload = NULL, ports 0,
 *    proto = the upper-layer protocol.
 *  - IPv6 next header 59 (no next header): l4 = payload = NULL.
 *  - any other protocol (GRE, IP-in-IP, ESP, SCTP, ...): l4 = first byte
 *    after the IP header(s) when at least one byte is captured (else NULL),
 *    payload = NULL, ports 0; tw_pkt_l4_len() gives the captured L4 bytes.
 *  - payload is NULL when payload_len is 0.
 *  - TW_PKT_F_L4_TRUNC: l4 != NULL and the capture ends before the end of
 *    the IP packet (snaplen cut).
 * Fields of layers not decoded are zero / NULL.
 */

/* Names for counters and logs: "ok", "not_ip", "ipv4_short", ... */
const char *tw_decode_result_name(enum tw_decode_result r);

#define TW_PKT_F_FRAG      0x01 /* IP fragment (any) */
#define TW_PKT_F_FRAG_LATER 0x02 /* non-first fragment: no L4 header */
#define TW_PKT_F_L4_TRUNC  0x04 /* L4 header present, payload cut by snaplen */

/* A decoded packet. Laid out so that the flow lookup (key fields) shares the
 * first cache line. Pointers are into the caller's frame. */
struct tw_pkt {
	struct tw_addr src;
	struct tw_addr dst;
	uint16_t sport;         /* host order; ICMP: type<<8|code in sport, id in dport */
	uint16_t dport;
	uint8_t proto;          /* IPPROTO_* */
	uint8_t ip_version;     /* 4 or 6 */
	uint8_t tcp_flags;      /* TCP only */
	uint8_t flags;          /* TW_PKT_F_* */
	uint16_t vlan;          /* innermost VLAN id, 0 when untagged */
	uint16_t ethertype;     /* innermost ethertype / L3 protocol */
	uint8_t src_mac[6];     /* zero when the link has no MAC (raw, null) */
	uint8_t dst_mac[6];
	uint8_t ttl;            /* IPv4 TTL / IPv6 hop limit */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t pad_;
	uint32_t tcp_seq;       /* host order */
	uint32_t tcp_ack;
	const uint8_t *l3;
	const uint8_t *l4;
	const uint8_t *payload; /* L4 payload (NULL when none) */
	uint32_t payload_len;   /* captured payload bytes */
	uint32_t l3_len;        /* bytes from l3 to the end of the captured data */
				/* (captured bytes of the IP packet: excludes
				 * trailing link padding beyond IP's length) */
};

/* Captured bytes from l4 to the end of the IP packet (0 when l4 is NULL). */
static inline uint32_t
tw_pkt_l4_len(const struct tw_pkt *p)
{
	return p->l4 ? (uint32_t)(p->l3 + p->l3_len - p->l4) : 0;
}

/* Decode a frame of caplen captured bytes with the given link type.
 * Precondition: data != NULL or caplen == 0; p != NULL.
 * Returns a tw_decode_result; p is valid (for the layers decoded) only when
 * the result is TW_DEC_OK. */
enum tw_decode_result tw_decode(enum tw_linktype link, const uint8_t *data,
				uint32_t caplen, struct tw_pkt *p);

#endif
