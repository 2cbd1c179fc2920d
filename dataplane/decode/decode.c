/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — zero-copy packet decode (L2..L4). See decode.h for the contract.
 *
 * All reads are bounds-checked against the captured length first and go
 * through memcpy-based helpers (no type-punned pointers, no alignment
 * assumptions). No allocation, no syscall, no logging.
 */
#include <endian.h>
#include <string.h>

#include "decode.h"

#define ETH_HLEN 14u
#define SLL_HLEN 16u
#define SLL2_HLEN 20u
#define NULL_HLEN 4u

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define ETHERTYPE_VLAN 0x8100u
#define ETHERTYPE_QINQ 0x88a8u
#define ETHERTYPE_QINQ_OLD 0x9100u
#define ETHERTYPE_ARP 0x0806u
#define ETHERTYPE_MPLS 0x8847u
#define ETHERTYPE_MPLS_MC 0x8848u
#define ETHERTYPE_TEB 0x6558u      /* transparent Ethernet bridging */
#define ETHERTYPE_ERSPAN2 0x88beu  /* also ERSPAN I */
#define ETHERTYPE_ERSPAN3 0x22ebu

#define PROTO_HOPOPT 0u
#define PROTO_ICMP 1u
#define PROTO_IPIP 4u
#define PROTO_TCP 6u
#define PROTO_UDP 17u
#define PROTO_IPV6 41u
#define PROTO_GRE 47u
#define PROTO_SCTP 132u
#define PROTO_ROUTING 43u
#define PROTO_FRAGMENT 44u
#define PROTO_AH 51u
#define PROTO_ICMPV6 58u
#define PROTO_NONXT 59u
#define PROTO_DSTOPTS 60u

#define PORT_VXLAN 4789u
#define PORT_VXLAN_LINUX 8472u
#define PORT_GENEVE 6081u
#define PORT_VXLAN_GPE 4790u

#define COLD __attribute__((cold, noinline))

static inline uint16_t
rd16(const uint8_t *b)
{
	uint16_t v;
	memcpy(&v, b, sizeof(v));
	return be16toh(v);
}

static inline uint32_t
rd32(const uint8_t *b)
{
	uint32_t v;
	memcpy(&v, b, sizeof(v));
	return be32toh(v);
}

static inline uint32_t
rd32_host(const uint8_t *b)
{
	uint32_t v;
	memcpy(&v, b, sizeof(v));
	return v;
}

static const char *const result_names[TW_DEC__COUNT] = {
	[TW_DEC_OK] = "ok",
	[TW_DEC_NOT_IP] = "not_ip",
	[TW_DEC_UNSUPPORTED_LINK] = "unsupported_link",
	[TW_DEC_ERR_LINK_SHORT] = "link_short",
	[TW_DEC_ERR_VLAN_SHORT] = "vlan_short",
	[TW_DEC_ERR_VLAN_DEPTH] = "vlan_depth",
	[TW_DEC_ERR_IPV4_SHORT] = "ipv4_short",
	[TW_DEC_ERR_IPV4_HLEN] = "ipv4_hlen",
	[TW_DEC_ERR_IPV4_TOTLEN] = "ipv4_totlen",
	[TW_DEC_ERR_IP_VERSION] = "ip_version",
	[TW_DEC_ERR_IPV6_SHORT] = "ipv6_short",
	[TW_DEC_ERR_IPV6_EXT] = "ipv6_ext",
	[TW_DEC_ERR_TCP_SHORT] = "tcp_short",
	[TW_DEC_ERR_TCP_HLEN] = "tcp_hlen",
	[TW_DEC_ERR_UDP_SHORT] = "udp_short",
	[TW_DEC_ERR_ICMP_SHORT] = "icmp_short",
	[TW_DEC_ERR_MPLS] = "mpls",
	[TW_DEC_ERR_GRE] = "gre",
	[TW_DEC_ERR_ERSPAN] = "erspan",
	[TW_DEC_ERR_VXLAN] = "vxlan",
	[TW_DEC_ERR_GENEVE] = "geneve",
	[TW_DEC_ERR_TUNNEL_DEPTH] = "tunnel_depth",
};

_Static_assert(sizeof(result_names) / sizeof(result_names[0]) == TW_DEC__COUNT,
	       "result_names must name every tw_decode_result");

const char *
tw_decode_result_name(enum tw_decode_result r)
{
	if ((unsigned)r >= TW_DEC__COUNT || result_names[r] == NULL)
		return "unknown";
	return result_names[r];
}

static enum tw_decode_result decode_ipv4(struct tw_pkt *p, const uint8_t *ip,
					 uint32_t rem);
static enum tw_decode_result decode_ipv6(struct tw_pkt *p, const uint8_t *ip,
					 uint32_t rem);
static enum tw_decode_result decode_ethertype(struct tw_pkt *p, uint16_t et,
					      const uint8_t *b, uint32_t rem);
static enum tw_decode_result decode_eth(struct tw_pkt *p, const uint8_t *b,
					uint32_t rem);

/* IP version by the first nibble (raw IP links, ERSPAN III frame type 2). */
static enum tw_decode_result
decode_ip_any(struct tw_pkt *p, const uint8_t *b, uint32_t rem)
{
	if (rem < 1)
		return TW_DEC_ERR_IPV4_SHORT;
	switch (b[0] >> 4) {
	case 4:
		return decode_ipv4(p, b, rem);
	case 6:
		return decode_ipv6(p, b, rem);
	default:
		return TW_DEC_ERR_IP_VERSION;
	}
}

/*
 * Strip one encapsulation: count it (bounded), remember the outermost IP
 * endpoints, and forget what the outer layers filled in so that the inner
 * packet is described from scratch. Returns 0, or -1 when too deep.
 */
static int
tunnel_enter(struct tw_pkt *p, enum tw_tunnel type, uint32_t id, int from_ip)
{
	if (p->tunnel_depth >= TW_DECODE_MAX_TUNNELS)
		return -1;
	if (from_ip && tw_addr_is_zero(&p->outer_src) &&
	    tw_addr_is_zero(&p->outer_dst)) {
		p->outer_src = p->src;
		p->outer_dst = p->dst;
	}
	p->tunnel_depth++;
	p->tunnel_type = (uint8_t)type;
	p->tunnel_id = id;
	memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->sport = 0;
	p->dport = 0;
	p->proto = 0;
	p->ip_version = 0;
	p->flags = 0;
	p->ttl = 0;
	p->l3 = NULL;
	p->l4 = NULL;
	p->payload = NULL;
	p->payload_len = 0;
	p->l3_len = 0;
	return 0;
}

/* Enhanced GRE (RFC 2637): K always set (payload length, call id), S and
 * A optional, then PPP (address/control and protocol field may be
 * compressed). IPv4/IPv6 inside is stripped; anything else (LCP, CCP,
 * MPPE-encrypted 0x00fd, an ack without payload) leaves the outer packet. */
static COLD enum tw_decode_result
decode_pptp(struct tw_pkt *p, const uint8_t *g, uint32_t cap, uint16_t fl,
	    uint16_t pt)
{
	uint32_t hl = 8;
	uint16_t proto;

	if (pt != 0x880b || (fl & 0xef78) != 0x2000) /* K, no C/R/s/recur/flags */
		return TW_DEC_ERR_GRE;
	hl += (fl & 0x1000) ? 4 : 0; /* sequence */
	hl += (fl & 0x0080) ? 4 : 0; /* acknowledgment */
	if (cap < hl)
		return TW_DEC_ERR_GRE;
	if (!(fl & 0x1000) || cap - hl < 1)
		return TW_DEC_OK; /* no payload */
	if (cap - hl >= 2 && g[hl] == 0xff && g[hl + 1] == 0x03)
		hl += 2;
	if (cap - hl < 1)
		return TW_DEC_OK;
	if (g[hl] & 1) { /* compressed protocol field */
		proto = g[hl];
		hl += 1;
	} else {
		if (cap - hl < 2)
			return TW_DEC_OK;
		proto = rd16(g + hl);
		hl += 2;
	}
	if (proto != 0x21 && proto != 0x57)
		return TW_DEC_OK;
	if (tunnel_enter(p, TW_TUNNEL_PPTP, rd16(g + 6), 1))
		return TW_DEC_ERR_TUNNEL_DEPTH;
	if (proto == 0x21)
		return decode_ipv4(p, g + hl, cap - hl);
	return decode_ipv6(p, g + hl, cap - hl);
}

/* GRE (RFC 2784/2890, PPTP RFC 2637) and ERSPAN I/II/III after it. `cap`
 * captured bytes from g to the end of the outer IP packet. Returns TW_DEC_OK
 * with p untouched when the payload is not one we strip. */
static COLD enum tw_decode_result
decode_gre(struct tw_pkt *p, const uint8_t *g, uint32_t cap)
{
	uint32_t hl = 4, key = 0;
	uint16_t fl, pt;
	const uint8_t *e;

	if (cap < 4)
		return TW_DEC_ERR_GRE;
	fl = rd16(g);
	pt = rd16(g + 2);
	switch (fl & 7) {
	case 0:
		break;
	case 1: /* enhanced GRE (PPTP) */
		return decode_pptp(p, g, cap, fl, pt);
	default:
		return TW_DEC_ERR_GRE;
	}
	if (fl & 0x4000) /* routing present (RFC 1701): not walked */
		return TW_DEC_ERR_GRE;
	if (fl & 0x8000) /* checksum + reserved1 */
		hl += 4;
	if (fl & 0x2000) { /* key */
		if (cap < hl + 4)
			return TW_DEC_ERR_GRE;
		key = rd32(g + hl);
		hl += 4;
	}
	if (fl & 0x1000) /* sequence number */
		hl += 4;
	if (cap < hl)
		return TW_DEC_ERR_GRE;
	e = g + hl;
	cap -= hl;

	switch (pt) {
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		if (tunnel_enter(p, TW_TUNNEL_GRE, key, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_ethertype(p, pt, e, cap);
	case ETHERTYPE_TEB:
		if (tunnel_enter(p, TW_TUNNEL_GRE, key, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_eth(p, e, cap);
	case ETHERTYPE_ERSPAN2:
		if (!(fl & 0x1000)) { /* type I: no ERSPAN header */
			if (tunnel_enter(p, TW_TUNNEL_ERSPAN1, 0, 1))
				return TW_DEC_ERR_TUNNEL_DEPTH;
			return decode_eth(p, e, cap);
		}
		if (cap < 8 || (e[0] >> 4) != 1)
			return TW_DEC_ERR_ERSPAN;
		if (tunnel_enter(p, TW_TUNNEL_ERSPAN2, rd16(e + 2) & 0x3ffu, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_eth(p, e + 8, cap - 8);
	case ETHERTYPE_ERSPAN3: {
		uint16_t w;
		uint32_t el;

		if (cap < 12 || (e[0] >> 4) != 2)
			return TW_DEC_ERR_ERSPAN;
		w = rd16(e + 10); /* P:1 FT:5 HwID:6 D:1 Gra:2 O:1 */
		el = (w & 1) ? 20 : 12;
		if (cap < el)
			return TW_DEC_ERR_ERSPAN;
		switch ((w >> 10) & 0x1f) {
		case 0: /* Ethernet */
			if (tunnel_enter(p, TW_TUNNEL_ERSPAN3, rd16(e + 2) & 0x3ffu, 1))
				return TW_DEC_ERR_TUNNEL_DEPTH;
			return decode_eth(p, e + el, cap - el);
		case 2: /* IP */
			if (tunnel_enter(p, TW_TUNNEL_ERSPAN3, rd16(e + 2) & 0x3ffu, 1))
				return TW_DEC_ERR_TUNNEL_DEPTH;
			return decode_ip_any(p, e + el, cap - el);
		default:
			return TW_DEC_ERR_ERSPAN;
		}
	}
	default: /* WCCP, PPP, CDP, ...: the outer packet */
		return TW_DEC_OK;
	}
}

/* IP protocol 47 / 4 / 41 in a packet that is not a fragment. */
static COLD enum tw_decode_result
decode_ip_tunnel(struct tw_pkt *p, const uint8_t *l4, uint32_t cap)
{
	switch (p->proto) {
	case PROTO_GRE:
		return decode_gre(p, l4, cap);
	case PROTO_IPIP:
		if (tunnel_enter(p, TW_TUNNEL_IPIP, 0, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_ipv4(p, l4, cap);
	default: /* PROTO_IPV6 */
		if (tunnel_enter(p, TW_TUNNEL_IP6IP, 0, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_ipv6(p, l4, cap);
	}
}

/* UDP to a VXLAN / VXLAN-GPE / GENEVE port: `u` is the UDP payload, `cap` its captured
 * bytes. */
static COLD enum tw_decode_result
decode_udp_tunnel(struct tw_pkt *p, const uint8_t *u, uint32_t cap,
		  uint16_t dport)
{
	uint32_t hl;
	uint16_t pt;

	if (dport == PORT_VXLAN_GPE) {
		/* VXLAN-GPE: flags with I, P (next protocol in byte 3) */
		uint8_t np = 3;

		if (cap < 8 || !(u[0] & 0x08))
			return TW_DEC_ERR_VXLAN;
		if (u[0] & 0x04)
			np = u[3];
		if (np < 1 || np > 3)
			return TW_DEC_OK; /* NSH, ...: the outer UDP packet */
		if (tunnel_enter(p, TW_TUNNEL_VXLAN_GPE, rd32(u + 4) >> 8, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		if (np == 3)
			return decode_eth(p, u + 8, cap - 8);
		return np == 1 ? decode_ipv4(p, u + 8, cap - 8)
			       : decode_ipv6(p, u + 8, cap - 8);
	}
	if (dport != PORT_GENEVE) {
		if (cap < 8 || !(u[0] & 0x08))
			return TW_DEC_ERR_VXLAN;
		if (tunnel_enter(p, TW_TUNNEL_VXLAN, rd32(u + 4) >> 8, 1))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_eth(p, u + 8, cap - 8);
	}
	if (cap < 8 || (u[0] >> 6) != 0)
		return TW_DEC_ERR_GENEVE;
	hl = 8 + (uint32_t)(u[0] & 0x3f) * 4; /* options: at most 252 bytes */
	if (cap < hl)
		return TW_DEC_ERR_GENEVE;
	pt = rd16(u + 2);
	if (pt != ETHERTYPE_TEB && pt != ETHERTYPE_IPV4 && pt != ETHERTYPE_IPV6)
		return TW_DEC_OK; /* the outer UDP packet */
	if (tunnel_enter(p, TW_TUNNEL_GENEVE, rd32(u + 4) >> 8, 1))
		return TW_DEC_ERR_TUNNEL_DEPTH;
	if (pt == ETHERTYPE_TEB)
		return decode_eth(p, u + hl, cap - hl);
	return decode_ethertype(p, pt, u + hl, cap - hl);
}

/* MPLS label stack (RFC 3032), then a guess of the payload. */
static COLD enum tw_decode_result
decode_mpls(struct tw_pkt *p, const uint8_t *b, uint32_t rem)
{
	uint32_t off = 0, lse;
	unsigned n = 0;

	do {
		if (n == TW_DECODE_MAX_MPLS || rem - off < 4)
			return TW_DEC_ERR_MPLS;
		lse = rd32(b + off);
		off += 4;
		n++;
	} while (!(lse & 0x100)); /* bottom of stack */
	p->mpls_labels = (uint8_t)n;
	p->mpls_label = lse >> 12;
	if (rem == off)
		return TW_DEC_ERR_MPLS;
	switch (b[off] >> 4) {
	case 4:
		return decode_ipv4(p, b + off, rem - off);
	case 6:
		return decode_ipv6(p, b + off, rem - off);
	case 0: /* pseudowire control word (RFC 4385), then Ethernet */
		if (rem - off < 4)
			return TW_DEC_ERR_MPLS;
		if (tunnel_enter(p, TW_TUNNEL_MPLS_PW, lse >> 12, 0))
			return TW_DEC_ERR_TUNNEL_DEPTH;
		return decode_eth(p, b + off + 4, rem - off - 4);
	default: /* PW without control word, OAM (1), ...: not guessed */
		return TW_DEC_NOT_IP;
	}
}

/* ARP for Ethernet/IPv4: report the sender unless it is a probe. */
static COLD enum tw_decode_result
decode_arp(struct tw_pkt *p, const uint8_t *a, uint32_t rem)
{
	if (rem >= 28 && rd16(a) == 1 && rd16(a + 2) == ETHERTYPE_IPV4 &&
	    a[4] == 6 && a[5] == 4 && rd32(a + 14) != 0) {
		p->flags |= TW_PKT_F_NEIGH;
		tw_addr_from_v4(&p->neigh_addr, a + 14);
		memcpy(p->neigh_mac, a + 8, 6);
	}
	return TW_DEC_NOT_IP;
}

/* ICMPv6 NS (135) / NA (136), code already checked by the caller. */
static COLD void
decode_nd(struct tw_pkt *p, const uint8_t *m, uint32_t cap)
{
	static const struct tw_addr unspec;
	uint32_t off;
	unsigned i;
	uint8_t want;

	if (cap < 24 || p->ttl != 255 || m[1] != 0)
		return;
	if (m[0] == 135) {
		if (tw_addr_eq(&p->src, &unspec))
			return; /* DAD probe */
		p->neigh_addr = p->src;
		want = 1; /* source link-layer address */
	} else {
		tw_addr_from_v6(&p->neigh_addr, m + 8);
		want = 2; /* target link-layer address */
	}
	p->flags |= TW_PKT_F_NEIGH;
	memcpy(p->neigh_mac, p->src_mac, 6);
	for (off = 24, i = 0; i < TW_DECODE_MAX_ND_OPT && cap - off >= 2; i++) {
		uint32_t olen = (uint32_t)m[off + 1] * 8;

		if (olen == 0 || olen > cap - off)
			break;
		if (m[off] == want && olen >= 8) {
			memcpy(p->neigh_mac, m + off + 2, 6);
			break;
		}
		off += olen;
	}
}

/* The IP header quoted by an ICMP error (`q`, `cap` captured bytes). */
static COLD void
decode_icmp_quote(struct tw_pkt *p, const uint8_t *q, uint32_t cap)
{
	uint32_t hl;
	uint8_t proto;
	int ports;

	if (p->proto == PROTO_ICMP) {
		if (cap < 20 || (q[0] >> 4) != 4)
			return;
		hl = (uint32_t)(q[0] & 0x0f) * 4;
		if (hl < 20 || hl > cap)
			return;
		proto = q[9];
		tw_addr_from_v4(&p->icmp_q_src, q + 12);
		tw_addr_from_v4(&p->icmp_q_dst, q + 16);
		ports = (rd16(q + 6) & 0x1fff) == 0;
	} else {
		if (cap < 40 || (q[0] >> 4) != 6)
			return;
		hl = 40;
		proto = q[6];
		tw_addr_from_v6(&p->icmp_q_src, q + 8);
		tw_addr_from_v6(&p->icmp_q_dst, q + 24);
		ports = 1;
	}
	p->flags |= TW_PKT_F_ICMP_QUOTE;
	p->icmp_q_proto = proto;
	if (ports && cap - hl >= 4 &&
	    (proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP)) {
		p->icmp_q_sport = rd16(q + hl);
		p->icmp_q_dport = rd16(q + hl + 2);
	}
}

/* ICMP/ICMPv6 beyond type/code: errors and neighbour discovery. */
static COLD void
decode_icmp_more(struct tw_pkt *p, const uint8_t *l4, uint32_t cap)
{
	uint8_t t = l4[0];

	if (p->proto == PROTO_ICMP ? (t < 32 && ((1u << t) & 0x1838u))
				   : (t >= 1 && t <= 4)) {
		p->flags |= TW_PKT_F_ICMP_ERR;
		decode_icmp_quote(p, l4 + 8, cap - 8);
	} else if (p->proto == PROTO_ICMPV6 && (t == 135 || t == 136)) {
		decode_nd(p, l4, cap);
	}
}

/*
 * L4. `l4` points at the first byte after the IP header(s); `cap` is the
 * number of captured bytes from there to the end of the IP packet, `decl`
 * the number the IP header declares (decl >= cap unless the IPv6 length was
 * taken from the capture, then equal).
 */
static enum tw_decode_result
decode_l4(struct tw_pkt *p, const uint8_t *l4, uint32_t cap, uint32_t decl)
{
	uint32_t hlen;

	switch (p->proto) {
	case PROTO_TCP:
		if (cap < 20)
			return TW_DEC_ERR_TCP_SHORT;
		hlen = (uint32_t)(l4[12] >> 4) * 4;
		if (hlen < 20 || hlen > decl)
			return TW_DEC_ERR_TCP_HLEN;
		if (hlen > cap)
			return TW_DEC_ERR_TCP_SHORT;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->tcp_seq = rd32(l4 + 4);
		p->tcp_ack = rd32(l4 + 8);
		p->tcp_flags = l4[13];
		break;
	case PROTO_UDP:
		if (cap < 8)
			return TW_DEC_ERR_UDP_SHORT;
		hlen = 8;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		if (__builtin_expect(p->dport == PORT_VXLAN ||
				     p->dport == PORT_VXLAN_LINUX ||
				     p->dport == PORT_GENEVE ||
				     p->dport == PORT_VXLAN_GPE, 0) &&
		    !(p->flags & TW_PKT_F_FRAG)) {
			uint8_t depth = p->tunnel_depth;
			enum tw_decode_result r;

			r = decode_udp_tunnel(p, l4 + 8, cap - 8, p->dport);
			if (r != TW_DEC_OK || p->tunnel_depth != depth)
				return r;
			/* not stripped: the outer UDP packet */
		}
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6: {
		uint8_t t, c;
		int echo;

		if (cap < 8)
			return TW_DEC_ERR_ICMP_SHORT;
		hlen = 8;
		t = l4[0];
		c = l4[1];
		p->icmp_type = t;
		p->icmp_code = c;
		p->sport = (uint16_t)((unsigned)t << 8 | c);
		if (p->proto == PROTO_ICMP)
			echo = t == 8 || t == 0;
		else
			echo = t == 128 || t == 129;
		p->dport = echo ? rd16(l4 + 4) : 0;
		if (t <= 12 ? !echo : (t == 135 || t == 136))
			decode_icmp_more(p, l4, cap);
		break;
	}
	case PROTO_GRE:
	case PROTO_IPIP:
	case PROTO_IPV6:
		if (!(p->flags & TW_PKT_F_FRAG)) {
			uint8_t depth = p->tunnel_depth;
			enum tw_decode_result r;

			r = decode_ip_tunnel(p, l4, cap);
			if (r != TW_DEC_OK || p->tunnel_depth != depth)
				return r;
			/* not stripped (PPTP, unknown GRE payload) */
		}
		/* fall through */
	default:
		/* Not decoded here (ESP, SCTP, ...): hand the caller the start
		 * of the L4 data. */
		if (cap == 0)
			return TW_DEC_OK;
		p->l4 = l4;
		if (cap < decl)
			p->flags |= TW_PKT_F_L4_TRUNC;
		return TW_DEC_OK;
	}

	p->l4 = l4;
	p->payload_len = cap - hlen;
	p->payload = p->payload_len ? l4 + hlen : NULL;
	if (cap < decl)
		p->flags |= TW_PKT_F_L4_TRUNC;
	return TW_DEC_OK;
}

static enum tw_decode_result
decode_ipv4(struct tw_pkt *p, const uint8_t *ip, uint32_t rem)
{
	uint32_t ihl, tot, cap;
	uint16_t fo;

	if (rem < 20)
		return TW_DEC_ERR_IPV4_SHORT;
	if ((ip[0] >> 4) != 4)
		return TW_DEC_ERR_IP_VERSION;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20)
		return TW_DEC_ERR_IPV4_HLEN;
	tot = rd16(ip + 2);
	if (tot < ihl)
		return TW_DEC_ERR_IPV4_TOTLEN;
	if (ihl > rem)
		return TW_DEC_ERR_IPV4_SHORT;

	/* Trailing padding is cut off; a snaplen cut leaves cap < tot. */
	cap = rem < tot ? rem : tot;

	p->ip_version = 4;
	p->ethertype = ETHERTYPE_IPV4;
	p->l3 = ip;
	p->l3_len = cap;
	p->ttl = ip[8];
	p->proto = ip[9];
	tw_addr_from_v4(&p->src, ip + 12);
	tw_addr_from_v4(&p->dst, ip + 16);

	fo = rd16(ip + 6);
	if (fo & 0x3fff) { /* MF or offset */
		p->flags |= TW_PKT_F_FRAG;
		p->frag_id = rd16(ip + 4);
		p->frag_offset = (uint16_t)((fo & 0x1fff) << 3);
		if (fo & 0x1fff) {
			p->flags |= TW_PKT_F_FRAG_LATER;
			return TW_DEC_OK;
		}
	}
	return decode_l4(p, ip + ihl, cap - ihl, tot - ihl);
}

static enum tw_decode_result
decode_ipv6(struct tw_pkt *p, const uint8_t *ip, uint32_t rem)
{
	uint32_t plen, tot, cap, off;
	uint8_t nh;
	unsigned i;

	if (rem < 40)
		return TW_DEC_ERR_IPV6_SHORT;
	if ((ip[0] >> 4) != 6)
		return TW_DEC_ERR_IP_VERSION;
	plen = rd16(ip + 4);
	nh = ip[6];
	tot = 40 + plen;
	if (plen == 0 && nh != PROTO_NONXT)
		tot = rem; /* jumbogram / GSO capture: bounded by the data */
	cap = rem < tot ? rem : tot;

	p->ip_version = 6;
	p->ethertype = ETHERTYPE_IPV6;
	p->l3 = ip;
	p->l3_len = cap;
	p->ttl = ip[7];
	tw_addr_from_v6(&p->src, ip + 8);
	tw_addr_from_v6(&p->dst, ip + 24);

	off = 40;
	for (i = 0;; i++) {
		uint32_t elen;

		if (nh != PROTO_HOPOPT && nh != PROTO_ROUTING &&
		    nh != PROTO_DSTOPTS && nh != PROTO_FRAGMENT && nh != PROTO_AH)
			break;
		if (i == TW_DECODE_MAX_IP6_EXT)
			return TW_DEC_ERR_IPV6_EXT;
		if (cap - off < 8) /* every extension header is >= 8 bytes */
			return TW_DEC_ERR_IPV6_EXT;
		if (nh == PROTO_FRAGMENT) {
			uint16_t fo = rd16(ip + off + 2);

			if (fo & 0xfff9) { /* offset (bits 15..3) or M (bit 0) */
				p->flags |= TW_PKT_F_FRAG;
				p->frag_id = rd32(ip + off + 4);
				p->frag_offset = (uint16_t)(fo & 0xfff8);
				if (fo & 0xfff8) {
					p->flags |= TW_PKT_F_FRAG_LATER;
					p->proto = ip[off];
					return TW_DEC_OK;
				}
			}
			elen = 8;
		} else if (nh == PROTO_AH) {
			elen = ((uint32_t)ip[off + 1] + 2) * 4;
		} else {
			elen = ((uint32_t)ip[off + 1] + 1) * 8;
		}
		if (elen > cap - off)
			return TW_DEC_ERR_IPV6_EXT;
		nh = ip[off];
		off += elen;
	}

	p->proto = nh;
	if (nh == PROTO_NONXT)
		return TW_DEC_OK;
	return decode_l4(p, ip + off, cap - off, tot - off); /* tot >= cap */
}

/* After an ethertype (any link that carries one, inner Ethernet, GRE):
 * VLAN tags, then L3. */
static enum tw_decode_result
decode_ethertype(struct tw_pkt *p, uint16_t et, const uint8_t *b, uint32_t rem)
{
	uint32_t off = 0;
	unsigned nvlan;

	for (nvlan = 0; et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ ||
			et == ETHERTYPE_QINQ_OLD;
	     nvlan++) {
		if (nvlan == TW_DECODE_MAX_VLAN)
			return TW_DEC_ERR_VLAN_DEPTH;
		if (rem - off < 4)
			return TW_DEC_ERR_VLAN_SHORT;
		p->vlan = rd16(b + off) & 0x0fff;
		et = rd16(b + off + 2);
		off += 4;
	}
	p->ethertype = et;

	switch (et) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(p, b + off, rem - off);
	case ETHERTYPE_IPV6:
		return decode_ipv6(p, b + off, rem - off);
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MC:
		return decode_mpls(p, b + off, rem - off);
	case ETHERTYPE_ARP:
		return decode_arp(p, b + off, rem - off);
	default:
		return TW_DEC_NOT_IP;
	}
}

/* Inner Ethernet frame (VXLAN, GENEVE, GRE 0x6558, ERSPAN, MPLS PW). */
static enum tw_decode_result
decode_eth(struct tw_pkt *p, const uint8_t *b, uint32_t rem)
{
	if (rem < ETH_HLEN)
		return TW_DEC_ERR_LINK_SHORT;
	memcpy(p->dst_mac, b, 6);
	memcpy(p->src_mac, b + 6, 6);
	return decode_ethertype(p, rd16(b + 12), b + ETH_HLEN, rem - ETH_HLEN);
}

/*
 * Zero *p. Not memset() nor a struct assignment: gcc tunes a memset of this
 * size into "rep stosq" (whose start-up cost doubles the decode time) and
 * copies a static zero struct through as many loads as stores. This is a run
 * of 16-byte stores of one zeroed register, hidden from the optimizer so
 * that it is not turned back into a memset.
 */
typedef uint8_t tw_v16 __attribute__((vector_size(16), may_alias, aligned(1)));

static inline void
pkt_zero(struct tw_pkt *p)
{
	tw_v16 z = {0};
	uint8_t *b = (uint8_t *)p;
	size_t i;

#if defined(__x86_64__) || defined(__i386__)
	__asm__("" : "+x"(z));
#else
	__asm__("" : "+w"(z));
#endif
#pragma GCC unroll 16
	for (i = 0; i + 16 <= sizeof(*p); i += 16)
		*(tw_v16 *)(b + i) = z;
	if (i < sizeof(*p))
		memset(b + i, 0, sizeof(*p) - i);
}

enum tw_decode_result
tw_decode(enum tw_linktype link, const uint8_t *data, uint32_t caplen,
	  struct tw_pkt *p)
{
	uint32_t off;
	uint16_t et;

	pkt_zero(p);

	switch (link) {
	case TW_LINK_ETHERNET:
		if (caplen < ETH_HLEN)
			return TW_DEC_ERR_LINK_SHORT;
		memcpy(p->dst_mac, data, 6);
		memcpy(p->src_mac, data + 6, 6);
		et = rd16(data + 12);
		off = ETH_HLEN;
		break;
	case TW_LINK_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return TW_DEC_ERR_LINK_SHORT;
		if (rd16(data + 4) == 6)
			memcpy(p->src_mac, data + 6, 6);
		et = rd16(data + 14);
		off = SLL_HLEN;
		break;
	case TW_LINK_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return TW_DEC_ERR_LINK_SHORT;
		if (data[11] == 6)
			memcpy(p->src_mac, data + 12, 6);
		et = rd16(data);
		off = SLL2_HLEN;
		break;
	case TW_LINK_RAW:
		if (caplen < 1)
			return TW_DEC_ERR_LINK_SHORT;
		switch (data[0] >> 4) {
		case 4:
			return decode_ipv4(p, data, caplen);
		case 6:
			return decode_ipv6(p, data, caplen);
		default:
			return TW_DEC_ERR_IP_VERSION;
		}
	case TW_LINK_NULL:
	case TW_LINK_LOOP: {
		uint32_t fam;

		if (caplen < NULL_HLEN)
			return TW_DEC_ERR_LINK_SHORT;
		fam = link == TW_LINK_NULL ? rd32_host(data) : rd32(data);
		if (fam > 0xffff) /* written on the other endianness */
			fam = __builtin_bswap32(fam);
		switch (fam) {
		case 2:
			return decode_ipv4(p, data + NULL_HLEN, caplen - NULL_HLEN);
		case 24:
		case 28:
		case 30:
			return decode_ipv6(p, data + NULL_HLEN, caplen - NULL_HLEN);
		default:
			return TW_DEC_NOT_IP;
		}
	}
	default:
		return TW_DEC_UNSUPPORTED_LINK;
	}

	/* Untagged IP first: the common case skips the VLAN/MPLS/ARP switch. */
	if (__builtin_expect(et == ETHERTYPE_IPV4, 1))
		return decode_ipv4(p, data + off, caplen - off);
	if (et == ETHERTYPE_IPV6)
		return decode_ipv6(p, data + off, caplen - off);
	return decode_ethertype(p, et, data + off, caplen - off);
}
