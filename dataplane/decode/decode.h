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
 * never logs. Work is bounded: at most TW_DECODE_MAX_VLAN tags per Ethernet
 * header, TW_DECODE_MAX_IP6_EXT IPv6 extension headers per IPv6 header,
 * TW_DECODE_MAX_MPLS labels per label stack, TW_DECODE_MAX_TUNNELS
 * encapsulations and TW_DECODE_MAX_ND_OPT neighbour discovery options.
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
#define TW_DECODE_MAX_MPLS 8     /* labels in one stack */
#define TW_DECODE_MAX_TUNNELS 3  /* encapsulations stripped */
#define TW_DECODE_MAX_ND_OPT 8   /* ICMPv6 ND options looked at */

/* Encapsulation that carried the packet described (struct tw_pkt.tunnel_type). */
enum tw_tunnel {
	TW_TUNNEL_NONE = 0,
	TW_TUNNEL_GRE,          /* GRE v0 carrying IPv4/IPv6/MPLS/Ethernet (0x6558) */
	TW_TUNNEL_ERSPAN1,      /* GRE 0x88be without sequence number: bare Ethernet */
	TW_TUNNEL_ERSPAN2,      /* GRE 0x88be + 8-byte ERSPAN II header */
	TW_TUNNEL_ERSPAN3,      /* GRE 0x22eb + 12-byte ERSPAN III header (+ 8) */
	TW_TUNNEL_VXLAN,        /* UDP dst port 4789 or 8472 */
	TW_TUNNEL_GENEVE,       /* UDP dst port 6081 */
	TW_TUNNEL_IPIP,         /* IPv4 in IPv4/IPv6 (protocol / next header 4) */
	TW_TUNNEL_IP6IP,        /* IPv6 in IPv4/IPv6 (protocol / next header 41) */
	TW_TUNNEL_MPLS_PW,      /* Ethernet pseudowire (MPLS + control word) */
	TW_TUNNEL_PPTP,         /* enhanced GRE (version 1) + PPP carrying IP */
	TW_TUNNEL_VXLAN_GPE,    /* UDP dst port 4790 */
	TW_TUNNEL__COUNT
};

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
	TW_DEC_ERR_MPLS,        /* label stack cut, deeper than TW_DECODE_MAX_MPLS,
				 * or nothing after bottom of stack */
	TW_DEC_ERR_GRE,         /* GRE header cut, routing present, version > 1 */
	TW_DEC_ERR_ERSPAN,      /* ERSPAN II/III header cut, wrong version or
				 * frame type */
	TW_DEC_ERR_VXLAN,       /* VXLAN header cut or I flag clear */
	TW_DEC_ERR_GENEVE,      /* GENEVE header/options cut or version != 0 */
	TW_DEC_ERR_TUNNEL_DEPTH, /* more than TW_DECODE_MAX_TUNNELS encapsulations */
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
 *  - any other protocol (ESP, SCTP, GRE that is not stripped, ...): l4 = first byte
 *    after the IP header(s) when at least one byte is captured (else NULL),
 *    payload = NULL, ports 0; tw_pkt_l4_len() gives the captured L4 bytes.
 *  - payload is NULL when payload_len is 0.
 *  - TW_PKT_F_L4_TRUNC: l4 != NULL and the capture ends before the end of
 *    the IP packet (snaplen cut).
 * Fields of layers not decoded are zero / NULL.
 *
 * Encapsulation. Tunnels are stripped and the INNERMOST packet is what the
 * fields above describe (addresses, ports, flags, l3/l4/payload, ttl,
 * ethertype). Each encapsulation stripped counts in tunnel_depth; a
 * (TW_DECODE_MAX_TUNNELS + 1)-th one is TW_DEC_ERR_TUNNEL_DEPTH.
 *  - tunnel_type / tunnel_id: the innermost encapsulation (the one carrying
 *    the packet described): VXLAN/VXLAN-GPE/GENEVE VNI, GRE key (0 without K bit),
 *    ERSPAN II/III session id (10 bits), MPLS PW label, PPTP call id; 0 for
 *    IP-in-IP and ERSPAN I.
 *  - outer_src / outer_dst: addresses of the OUTERMOST IP header that
 *    carried a tunnel (the underlay endpoints the sensor sees); zero when
 *    no IP tunnel was stripped.
 *  - vlan: innermost 802.1Q/ad id seen (an untagged inner frame keeps the
 *    outer tag); src_mac/dst_mac: innermost Ethernet header seen (an L3
 *    tunnel such as IP-in-IP or GRE/IPv4 keeps the outer frame's MACs).
 *  - mpls_labels / mpls_label: number of labels and bottom-of-stack label of
 *    the innermost label stack walked (0 when none).
 * Recognised encapsulations:
 *  - GRE (proto 47) version 0 with C/K/S bits; protocol 0x0800, 0x86dd,
 *    0x8847/0x8848 (MPLS) -> GRE; 0x6558 -> GRE + inner Ethernet; 0x88be
 *    with S bit -> ERSPAN II (8-byte header, version 1), without S bit ->
 *    ERSPAN I (bare Ethernet); 0x22eb -> ERSPAN III (12-byte header,
 *    version 2, + 8-byte platform subheader when O is set; frame type 0 ->
 *    Ethernet, 2 -> IP). GRE version 1 (PPTP, protocol 0x880b, K bit):
 *    PPP carrying IPv4 (0x21) / IPv6 (0x57) -> PPTP; other PPP protocols
 *    (LCP, compression, MPPE-encrypted data) and acks without payload, as
 *    well as any other version 0 protocol type (WCCP, Cisco metadata, CDP,
 *    ...): TW_DEC_OK for the outer packet as a plain IP proto 47 packet
 *    (l4 = GRE header, tunnel fields zero). The R (routing) bit, a version
 *    > 1, or a version 1 header that is not PPTP's is TW_DEC_ERR_GRE.
 *  - UDP destination port 4789 or 8472 -> VXLAN (I flag required); 4790 ->
 *    VXLAN-GPE (I flag required; next protocol 1 IPv4, 2 IPv6, 3 Ethernet,
 *    Ethernet without the P flag; others: the outer UDP packet); 6081 ->
 *    GENEVE (version 0, options skipped by their length, protocol 0x6558 ->
 *    Ethernet, 0x0800/0x86dd -> IP; other protocols: the outer UDP packet).
 *  - IPv4 protocol / IPv6 next header 4 -> IPIP, 41 -> IP6IP.
 *  - MPLS (ethertype 0x8847/0x8848, also inside GRE): labels are walked to
 *    bottom of stack; the payload's first nibble 4 -> IPv4, 6 -> IPv6, 0 ->
 *    Ethernet pseudowire control word (skipped, one encapsulation), any
 *    other -> TW_DEC_NOT_IP.
 *  - a fragmented outer IP packet (TW_PKT_F_FRAG) is never stripped: it is
 *    the packet described (proto 47/4/41 or UDP to the tunnel port), so all
 *    its fragments attribute to the same outer flow.
 *  - Teredo, GTP, L2TP: plain UDP. Only the destination port selects a
 *    UDP tunnel.
 *  A tunnel header that is cut or malformed is its TW_DEC_ERR_* result; an
 *  inner packet that is cut or malformed gives the usual errors.
 *
 * Fragments: whenever TW_PKT_F_FRAG is set, frag_id is the IPv4
 * identification (16 bits) or the IPv6 fragment header identification, and
 * frag_offset the fragment offset in bytes. Zero otherwise.
 *
 * Neighbours (TW_PKT_F_NEIGH, for device discovery):
 *  - ARP (Ethernet/IPv4, 28 bytes) stays TW_DEC_NOT_IP; when the sender
 *    protocol address is not 0.0.0.0 (not an ARP probe) neigh_addr /
 *    neigh_mac = sender protocol / hardware address (for a gratuitous ARP
 *    that is also the target). For TW_DEC_NOT_IP results, flags, vlan,
 *    ethertype, the MACs, the tunnel/MPLS fields and neigh_* are valid.
 *  - ICMPv6 Neighbor Solicitation (135) from a specified source: neigh_addr
 *    = IPv6 source, neigh_mac = source link-layer address option, else the
 *    Ethernet source MAC. Neighbor Advertisement (136): neigh_addr = target
 *    address, neigh_mac = target link-layer address option, else the
 *    Ethernet source MAC. Only with code 0, hop limit 255 and the full
 *    24-byte message; at most TW_DECODE_MAX_ND_OPT options are looked at.
 *    These remain TW_DEC_OK ICMPv6 packets.
 *
 * ICMP errors (ICMP types 3, 4, 5, 11, 12; ICMPv6 types 1-4) set
 * TW_PKT_F_ICMP_ERR; the packet described is the ICMP packet itself. When
 * the quoted IP header is captured complete (IPv4: IHL*4 bytes, IPv6: 40,
 * version matching the ICMP family), TW_PKT_F_ICMP_QUOTE is set with
 * icmp_q_src/dst/proto = its addresses and protocol (IPv6: its next header,
 * extension headers are not walked), and icmp_q_sport/dport = the first
 * four bytes after it when the protocol is TCP, UDP or SCTP, they are
 * captured and (IPv4) it is not a non-first fragment; else 0.
 */

/* Names for counters and logs: "ok", "not_ip", "ipv4_short", ... */
const char *tw_decode_result_name(enum tw_decode_result r);

#define TW_PKT_F_FRAG      0x01 /* IP fragment (any) */
#define TW_PKT_F_FRAG_LATER 0x02 /* non-first fragment: no L4 header */
#define TW_PKT_F_L4_TRUNC  0x04 /* L4 header present, payload cut by snaplen */
#define TW_PKT_F_NEIGH     0x08 /* neigh_addr / neigh_mac valid (ARP, ND) */
#define TW_PKT_F_ICMP_ERR  0x10 /* ICMP/ICMPv6 error message */
#define TW_PKT_F_ICMP_QUOTE 0x20 /* icmp_q_* valid (quoted header of an error) */

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
	/* Encapsulation (see "Encapsulation" above; zero when none). */
	struct tw_addr outer_src;
	struct tw_addr outer_dst;
	uint32_t tunnel_id;     /* VNI, GRE key, ERSPAN session, PW label */
	uint32_t mpls_label;    /* bottom-of-stack label (20 bits) */
	uint32_t frag_id;       /* when TW_PKT_F_FRAG: IPv4 id / IPv6 frag id */
	uint16_t frag_offset;   /* when TW_PKT_F_FRAG: offset in bytes */
	uint8_t tunnel_type;    /* enum tw_tunnel */
	uint8_t tunnel_depth;   /* encapsulations stripped, <= TW_DECODE_MAX_TUNNELS */
	uint8_t mpls_labels;    /* labels in the innermost stack walked */
	uint8_t icmp_q_proto;   /* TW_PKT_F_ICMP_QUOTE */
	uint8_t neigh_mac[6];   /* TW_PKT_F_NEIGH */
	struct tw_addr neigh_addr; /* TW_PKT_F_NEIGH */
	struct tw_addr icmp_q_src; /* TW_PKT_F_ICMP_QUOTE: quoted packet */
	struct tw_addr icmp_q_dst;
	uint16_t icmp_q_sport;
	uint16_t icmp_q_dport;
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
 * the result is TW_DEC_OK (for TW_DEC_NOT_IP: see "Neighbours"). */
enum tw_decode_result tw_decode(enum tw_linktype link, const uint8_t *data,
				uint32_t caplen, struct tw_pkt *p);

#endif
