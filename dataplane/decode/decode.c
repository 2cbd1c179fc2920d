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

#define PROTO_HOPOPT 0u
#define PROTO_ICMP 1u
#define PROTO_TCP 6u
#define PROTO_UDP 17u
#define PROTO_ROUTING 43u
#define PROTO_FRAGMENT 44u
#define PROTO_AH 51u
#define PROTO_ICMPV6 58u
#define PROTO_NONXT 59u
#define PROTO_DSTOPTS 60u

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
		break;
	}
	default:
		/* Not decoded here (GRE, IP-in-IP, ESP, SCTP, ...): hand the
		 * caller the start of the L4 data. */
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

static const struct tw_pkt zero_pkt;

enum tw_decode_result
tw_decode(enum tw_linktype link, const uint8_t *data, uint32_t caplen,
	  struct tw_pkt *p)
{
	uint32_t off;
	uint16_t et;
	unsigned nvlan;

	/* A struct copy, not memset(): gcc tunes a 104-byte memset into
	 * "rep stosq", whose start-up cost doubles the decode time. */
	*p = zero_pkt;

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

	/* Ethertype-carrying links: VLAN tags, then L3. */
	for (nvlan = 0; et == ETHERTYPE_VLAN || et == ETHERTYPE_QINQ ||
			et == ETHERTYPE_QINQ_OLD;
	     nvlan++) {
		if (nvlan == TW_DECODE_MAX_VLAN)
			return TW_DEC_ERR_VLAN_DEPTH;
		if (caplen - off < 4)
			return TW_DEC_ERR_VLAN_SHORT;
		p->vlan = rd16(data + off) & 0x0fff;
		et = rd16(data + off + 2);
		off += 4;
	}
	p->ethertype = et;

	switch (et) {
	case ETHERTYPE_IPV4:
		return decode_ipv4(p, data + off, caplen - off);
	case ETHERTYPE_IPV6:
		return decode_ipv6(p, data + off, caplen - off);
	default:
		return TW_DEC_NOT_IP;
	}
}
