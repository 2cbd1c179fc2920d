/* SPDX-License-Identifier: BSD-3-Clause
 * libFuzzer target for dataplane/decode.
 *
 * Input: byte 0 picks the link type, the rest is the frame. Checks the
 * invariants of struct tw_pkt (pointers of the innermost packet inside the
 * frame, tunnel depth and MPLS stack within their bounds, fields only set
 * with their flags); a violation aborts (reported as a crash).
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false
 * Run:   build-fuzz/dataplane/decode/fuzz-decode tests/fuzz/corpus/decode
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/decode/decode.h"

static const enum tw_linktype links[] = {
	TW_LINK_ETHERNET, TW_LINK_RAW, TW_LINK_NULL,
	TW_LINK_LOOP, TW_LINK_LINUX_SLL, TW_LINK_LINUX_SLL2,
	(enum tw_linktype)105, /* unsupported (802.11) */
	TW_LINK_ETHERNET,      /* 8 entries: byte 0 & 7 */
};

#define CHECK(c)                                                                 \
	do {                                                                     \
		if (!(c))                                                        \
			abort();                                                 \
	} while (0)

static int
inside(const uint8_t *p, uint32_t n, const uint8_t *lo, const uint8_t *hi)
{
	return p >= lo && p <= hi && n <= (uint32_t)(hi - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tw_pkt p;
	enum tw_decode_result r;
	const uint8_t *frame, *end;
	uint32_t len;

	if (size < 1 || size > 65536)
		return 0;
	frame = data + 1;
	len = (uint32_t)(size - 1);
	end = frame + len;

	r = tw_decode(links[data[0] & 7], len ? frame : NULL, len, &p);
	CHECK((unsigned)r < TW_DEC__COUNT);
	CHECK(tw_decode_result_name(r) != NULL);
	if (r == TW_DEC_NOT_IP) {
		/* ARP neighbour (or nothing) */
		if (p.flags & TW_PKT_F_NEIGH)
			CHECK(p.flags == TW_PKT_F_NEIGH && p.ethertype == 0x0806 &&
			      tw_addr_is_v4(&p.neigh_addr) &&
			      !tw_addr_is_zero(&p.neigh_addr));
		CHECK(p.tunnel_depth <= TW_DECODE_MAX_TUNNELS);
		CHECK(p.mpls_labels <= TW_DECODE_MAX_MPLS);
	}
	if (r != TW_DEC_OK)
		return 0;

	/* encapsulation */
	CHECK(p.tunnel_depth <= TW_DECODE_MAX_TUNNELS);
	CHECK(p.tunnel_type < TW_TUNNEL__COUNT);
	CHECK((p.tunnel_depth == 0) == (p.tunnel_type == TW_TUNNEL_NONE));
	if (p.tunnel_depth == 0)
		CHECK(p.tunnel_id == 0 && tw_addr_is_zero(&p.outer_src) &&
		      tw_addr_is_zero(&p.outer_dst));
	if (p.tunnel_type == TW_TUNNEL_VXLAN || p.tunnel_type == TW_TUNNEL_GENEVE ||
	    p.tunnel_type == TW_TUNNEL_VXLAN_GPE)
		CHECK(p.tunnel_id <= 0xffffff);
	if (p.tunnel_type == TW_TUNNEL_ERSPAN2 || p.tunnel_type == TW_TUNNEL_ERSPAN3)
		CHECK(p.tunnel_id <= 0x3ff);
	if (p.tunnel_type == TW_TUNNEL_PPTP)
		CHECK(p.tunnel_id <= 0xffff);
	CHECK(p.mpls_labels <= TW_DECODE_MAX_MPLS);
	CHECK(p.mpls_label <= 0xfffff);
	if (p.mpls_labels == 0)
		CHECK(p.mpls_label == 0);
	/* the inner packet lies inside the frame, after every outer header */
	if (p.tunnel_depth)
		CHECK(p.l3 > frame);
	/* fragments */
	if (!(p.flags & TW_PKT_F_FRAG))
		CHECK(p.frag_id == 0 && p.frag_offset == 0);
	if (p.ip_version == 4)
		CHECK(p.frag_id <= 0xffff);
	if ((p.flags & TW_PKT_F_FRAG_LATER) && p.ip_version == 4)
		CHECK(p.frag_offset > 0);
	/* neighbours: ND only */
	if (p.flags & TW_PKT_F_NEIGH)
		CHECK(p.proto == 58 && (p.icmp_type == 135 || p.icmp_type == 136) &&
		      p.ttl == 255);
	else
		CHECK(tw_addr_is_zero(&p.neigh_addr));
	/* ICMP errors */
	if (p.flags & TW_PKT_F_ICMP_QUOTE)
		CHECK(p.flags & TW_PKT_F_ICMP_ERR);
	if (p.flags & TW_PKT_F_ICMP_ERR)
		CHECK(p.proto == 1 || p.proto == 58);
	if (!(p.flags & TW_PKT_F_ICMP_QUOTE))
		CHECK(p.icmp_q_proto == 0 && p.icmp_q_sport == 0 &&
		      p.icmp_q_dport == 0 && tw_addr_is_zero(&p.icmp_q_src));
	else if (p.proto == 1) /* ICMP quotes IPv4 (ICMPv6 quotes IPv6, even
				* when carried in IPv4) */
		CHECK(tw_addr_is_v4(&p.icmp_q_src) && tw_addr_is_v4(&p.icmp_q_dst));

	CHECK(p.ip_version == 4 || p.ip_version == 6);
	CHECK(p.l3 != NULL && inside(p.l3, p.l3_len, frame, end));
	CHECK(p.l3_len >= (p.ip_version == 4 ? 20u : 40u));
	CHECK(p.ip_version == 6 || tw_addr_is_v4(&p.src));
	if (p.l4) {
		CHECK(p.l4 > p.l3 && p.l4 <= p.l3 + p.l3_len);
		CHECK(tw_pkt_l4_len(&p) <= p.l3_len);
		CHECK(!(p.flags & TW_PKT_F_FRAG_LATER));
	} else {
		CHECK(p.payload == NULL && p.sport == 0 && p.dport == 0);
	}
	if (p.payload) {
		CHECK(p.l4 != NULL && p.payload > p.l4);
		CHECK(p.payload_len > 0);
		CHECK(inside(p.payload, p.payload_len, p.l3, p.l3 + p.l3_len));
		CHECK(p.payload + p.payload_len == p.l3 + p.l3_len);
		/* touch every byte: ASan flags anything outside the input */
		volatile uint8_t x = 0;
		for (uint32_t i = 0; i < p.payload_len; i++)
			x ^= p.payload[i];
		(void)x;
	} else {
		CHECK(p.payload_len == 0);
	}
	if (p.flags & TW_PKT_F_FRAG_LATER)
		CHECK((p.flags & TW_PKT_F_FRAG) && p.l4 == NULL);
	if (p.proto != 6)
		CHECK(p.tcp_flags == 0 && p.tcp_seq == 0 && p.tcp_ack == 0);
	CHECK(p.vlan <= 0x0fff);
	return 0;
}
