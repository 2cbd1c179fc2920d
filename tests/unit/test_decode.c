/* SPDX-License-Identifier: BSD-3-Clause
 * Unit tests for dataplane/decode: hand-assembled frames, every layer, every
 * result value, truncation at every length.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/decode/decode.h"
#include "tw/addr.h"

/* ------------------------------------------------------------------ */
/* Frame builder                                                       */
/* ------------------------------------------------------------------ */

#define FB_MAX_MARKS 32

struct fb {
	uint8_t b[4096];
	uint32_t n;
	/* IP and UDP headers whose lengths fb_finish() sets to the end of
	 * the frame (several when tunnels nest) */
	struct {
		uint32_t off;
		int ver;
	} ips[8];
	unsigned nip;
	uint32_t udps[8];
	unsigned nudp;
	uint32_t hdr_end; /* where the L4 payload starts */
	/* truncation map: capturing fewer than marks[i].end bytes must give
	 * marks[i].err (first matching mark wins) */
	struct {
		uint32_t end;
		enum tw_decode_result err;
	} marks[FB_MAX_MARKS];
	unsigned nmarks;
};

static void
fb_init(struct fb *f)
{
	memset(f, 0, sizeof(*f));
}

static void
fb_mark(struct fb *f, enum tw_decode_result err)
{
	cr_assert_lt(f->nmarks, FB_MAX_MARKS);
	f->marks[f->nmarks].end = f->n;
	f->marks[f->nmarks].err = err;
	f->nmarks++;
}

static void
put(struct fb *f, const void *d, uint32_t n)
{
	cr_assert_leq(f->n + n, sizeof(f->b));
	memcpy(f->b + f->n, d, n);
	f->n += n;
}

static void
put8(struct fb *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
put16(struct fb *f, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(f, x, 2);
}

static void
put32(struct fb *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static void
putz(struct fb *f, uint32_t n)
{
	cr_assert_leq(f->n + n, sizeof(f->b));
	memset(f->b + f->n, 0, n);
	f->n += n;
}

static void
set16(struct fb *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static const uint8_t MAC_A[6] = {0x02, 0x00, 0x00, 0x0a, 0x03, 0x07};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0x00, 0xcb, 0x00, 0x71};
static const uint8_t ZERO_MAC[6];

static void
eth(struct fb *f, uint16_t type)
{
	put(f, MAC_B, 6); /* dst */
	put(f, MAC_A, 6); /* src */
	put16(f, type);
	fb_mark(f, TW_DEC_ERR_LINK_SHORT);
}

static void
vlan(struct fb *f, uint16_t tci, uint16_t next)
{
	put16(f, tci);
	put16(f, next);
	fb_mark(f, TW_DEC_ERR_VLAN_SHORT);
}

static void
sll(struct fb *f, uint16_t addrlen, uint16_t proto)
{
	put16(f, 0);     /* packet type: to us */
	put16(f, 1);     /* ARPHRD_ETHER */
	put16(f, addrlen);
	put(f, MAC_A, 6);
	put16(f, 0);     /* address padding to 8 */
	put16(f, proto);
	fb_mark(f, TW_DEC_ERR_LINK_SHORT);
}

static void
sll2(struct fb *f, uint8_t addrlen, uint16_t proto)
{
	put16(f, proto);
	put16(f, 0);     /* reserved */
	put32(f, 3);     /* ifindex */
	put16(f, 1);     /* ARPHRD_ETHER */
	put8(f, 0);      /* packet type */
	put8(f, addrlen);
	put(f, MAC_A, 6);
	put16(f, 0);
	fb_mark(f, TW_DEC_ERR_LINK_SHORT);
}

static void
null_hdr(struct fb *f, uint32_t family, bool network_order)
{
	if (network_order) {
		put32(f, family);
	} else {
		put(f, &family, 4); /* host order */
	}
	fb_mark(f, TW_DEC_ERR_LINK_SHORT);
}

/* IPv4 header with optlen bytes of options (multiple of 4, NOPs). */
static void
ip4(struct fb *f, uint8_t proto, const char *src, const char *dst,
    uint8_t ttl, uint16_t frag, uint32_t optlen)
{
	struct tw_addr a, b;

	cr_assert_eq(tw_addr_parse(src, &a), 0);
	cr_assert_eq(tw_addr_parse(dst, &b), 0);
	cr_assert_lt(f->nip, 8);
	f->ips[f->nip].off = f->n;
	f->ips[f->nip++].ver = 4;
	put8(f, (uint8_t)(0x40 | (5 + optlen / 4)));
	put8(f, 0);
	put16(f, 0); /* total length, fixed in fb_finish */
	put16(f, 0x1234);
	put16(f, frag);
	put8(f, ttl);
	put8(f, proto);
	put16(f, 0);
	put(f, &a.b[12], 4);
	put(f, &b.b[12], 4);
	for (uint32_t i = 0; i < optlen; i++)
		put8(f, 1); /* NOP */
	fb_mark(f, TW_DEC_ERR_IPV4_SHORT);
}

static void
ip6(struct fb *f, uint8_t nh, const char *src, const char *dst, uint8_t hlim)
{
	struct tw_addr a, b;

	cr_assert_eq(tw_addr_parse(src, &a), 0);
	cr_assert_eq(tw_addr_parse(dst, &b), 0);
	cr_assert_lt(f->nip, 8);
	f->ips[f->nip].off = f->n;
	f->ips[f->nip++].ver = 6;
	put32(f, 0x60000000);
	put16(f, 0); /* payload length, fixed in fb_finish */
	put8(f, nh);
	put8(f, hlim);
	put(f, a.b, 16);
	put(f, b.b, 16);
	fb_mark(f, TW_DEC_ERR_IPV6_SHORT);
}

/* Generic IPv6 option-style extension header of (len8 + 1) * 8 bytes. */
static void
ext6(struct fb *f, uint8_t nh, uint8_t len8)
{
	put8(f, nh);
	put8(f, len8);
	putz(f, 6 + (uint32_t)len8 * 8);
	fb_mark(f, TW_DEC_ERR_IPV6_EXT);
}

static void
ah6(struct fb *f, uint8_t nh)
{
	put8(f, nh);
	put8(f, 4); /* (4 + 2) * 4 = 24 bytes: 12 fixed + 12 ICV */
	put16(f, 0);
	put32(f, 0x1000); /* SPI */
	put32(f, 1);      /* sequence */
	putz(f, 12);
	fb_mark(f, TW_DEC_ERR_IPV6_EXT);
}

static void
frag6(struct fb *f, uint8_t nh, uint16_t offset8, bool more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put32(f, 0xdeadbeef);
	fb_mark(f, TW_DEC_ERR_IPV6_EXT);
}

/* TCP with optlen bytes of options (multiple of 4). */
static void
tcp(struct fb *f, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack,
    uint8_t flags, uint32_t optlen)
{
	put16(f, sp);
	put16(f, dp);
	put32(f, seq);
	put32(f, ack);
	put8(f, (uint8_t)((5 + optlen / 4) << 4));
	put8(f, flags);
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	for (uint32_t i = 0; i < optlen; i++)
		put8(f, 1);
	fb_mark(f, TW_DEC_ERR_TCP_SHORT);
	f->hdr_end = f->n;
}

static void
udp(struct fb *f, uint16_t sp, uint16_t dp)
{
	cr_assert_lt(f->nudp, 8);
	f->udps[f->nudp++] = f->n;
	put16(f, sp);
	put16(f, dp);
	put16(f, 0);
	put16(f, 0);
	fb_mark(f, TW_DEC_ERR_UDP_SHORT);
	f->hdr_end = f->n;
}

static void
icmp(struct fb *f, uint8_t type, uint8_t code, uint16_t id, uint16_t seq)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put16(f, id);
	put16(f, seq);
	fb_mark(f, TW_DEC_ERR_ICMP_SHORT);
	f->hdr_end = f->n;
}

static void
payload(struct fb *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(f, (uint8_t)('a' + i % 26));
}

/* Encapsulations. Each marks its own error for a capture cut inside it. */

static void
fb_mark_at(struct fb *f, uint32_t end, enum tw_decode_result err)
{
	cr_assert_lt(f->nmarks, FB_MAX_MARKS);
	f->marks[f->nmarks].end = end;
	f->marks[f->nmarks].err = err;
	f->nmarks++;
}

#define GRE_C 0x8000
#define GRE_K 0x2000
#define GRE_S 0x1000

static void
gre(struct fb *f, uint16_t flags, uint16_t proto, uint32_t key)
{
	put16(f, flags);
	put16(f, proto);
	if (flags & GRE_C)
		put32(f, 0xabcd0000); /* checksum + reserved1 */
	if (flags & GRE_K)
		put32(f, key);
	if (flags & GRE_S)
		put32(f, 77); /* sequence */
	fb_mark(f, TW_DEC_ERR_GRE);
}

static void
erspan2(struct fb *f, uint16_t session)
{
	put16(f, 0x1000 | 42);          /* ver 1, vlan 42 */
	put16(f, (uint16_t)(0x0000 | (session & 0x3ff))); /* cos en t session */
	put32(f, 0x00000123);           /* reserved, index */
	fb_mark(f, TW_DEC_ERR_ERSPAN);
}

static void
erspan3(struct fb *f, uint16_t session, bool o, uint8_t ft)
{
	put16(f, 0x2000 | 42);          /* ver 2, vlan 42 */
	put16(f, (uint16_t)(session & 0x3ff));
	put32(f, 0x11223344);           /* timestamp */
	put16(f, 0x0005);               /* SGT */
	put16(f, (uint16_t)((ft & 0x1f) << 10 | 3 << 4 | (o ? 1 : 0)));
	if (o) {
		put32(f, 0x0badf00d);   /* platform specific subheader */
		put32(f, 0x12345678);
	}
	fb_mark(f, TW_DEC_ERR_ERSPAN);
}

static void
vxlan(struct fb *f, uint32_t vni)
{
	put32(f, 0x08000000);
	put32(f, vni << 8);
	fb_mark(f, TW_DEC_ERR_VXLAN);
}

static void
geneve(struct fb *f, uint32_t vni, uint8_t optwords, uint16_t proto)
{
	put8(f, optwords & 0x3f);
	put8(f, 0);
	put16(f, proto);
	put32(f, vni << 8);
	for (unsigned i = 0; i < optwords; i++)
		put32(f, 0x01020304);
	fb_mark(f, TW_DEC_ERR_GENEVE);
}

static void
mpls(struct fb *f, uint32_t label, bool bos)
{
	put32(f, label << 12 | (bos ? 0x100u : 0) | 64);
	fb_mark(f, TW_DEC_ERR_MPLS);
	if (bos) /* nothing after bottom of stack is an MPLS error too */
		fb_mark_at(f, f->n + 1, TW_DEC_ERR_MPLS);
}

/* inner Ethernet + IPv4 + TCP 10.1.1.1:1111 -> 10.2.2.2:2222 + 5 bytes */
static const uint8_t MAC_IN_SRC[6] = {0x02, 0x11, 0x11, 0x11, 0x11, 0x11};
static const uint8_t MAC_IN_DST[6] = {0x02, 0x22, 0x22, 0x22, 0x22, 0x22};

static void
inner_eth(struct fb *f, uint16_t type)
{
	put(f, MAC_IN_DST, 6);
	put(f, MAC_IN_SRC, 6);
	put16(f, type);
	fb_mark(f, TW_DEC_ERR_LINK_SHORT);
}

static void
inner_eth_tcp(struct fb *f)
{
	inner_eth(f, 0x0800);
	ip4(f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(f, 1111, 2222, 1, 0, 0x02, 0);
	payload(f, 5);
}



/* Fill in IP / UDP lengths from the current end of the frame. */
static void
fb_finish(struct fb *f)
{
	for (unsigned i = 0; i < f->nip; i++) {
		uint32_t l = f->n - f->ips[i].off;
		if (f->ips[i].ver == 4)
			set16(f, f->ips[i].off + 2, (uint16_t)l);
		else
			set16(f, f->ips[i].off + 4, (uint16_t)(l - 40));
	}
	for (unsigned i = 0; i < f->nudp; i++)
		set16(f, f->udps[i] + 4, (uint16_t)(f->n - f->udps[i]));
}

/* Decode from an exact-size heap copy so ASan catches any over-read. */
static enum tw_decode_result
dec(enum tw_linktype lt, const uint8_t *d, uint32_t len, struct tw_pkt *p)
{
	enum tw_decode_result r;
	uint8_t *copy = NULL;

	if (len) {
		copy = malloc(len);
		cr_assert_not_null(copy);
		memcpy(copy, d, len);
	}
	r = tw_decode(lt, copy, len, p);
	/* Pointers must stay inside the copy; rebase them onto d for the
	 * caller's checks. */
	if (r == TW_DEC_OK) {
		const uint8_t *end = copy + len;
		cr_assert(p->l3 >= copy && p->l3 + p->l3_len <= end);
		if (p->l4)
			cr_assert(p->l4 >= p->l3 && p->l4 <= p->l3 + p->l3_len);
		if (p->payload) {
			cr_assert(p->payload_len > 0);
			cr_assert(p->payload >= p->l4 &&
				  p->payload + p->payload_len <= p->l3 + p->l3_len);
		} else {
			cr_assert_eq(p->payload_len, 0);
		}
		p->l3 = d + (p->l3 - copy);
		if (p->l4)
			p->l4 = d + (p->l4 - copy);
		if (p->payload)
			p->payload = d + (p->payload - copy);
	}
	free(copy);
	return r;
}

static enum tw_decode_result
decf(enum tw_linktype lt, const struct fb *f, struct tw_pkt *p)
{
	return dec(lt, f->b, f->n, p);
}

static void
assert_v4(const struct tw_addr *a, const char *s)
{
	struct tw_addr b;
	char buf[TW_ADDR_STRLEN];

	cr_assert_eq(tw_addr_parse(s, &b), 0);
	cr_assert(tw_addr_eq(a, &b), "address %s, expected %s",
		  tw_addr_fmt(a, buf, sizeof(buf)), s);
}

#define assert_addr assert_v4

static void
assert_inner_tcp(const struct tw_pkt *p)
{
	assert_v4(&p->src, "10.1.1.1");
	assert_v4(&p->dst, "10.2.2.2");
	cr_assert_eq(p->proto, 6);
	cr_assert_eq(p->sport, 1111);
	cr_assert_eq(p->dport, 2222);
	cr_assert_eq(p->ttl, 63);
	cr_assert_eq(p->payload_len, 5);
	cr_assert_eq(p->ethertype, 0x0800);
}

#define assert_res(got, want)                                                    \
	cr_assert_eq((got), (want), "result %s, expected %s",                    \
		     tw_decode_result_name(got), tw_decode_result_name(want))

/*
 * Truncate a good frame at every length 0..n: no crash (ASan), the result
 * is the error of the first header that is incomplete, OK exactly when all
 * headers are complete; a cut payload sets L4_TRUNC.
 */
static void
check_truncations(enum tw_linktype lt, const struct fb *f)
{
	struct tw_pkt p;

	cr_assert_gt(f->hdr_end, 0);
	for (uint32_t len = 0; len <= f->n; len++) {
		enum tw_decode_result r = dec(lt, f->b, len, &p);

		if (len < f->hdr_end) {
			enum tw_decode_result want = TW_DEC_OK;
			for (unsigned i = 0; i < f->nmarks; i++) {
				if (len < f->marks[i].end) {
					want = f->marks[i].err;
					break;
				}
			}
			cr_assert_neq(r, TW_DEC_OK, "len %u: OK with headers cut", len);
			cr_assert_eq(r, want, "len %u: %s, expected %s", len,
				     tw_decode_result_name(r), tw_decode_result_name(want));
		} else {
			assert_res(r, TW_DEC_OK);
			cr_assert_eq(p.payload_len, len - f->hdr_end, "len %u", len);
			cr_assert_eq(!!(p.flags & TW_PKT_F_L4_TRUNC), len < f->n,
				     "len %u flags %#x", len, p.flags);
			if (p.payload_len)
				cr_assert_eq(p.payload, f->b + f->hdr_end);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Link layers                                                         */
/* ------------------------------------------------------------------ */

static void
build_eth_tcp(struct fb *f, uint32_t plen)
{
	fb_init(f);
	eth(f, 0x0800);
	ip4(f, 6, "10.10.3.7", "203.0.113.9", 64, 0x4000 /* DF */, 0);
	tcp(f, 50122, 443, 0x01020304, 0xa0b0c0d0, 0x18 /* PSH|ACK */, 0);
	payload(f, plen);
	fb_finish(f);
}

Test(decode_link, ethernet_ipv4_tcp)
{
	struct fb f;
	struct tw_pkt p;

	build_eth_tcp(&f, 10);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_arr_eq(p.dst_mac, MAC_B, 6);
	cr_assert_arr_eq(p.src_mac, MAC_A, 6);
	cr_assert_eq(p.ethertype, 0x0800);
	cr_assert_eq(p.vlan, 0);
	cr_assert_eq(p.ip_version, 4);
	cr_assert_eq(p.ttl, 64);
	cr_assert_eq(p.proto, 6);
	assert_v4(&p.src, "10.10.3.7");
	assert_v4(&p.dst, "203.0.113.9");
	cr_assert(tw_addr_is_v4(&p.src));
	cr_assert_eq(p.sport, 50122);
	cr_assert_eq(p.dport, 443);
	cr_assert_eq(p.tcp_seq, 0x01020304u);
	cr_assert_eq(p.tcp_ack, 0xa0b0c0d0u);
	cr_assert_eq(p.tcp_flags, 0x18);
	cr_assert_eq(p.flags, 0, "DF alone is not a fragment");
	cr_assert_eq(p.l3, f.b + 14);
	cr_assert_eq(p.l3_len, 20 + 20 + 10);
	cr_assert_eq(p.l4, f.b + 34);
	cr_assert_eq(tw_pkt_l4_len(&p), 30);
	cr_assert_eq(p.payload, f.b + 54);
	cr_assert_eq(p.payload_len, 10);
	cr_assert_arr_eq(p.payload, "abcdefghij", 10);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_link, vlan_8021q)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 0x6000 | 42 /* PCP 3 */, 0x0800);
	ip4(&f, 17, "192.0.2.1", "192.0.2.53", 128, 0, 0);
	udp(&f, 33000, 53);
	payload(&f, 30);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.vlan, 42);
	cr_assert_eq(p.ethertype, 0x0800);
	cr_assert_eq(p.proto, 17);
	cr_assert_eq(p.sport, 33000);
	cr_assert_eq(p.dport, 53);
	cr_assert_eq(p.l3, f.b + 18);
	cr_assert_eq(p.l4, f.b + 38);
	cr_assert_eq(p.payload, f.b + 46);
	cr_assert_eq(p.payload_len, 30);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_link, qinq_innermost_vlan)
{
	static const uint16_t outer[] = {0x88a8, 0x9100, 0x8100};

	for (unsigned i = 0; i < 3; i++) {
		struct fb f;
		struct tw_pkt p;

		fb_init(&f);
		eth(&f, outer[i]);
		vlan(&f, 100, 0x8100);
		vlan(&f, 0xf000 | 200, 0x86dd);
		ip6(&f, 6, "2001:db8::1", "2001:db8::2", 255);
		tcp(&f, 1, 2, 3, 4, 0x02, 0);
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		cr_assert_eq(p.vlan, 200, "innermost VLAN id, 12 bits only");
		cr_assert_eq(p.ethertype, 0x86dd);
		cr_assert_eq(p.l3, f.b + 22);
		cr_assert_eq(p.payload, NULL);
		cr_assert_eq(p.payload_len, 0);
		check_truncations(TW_LINK_ETHERNET, &f);
	}
}

Test(decode_link, vlan_max_depth)
{
	struct fb f;
	struct tw_pkt p;

	/* exactly TW_DECODE_MAX_VLAN tags is fine */
	fb_init(&f);
	eth(&f, 0x88a8);
	for (int i = 0; i < TW_DECODE_MAX_VLAN - 1; i++)
		vlan(&f, (uint16_t)(10 + i), 0x8100);
	vlan(&f, 99, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 1, 0, 0);
	udp(&f, 1000, 2000);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.vlan, 99);

	/* one more is VLAN_DEPTH */
	fb_init(&f);
	eth(&f, 0x8100);
	for (int i = 0; i < TW_DECODE_MAX_VLAN; i++)
		vlan(&f, (uint16_t)(10 + i), 0x8100);
	vlan(&f, 99, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 1, 0, 0);
	udp(&f, 1000, 2000);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_VLAN_DEPTH);
}

Test(decode_link, linux_sll)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	sll(&f, 6, 0x0800);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 22, 40000, 7, 8, 0x10, 12);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_LINUX_SLL, &f, &p), TW_DEC_OK);
	cr_assert_arr_eq(p.src_mac, MAC_A, 6);
	cr_assert_arr_eq(p.dst_mac, ZERO_MAC, 6);
	cr_assert_eq(p.l3, f.b + 16);
	cr_assert_eq(p.l4, f.b + 36);
	cr_assert_eq(p.sport, 22);
	cr_assert_eq(p.payload, f.b + 36 + 32);
	cr_assert_eq(p.payload_len, 5);
	check_truncations(TW_LINK_LINUX_SLL, &f);

	/* address length other than 6: no MAC */
	fb_init(&f);
	sll(&f, 0, 0x0800);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 22, 40000, 7, 8, 0x10, 0);
	fb_finish(&f);
	assert_res(decf(TW_LINK_LINUX_SLL, &f, &p), TW_DEC_OK);
	cr_assert_arr_eq(p.src_mac, ZERO_MAC, 6);

	/* ARP over SLL */
	fb_init(&f);
	sll(&f, 6, 0x0806);
	putz(&f, 28);
	assert_res(decf(TW_LINK_LINUX_SLL, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.ethertype, 0x0806);
}

Test(decode_link, linux_sll2)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	sll2(&f, 6, 0x86dd);
	ip6(&f, 17, "fe80::1", "ff02::fb", 255);
	udp(&f, 5353, 5353);
	payload(&f, 12);
	fb_finish(&f);
	assert_res(decf(TW_LINK_LINUX_SLL2, &f, &p), TW_DEC_OK);
	cr_assert_arr_eq(p.src_mac, MAC_A, 6);
	cr_assert_arr_eq(p.dst_mac, ZERO_MAC, 6);
	cr_assert_eq(p.ip_version, 6);
	cr_assert_eq(p.ttl, 255);
	assert_addr(&p.src, "fe80::1");
	assert_addr(&p.dst, "ff02::fb");
	cr_assert_eq(p.l3, f.b + 20);
	cr_assert_eq(p.l4, f.b + 60);
	cr_assert_eq(p.payload, f.b + 68);
	cr_assert_eq(p.payload_len, 12);
	check_truncations(TW_LINK_LINUX_SLL2, &f);
}

Test(decode_link, raw_ip)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	ip4(&f, 17, "172.16.0.1", "172.16.0.2", 5, 0, 0);
	f.marks[0].err = TW_DEC_ERR_IPV4_SHORT;
	udp(&f, 123, 123);
	payload(&f, 48);
	fb_finish(&f);
	assert_res(decf(TW_LINK_RAW, &f, &p), TW_DEC_OK);
	cr_assert_arr_eq(p.src_mac, ZERO_MAC, 6);
	cr_assert_arr_eq(p.dst_mac, ZERO_MAC, 6);
	cr_assert_eq(p.ethertype, 0x0800);
	cr_assert_eq(p.l3, f.b);
	cr_assert_eq(p.dport, 123);
	cr_assert_eq(p.payload_len, 48);
	/* raw, 0 bytes: link short; 1..19: ipv4 short */
	assert_res(dec(TW_LINK_RAW, f.b, 0, &p), TW_DEC_ERR_LINK_SHORT);
	for (uint32_t len = 1; len <= f.n; len++) {
		enum tw_decode_result r = dec(TW_LINK_RAW, f.b, len, &p);
		if (len < 20)
			assert_res(r, TW_DEC_ERR_IPV4_SHORT);
		else if (len < 28)
			assert_res(r, TW_DEC_ERR_UDP_SHORT);
		else
			assert_res(r, TW_DEC_OK);
	}

	fb_init(&f);
	ip6(&f, 6, "2001:db8::a", "2001:db8::b", 64);
	tcp(&f, 80, 8080, 1, 1, 0x11, 0);
	fb_finish(&f);
	assert_res(decf(TW_LINK_RAW, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.ip_version, 6);
	cr_assert_eq(p.ethertype, 0x86dd);
	cr_assert_eq(p.tcp_flags, 0x11);

	/* version nibble neither 4 nor 6 */
	f.b[0] = 0x50;
	assert_res(decf(TW_LINK_RAW, &f, &p), TW_DEC_ERR_IP_VERSION);
}

Test(decode_link, bsd_null_and_loop)
{
	struct fb f;
	struct tw_pkt p;
	static const uint32_t v6fam[] = {24, 28, 30};

	/* NULL: host order, IPv4 */
	fb_init(&f);
	null_hdr(&f, 2, false);
	ip4(&f, 1, "10.0.0.1", "10.0.0.2", 64, 0, 0);
	icmp(&f, 8, 0, 0x4242, 1);
	payload(&f, 56);
	fb_finish(&f);
	assert_res(decf(TW_LINK_NULL, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.l3, f.b + 4);
	cr_assert_eq(p.ethertype, 0x0800);
	cr_assert_arr_eq(p.src_mac, ZERO_MAC, 6);
	cr_assert_eq(p.sport, 0x0800);
	cr_assert_eq(p.dport, 0x4242);
	check_truncations(TW_LINK_NULL, &f);
	/* the same frame as LOOP reads the family in network order: on a
	 * little-endian host 02 00 00 00 is 0x02000000, accepted byte-swapped */
	assert_res(decf(TW_LINK_LOOP, &f, &p), TW_DEC_OK);

	/* LOOP: network order, every IPv6 family value */
	for (unsigned i = 0; i < 3; i++) {
		fb_init(&f);
		null_hdr(&f, v6fam[i], true);
		ip6(&f, 58, "::1", "::1", 64);
		icmp(&f, 128, 0, 7, 1);
		fb_finish(&f);
		assert_res(decf(TW_LINK_LOOP, &f, &p), TW_DEC_OK);
		cr_assert_eq(p.ip_version, 6);
		cr_assert_eq(p.proto, 58);
		check_truncations(TW_LINK_LOOP, &f);

		fb_init(&f);
		null_hdr(&f, v6fam[i], false);
		ip6(&f, 58, "::1", "::1", 64);
		icmp(&f, 129, 0, 7, 1);
		fb_finish(&f);
		assert_res(decf(TW_LINK_NULL, &f, &p), TW_DEC_OK);
		cr_assert_eq(p.ip_version, 6);
	}

	/* unknown family */
	fb_init(&f);
	null_hdr(&f, 7, false);
	putz(&f, 40);
	assert_res(decf(TW_LINK_NULL, &f, &p), TW_DEC_NOT_IP);
}

Test(decode_link, not_ip_and_unsupported)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0806);
	putz(&f, 46);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.ethertype, 0x0806);
	cr_assert_arr_eq(p.src_mac, MAC_A, 6);

	/* LLDP behind a VLAN tag: ethertype is the innermost */
	fb_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 5, 0x88cc);
	putz(&f, 40);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.ethertype, 0x88cc);
	cr_assert_eq(p.vlan, 5);

	assert_res(decf((enum tw_linktype)105, &f, &p), TW_DEC_UNSUPPORTED_LINK);
	assert_res(dec((enum tw_linktype)9999, NULL, 0, &p), TW_DEC_UNSUPPORTED_LINK);
}

/* ------------------------------------------------------------------ */
/* IPv4                                                                */
/* ------------------------------------------------------------------ */

Test(decode_ipv4, options_skipped)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "10.9.8.7", "10.6.5.4", 2, 0, 12); /* IHL 8 */
	udp(&f, 67, 68);
	payload(&f, 20);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.l4, f.b + 14 + 32);
	cr_assert_eq(p.sport, 67);
	cr_assert_eq(p.dport, 68);
	cr_assert_eq(p.payload_len, 20);
	cr_assert_eq(p.l3_len, 32 + 8 + 20);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_ipv4, first_fragment)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 64, 0x2000 /* MF, offset 0 */, 0);
	udp(&f, 5000, 6000);
	payload(&f, 100);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_FRAG);
	cr_assert_eq(p.sport, 5000);
	cr_assert_eq(p.dport, 6000);
	cr_assert_eq(p.payload_len, 100);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_ipv4, later_fragment)
{
	/* MF + offset, last fragment, DF + offset, top offset bits */
	static const uint16_t fo[] = {0x2000 | 185, 185, 0x4000 | 1, 0x1000, 0x3fff};

	for (unsigned i = 0; i < sizeof(fo) / sizeof(fo[0]); i++) {
		struct fb f;
		struct tw_pkt p;

		fb_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 6, "10.0.0.1", "10.0.0.2", 64, fo[i], 0);
		payload(&f, 3); /* not even a TCP header: must not be read */
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		cr_assert_eq(p.flags, TW_PKT_F_FRAG | TW_PKT_F_FRAG_LATER);
		cr_assert_eq(p.proto, 6);
		cr_assert_eq(p.sport, 0);
		cr_assert_eq(p.dport, 0);
		cr_assert_eq(p.l4, NULL);
		cr_assert_eq(p.payload, NULL);
		cr_assert_eq(p.payload_len, 0);
		assert_v4(&p.src, "10.0.0.1");
		cr_assert_eq(p.l3_len, 23);
	}
}

Test(decode_ipv4, reserved_bit_is_not_fragment)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 64, 0x8000 | 0x4000, 0);
	udp(&f, 1, 2);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, 0);
	cr_assert_eq(p.dport, 2);
}

Test(decode_ipv4, ethernet_padding_excluded)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 64, 0, 0);
	udp(&f, 1, 2);
	payload(&f, 2);
	fb_finish(&f); /* IP total length 30 */
	while (f.n < 60)
		put8(&f, 0xee); /* minimum frame padding */
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.l3_len, 30);
	cr_assert_eq(p.payload_len, 2);
	cr_assert_arr_eq(p.payload, "ab", 2);
	cr_assert_eq(p.flags & TW_PKT_F_L4_TRUNC, 0);
	cr_assert_eq(tw_pkt_l4_len(&p), 10);

	/* TCP with no payload and padding: payload NULL */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6, "10.0.0.1", "10.0.0.2", 64, 0, 0);
	tcp(&f, 1, 2, 0, 0, 0x10, 0);
	fb_finish(&f);
	putz(&f, 6);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.payload, NULL);
	cr_assert_eq(p.payload_len, 0);
	cr_assert_eq(p.l3_len, 40);
}

Test(decode_ipv4, snaplen_truncated_payload)
{
	struct fb f;
	struct tw_pkt p;

	build_eth_tcp(&f, 1400);
	assert_res(dec(TW_LINK_ETHERNET, f.b, 64, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_L4_TRUNC);
	cr_assert_eq(p.payload_len, 10);
	cr_assert_eq(p.l3_len, 50);
	cr_assert_eq(p.sport, 50122);

	/* exactly the headers captured */
	assert_res(dec(TW_LINK_ETHERNET, f.b, 54, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_L4_TRUNC);
	cr_assert_eq(p.payload, NULL);
	cr_assert_eq(p.payload_len, 0);

	/* whole frame: not truncated */
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, 0);
	cr_assert_eq(p.payload_len, 1400);
}

Test(decode_ipv4, malformed)
{
	struct fb f, g;
	struct tw_pkt p;

	build_eth_tcp(&f, 20);

	g = f; /* IHL 4 */
	g.b[14] = 0x44;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV4_HLEN);
	g.b[14] = 0x40;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV4_HLEN);

	g = f; /* total length < 20 */
	set16(&g, 16, 19);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV4_TOTLEN);

	g = f; /* IHL 15 (60 bytes) > total length 40 */
	g.b[14] = 0x4f;
	set16(&g, 16, 40);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV4_TOTLEN);

	g = f; /* IHL 15 within total length but beyond the capture: short */
	g.b[14] = 0x4f;
	assert_res(dec(TW_LINK_ETHERNET, g.b, 14 + 40, &p), TW_DEC_ERR_IPV4_SHORT);

	g = f; /* ethertype IPv4, version 6 */
	g.b[14] = 0x65;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IP_VERSION);

	g = f; /* total length cuts into the TCP header */
	set16(&g, 16, 30);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_TCP_SHORT);

	g = f; /* TCP data offset 4 */
	g.b[46] = 0x40;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_TCP_HLEN);

	g = f; /* TCP data offset 15 (60) > declared L4 length 40 */
	g.b[46] = 0xf0;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_TCP_HLEN);

	g = f; /* TCP data offset 10 (40) within the declared 40, cut by snaplen */
	g.b[46] = 0xa0;
	assert_res(dec(TW_LINK_ETHERNET, g.b, 14 + 20 + 30, &p), TW_DEC_ERR_TCP_SHORT);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_OK);
	cr_assert_eq(p.payload, NULL);

	g = f; /* unknown protocol: OK, l4 is the start of its data */
	g.b[23] = 132; /* SCTP */
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 132);
	cr_assert_eq(p.l4, g.b + 34);
	cr_assert_eq(tw_pkt_l4_len(&p), 40);
	cr_assert_eq(p.payload, NULL);
	cr_assert_eq(p.sport, 0);
	assert_res(dec(TW_LINK_ETHERNET, g.b, 40, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_L4_TRUNC);
	assert_res(dec(TW_LINK_ETHERNET, g.b, 34, &p), TW_DEC_OK);
	cr_assert_eq(p.l4, NULL);
}

/* ------------------------------------------------------------------ */
/* IPv6                                                                */
/* ------------------------------------------------------------------ */

Test(decode_ipv6, extension_chain_and_fragment)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0, "2001:db8:1::10", "2001:db8:2::20", 60);
	ext6(&f, 43, 0);  /* hop-by-hop, 8 bytes */
	ext6(&f, 60, 2);  /* routing, 24 bytes */
	ext6(&f, 51, 1);  /* destination options, 16 bytes */
	ah6(&f, 44);      /* AH, 24 bytes */
	frag6(&f, 17, 0, true); /* first fragment */
	udp(&f, 4500, 4500);
	payload(&f, 33);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.ip_version, 6);
	cr_assert_eq(p.ttl, 60);
	cr_assert_eq(p.proto, 17);
	cr_assert_eq(p.flags, TW_PKT_F_FRAG);
	assert_addr(&p.src, "2001:db8:1::10");
	assert_addr(&p.dst, "2001:db8:2::20");
	cr_assert_not(tw_addr_is_v4(&p.src));
	cr_assert_eq(p.l4, f.b + 14 + 40 + 8 + 24 + 16 + 24 + 8);
	cr_assert_eq(p.sport, 4500);
	cr_assert_eq(p.payload_len, 33);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_ipv6, later_fragment_and_atomic)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 44, "2001:db8::1", "2001:db8::2", 64);
	frag6(&f, 6, 185, true);
	payload(&f, 2);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_FRAG | TW_PKT_F_FRAG_LATER);
	cr_assert_eq(p.proto, 6);
	cr_assert_eq(p.l4, NULL);
	cr_assert_eq(p.sport, 0);
	cr_assert_eq(p.payload_len, 0);

	/* last fragments (M = 0, offset != 0), low and high offset bits */
	static const uint16_t offs[] = {1, 0x1000, 0x1fff};
	for (unsigned i = 0; i < 3; i++) {
		fb_init(&f);
		eth(&f, 0x86dd);
		ip6(&f, 44, "2001:db8::1", "2001:db8::2", 64);
		frag6(&f, 17, offs[i], false);
		payload(&f, 8);
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		cr_assert_eq(p.flags, TW_PKT_F_FRAG | TW_PKT_F_FRAG_LATER);
		cr_assert_eq(p.proto, 17);
	}

	/* atomic fragment (offset 0, M = 0): not a fragment, L4 decoded */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 44, "2001:db8::1", "2001:db8::2", 64);
	frag6(&f, 6, 0, false);
	tcp(&f, 10, 20, 30, 40, 0x02, 0);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, 0);
	cr_assert_eq(p.sport, 10);
	cr_assert_eq(p.tcp_seq, 30);
}

Test(decode_ipv6, chain_limit)
{
	struct fb f;
	struct tw_pkt p;

	for (int n = TW_DECODE_MAX_IP6_EXT; n <= TW_DECODE_MAX_IP6_EXT + 1; n++) {
		fb_init(&f);
		eth(&f, 0x86dd);
		ip6(&f, 60, "2001:db8::1", "2001:db8::2", 64);
		for (int i = 0; i < n - 1; i++)
			ext6(&f, 60, 0);
		ext6(&f, 17, 0);
		udp(&f, 1, 2);
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p),
			   n == TW_DECODE_MAX_IP6_EXT ? TW_DEC_OK : TW_DEC_ERR_IPV6_EXT);
	}
}

Test(decode_ipv6, esp_and_no_next_header)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0, "2001:db8::1", "2001:db8::2", 64);
	ext6(&f, 50, 0);
	put32(&f, 0x1001); /* ESP SPI */
	put32(&f, 1);
	payload(&f, 16);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 50);
	cr_assert_eq(p.l4, f.b + 14 + 48);
	cr_assert_eq(tw_pkt_l4_len(&p), 24);
	cr_assert_eq(p.payload, NULL);
	cr_assert_eq(p.sport, 0);

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 59, "2001:db8::1", "2001:db8::2", 64);
	fb_finish(&f);
	putz(&f, 8); /* padding */
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 59);
	cr_assert_eq(p.l4, NULL);
	cr_assert_eq(p.l3_len, 40);
}

Test(decode_ipv6, malformed)
{
	struct fb f, g;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0, "2001:db8::1", "2001:db8::2", 64);
	ext6(&f, 6, 0);
	tcp(&f, 1, 2, 3, 4, 0x02, 0);
	payload(&f, 4);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);

	g = f; /* version 4 behind 0x86dd */
	g.b[14] = 0x40;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IP_VERSION);

	g = f; /* extension header longer than the payload length */
	g.b[55] = 200;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV6_EXT);

	g = f; /* payload length says only 4 bytes: ext header cut */
	set16(&g, 18, 4);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV6_EXT);

	g = f; /* payload length ends inside TCP */
	set16(&g, 18, 8 + 10);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_TCP_SHORT);

	g = f; /* payload length 0 (GSO capture): bounded by the data */
	set16(&g, 18, 0);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_OK);
	cr_assert_eq(p.payload_len, 4);
	cr_assert_eq(p.flags, 0);

	g = f; /* padding after the declared length */
	putz(&g, 10);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_OK);
	cr_assert_eq(p.payload_len, 4);
	cr_assert_eq(p.l3_len, 40 + 8 + 20 + 4);

	g = f; /* TCP data offset 4 */
	g.b[14 + 48 + 12] = 0x40;
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_TCP_HLEN);
}

/* ------------------------------------------------------------------ */
/* L4                                                                  */
/* ------------------------------------------------------------------ */

Test(decode_l4, icmp_convention)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 1, "10.0.0.1", "10.0.0.2", 64, 0, 0);
	icmp(&f, 0, 0, 0xbeef, 9); /* echo reply */
	payload(&f, 8);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.icmp_type, 0);
	cr_assert_eq(p.sport, 0);
	cr_assert_eq(p.dport, 0xbeef);
	cr_assert_eq(p.payload, f.b + 42);
	cr_assert_eq(p.payload_len, 8);
	check_truncations(TW_LINK_ETHERNET, &f);

	/* destination unreachable, port unreachable: no identifier */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 1, "10.0.0.1", "10.0.0.2", 64, 0, 0);
	icmp(&f, 3, 3, 0x1111, 0x2222);
	payload(&f, 28);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.icmp_type, 3);
	cr_assert_eq(p.icmp_code, 3);
	cr_assert_eq(p.sport, 0x0303);
	cr_assert_eq(p.dport, 0);
}

Test(decode_l4, icmpv6)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "2001:db8::1", "2001:db8::2", 64);
	icmp(&f, 128, 0, 0x0102, 1); /* echo request */
	payload(&f, 4);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 58);
	cr_assert_eq(p.sport, 128 << 8);
	cr_assert_eq(p.dport, 0x0102);
	check_truncations(TW_LINK_ETHERNET, &f);

	/* neighbour solicitation: type 135, no identifier */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "fe80::1", "ff02::1:ff00:2", 255);
	icmp(&f, 135, 0, 0, 0);
	payload(&f, 16);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.icmp_type, 135);
	cr_assert_eq(p.sport, 135 << 8);
	cr_assert_eq(p.dport, 0);

	/* ICMPv4 echo type number inside ICMPv6 is not echo */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "2001:db8::1", "2001:db8::2", 64);
	icmp(&f, 8, 0, 0x0102, 1);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.dport, 0);
}

Test(decode_l4, tcp_options)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 6, "10.0.0.1", "10.0.0.2", 64, 0, 0);
	tcp(&f, 1234, 80, 0xffffffff, 0, 0x02, 20); /* SYN, doff 10 */
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.tcp_seq, 0xffffffffu);
	cr_assert_eq(p.tcp_flags, 0x02);
	cr_assert_eq(p.payload, NULL);
	cr_assert_eq(p.payload_len, 0);
	check_truncations(TW_LINK_ETHERNET, &f);
}

/* ------------------------------------------------------------------ */
/* Encapsulation                                                       */
/* ------------------------------------------------------------------ */

static void
assert_outer_v4(const struct tw_pkt *p, const char *src, const char *dst)
{
	assert_v4(&p->outer_src, src);
	assert_v4(&p->outer_dst, dst);
}

static void
assert_no_tunnel(const struct tw_pkt *p)
{
	cr_assert_eq(p->tunnel_type, TW_TUNNEL_NONE);
	cr_assert_eq(p->tunnel_depth, 0);
	cr_assert_eq(p->tunnel_id, 0);
	cr_assert(tw_addr_is_zero(&p->outer_src));
	cr_assert(tw_addr_is_zero(&p->outer_dst));
}

Test(decode_tunnel, plain_packet_has_no_tunnel)
{
	struct fb f;
	struct tw_pkt p;

	build_eth_tcp(&f, 8);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_no_tunnel(&p);
	cr_assert_eq(p.mpls_labels, 0);
	cr_assert_eq(p.frag_id, 0);
	cr_assert_eq(p.frag_offset, 0);
	cr_assert_eq(p.flags, 0);
}

Test(decode_tunnel, gre_ipv4_without_key)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "192.0.2.1", "192.0.2.2", 64, 0x4000, 0);
	gre(&f, 0, 0x0800, 0);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.l3, f.b + 14 + 20 + 4);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_GRE);
	cr_assert_eq(p.tunnel_id, 0);
	cr_assert_eq(p.tunnel_depth, 1);
	assert_outer_v4(&p, "192.0.2.1", "192.0.2.2");
	/* an L3 tunnel keeps the outer frame's MACs */
	cr_assert(memcmp(p.src_mac, MAC_A, 6) == 0);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_tunnel, gre_key_checksum_seq_teb)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 100, 0x0800);
	ip4(&f, 47, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	gre(&f, GRE_C | GRE_K | GRE_S, 0x6558, 0xdeadbeef);
	inner_eth_tcp(&f);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_GRE);
	cr_assert_eq(p.tunnel_id, 0xdeadbeef);
	cr_assert_eq(p.tunnel_depth, 1);
	cr_assert_eq(p.vlan, 100); /* untagged inner frame keeps the outer tag */
	cr_assert(memcmp(p.src_mac, MAC_IN_SRC, 6) == 0);
	cr_assert(memcmp(p.dst_mac, MAC_IN_DST, 6) == 0);
	assert_outer_v4(&p, "192.0.2.1", "192.0.2.2");
	check_truncations(TW_LINK_ETHERNET, &f);

	/* key only, inner IPv6 */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	gre(&f, GRE_K, 0x86dd, 7);
	ip6(&f, 17, "2001:db8::1", "2001:db8::2", 9);
	udp(&f, 53, 5353);
	payload(&f, 3);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.ip_version, 6);
	assert_addr(&p.src, "2001:db8::1");
	cr_assert_eq(p.sport, 53);
	cr_assert_eq(p.dport, 5353);
	cr_assert_eq(p.tunnel_id, 7);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_tunnel, gre_not_stripped_and_malformed)
{
	struct fb f, g;
	struct tw_pkt p;

	/* PPTP (enhanced GRE, version 1): the outer packet as plain proto 47 */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	put16(&f, 0x3081); /* K S A, version 1 */
	put16(&f, 0x880b);
	put32(&f, 0x00100005);
	put32(&f, 1);
	put32(&f, 2);
	payload(&f, 16);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 47);
	assert_v4(&p.src, "192.0.2.1");
	cr_assert_eq(p.l4, f.b + 34);
	cr_assert_eq(tw_pkt_l4_len(&p), 32);
	assert_no_tunnel(&p);

	/* PPTP carrying PPP/IPv4 (address/control present) is stripped */
	{
		struct fb h;

		fb_init(&h);
		eth(&h, 0x0800);
		ip4(&h, 47, "192.0.2.1", "192.0.2.2", 64, 0, 0);
		put16(&h, 0x3001); /* K S, version 1 */
		put16(&h, 0x880b);
		put16(&h, 0);
		put16(&h, 0x4242); /* call id */
		put32(&h, 1);
		fb_mark(&h, TW_DEC_ERR_GRE);
		put16(&h, 0xff03);
		put16(&h, 0x0021);
		ip4(&h, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
		tcp(&h, 1111, 2222, 1, 0, 0x02, 0);
		payload(&h, 5);
		fb_finish(&h);
		assert_res(decf(TW_LINK_ETHERNET, &h, &p), TW_DEC_OK);
		assert_inner_tcp(&p);
		cr_assert_eq(p.tunnel_type, TW_TUNNEL_PPTP);
		cr_assert_eq(p.tunnel_id, 0x4242);
		/* PPP cut before the IP header: the outer packet */
		assert_res(dec(TW_LINK_ETHERNET, h.b, 34 + 12 + 3, &p), TW_DEC_OK);
		cr_assert_eq(p.proto, 47);
		/* compressed PPP header, IPv4 */
		g = h;
		g.b[46] = 0x21;
		memmove(g.b + 47, g.b + 50, g.n - 50);
		g.n -= 3;
		set16(&g, 16, (uint16_t)(g.n - 14));
		assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_OK);
		assert_inner_tcp(&p);
		/* version 1 that is not PPTP */
		g = h;
		set16(&g, 36, 0x0800);
		assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_GRE);
	}

	/* unknown GRE protocol type: outer packet too */
	g = f;
	set16(&g, 34, 0x2000);
	set16(&g, 36, 0x883e); /* WCCP */
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 47);
	assert_no_tunnel(&p);

	g = f; /* version 2 */
	set16(&g, 34, 0x0002);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_GRE);
	g = f; /* routing present */
	set16(&g, 34, 0x4000);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_GRE);
	/* GRE header cut */
	assert_res(dec(TW_LINK_ETHERNET, f.b, 34 + 3, &p), TW_DEC_ERR_GRE);
	/* outer IPv4 declares fewer bytes than the GRE header */
	g = f;
	set16(&g, 16, 20 + 2);
	assert_res(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_GRE);

	/* a fragmented outer packet is not stripped */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "192.0.2.1", "192.0.2.2", 64, 0x2000 /* MF */, 0);
	gre(&f, 0, 0x0800, 0);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.proto, 47);
	cr_assert(p.flags & TW_PKT_F_FRAG);
	cr_assert_eq(p.frag_id, 0x1234);
	assert_no_tunnel(&p);
}

Test(decode_tunnel, erspan2)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "198.51.100.1", "198.51.100.2", 64, 0, 0);
	gre(&f, GRE_S, 0x88be, 0);
	erspan2(&f, 0x3ff);
	inner_eth(&f, 0x8100);
	vlan(&f, 0x2000 | 333, 0x0800);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_ERSPAN2);
	cr_assert_eq(p.tunnel_id, 0x3ff);
	cr_assert_eq(p.vlan, 333);
	assert_outer_v4(&p, "198.51.100.1", "198.51.100.2");
	check_truncations(TW_LINK_ETHERNET, &f);

	/* wrong ERSPAN version */
	f.b[14 + 20 + 8] = 0x20;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_ERSPAN);

	/* type I: no sequence number, no ERSPAN header */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "198.51.100.1", "198.51.100.2", 64, 0, 0);
	gre(&f, 0, 0x88be, 0);
	inner_eth_tcp(&f);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_ERSPAN1);
	check_truncations(TW_LINK_ETHERNET, &f);
}

Test(decode_tunnel, erspan3)
{
	struct fb f;
	struct tw_pkt p;

	for (int o = 0; o <= 1; o++) {
		fb_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 47, "198.51.100.1", "198.51.100.2", 64, 0, 0);
		gre(&f, GRE_S, 0x22eb, 0);
		erspan3(&f, 513, o, 0);
		inner_eth_tcp(&f);
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		assert_inner_tcp(&p);
		cr_assert_eq(p.l3, f.b + 14 + 20 + 8 + 12 + (o ? 8 : 0) + 14);
		cr_assert_eq(p.tunnel_type, TW_TUNNEL_ERSPAN3);
		cr_assert_eq(p.tunnel_id, 513);
		cr_assert(memcmp(p.src_mac, MAC_IN_SRC, 6) == 0);
		check_truncations(TW_LINK_ETHERNET, &f);
	}

	/* frame type 2: IP without Ethernet */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "198.51.100.1", "198.51.100.2", 64, 0, 0);
	gre(&f, GRE_S, 0x22eb, 0);
	erspan3(&f, 1, false, 2);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_id, 1);

	/* unknown frame type */
	f.b[14 + 20 + 8 + 10] = 0x0c; /* FT 3 */
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_ERSPAN);
}

Test(decode_tunnel, vxlan_inner_vlan)
{
	struct fb f;
	struct tw_pkt p;

	for (int port = 0; port < 2; port++) {
		fb_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 17, "203.0.113.1", "203.0.113.2", 64, 0x4000, 0);
		udp(&f, 49152, port ? 8472 : 4789);
		vxlan(&f, 0xabcdef);
		inner_eth(&f, 0x8100);
		vlan(&f, 0x0000 | 77, 0x0800);
		ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
		tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
		payload(&f, 5);
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		assert_inner_tcp(&p);
		cr_assert_eq(p.tunnel_type, TW_TUNNEL_VXLAN);
		cr_assert_eq(p.tunnel_id, 0xabcdef);
		cr_assert_eq(p.tunnel_depth, 1);
		cr_assert_eq(p.vlan, 77);
		cr_assert(memcmp(p.src_mac, MAC_IN_SRC, 6) == 0);
		assert_outer_v4(&p, "203.0.113.1", "203.0.113.2");
		check_truncations(TW_LINK_ETHERNET, &f);
	}

	/* I flag clear */
	f.b[14 + 20 + 8] = 0;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_VXLAN);

	/* VXLAN-GPE: next protocol Ethernet, then IPv4 directly */
	for (int np = 3; np >= 1; np -= 2) {
		fb_init(&f);
		eth(&f, 0x0800);
		ip4(&f, 17, "203.0.113.1", "203.0.113.2", 64, 0, 0);
		udp(&f, 4789, 4790);
		put32(&f, 0x0c000000u | (uint32_t)np);
		put32(&f, 3u << 8);
		fb_mark(&f, TW_DEC_ERR_VXLAN);
		if (np == 3)
			inner_eth(&f, 0x0800);
		ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
		tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
		payload(&f, 5);
		fb_finish(&f);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		assert_inner_tcp(&p);
		cr_assert_eq(p.tunnel_type, TW_TUNNEL_VXLAN_GPE);
		cr_assert_eq(p.tunnel_id, 3);
		check_truncations(TW_LINK_ETHERNET, &f);
	}
	/* NSH: the outer UDP packet */
	f.b[14 + 20 + 8 + 3] = 4;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.dport, 4790);
	assert_no_tunnel(&p);

	/* VXLAN as source port only: plain UDP */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "203.0.113.1", "203.0.113.2", 64, 0, 0);
	udp(&f, 4789, 53);
	payload(&f, 4);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.dport, 53);
	assert_no_tunnel(&p);
}

Test(decode_tunnel, geneve_options)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 17, "2001:db8::a", "2001:db8::b", 64);
	udp(&f, 40000, 6081);
	geneve(&f, 0x123456, 5, 0x6558);
	inner_eth_tcp(&f);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_GENEVE);
	cr_assert_eq(p.tunnel_id, 0x123456);
	assert_addr(&p.outer_src, "2001:db8::a");
	assert_addr(&p.outer_dst, "2001:db8::b");
	check_truncations(TW_LINK_ETHERNET, &f);

	/* IPv4 payload without Ethernet, no options */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "203.0.113.1", "203.0.113.2", 64, 0, 0);
	udp(&f, 40000, 6081);
	geneve(&f, 9, 0, 0x0800);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_id, 9);
	check_truncations(TW_LINK_ETHERNET, &f);

	/* version 1 */
	f.b[42] = 0x40;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_GENEVE);
	/* options longer than the packet */
	f.b[42] = 0x3f;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_GENEVE);
	/* unknown protocol type: the outer UDP packet */
	f.b[42] = 0;
	set16(&f, 44, 0x88b5);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.dport, 6081);
	cr_assert_eq(p.payload, f.b + 42);
	assert_no_tunnel(&p);
}

Test(decode_tunnel, ip_in_ip)
{
	struct fb f;
	struct tw_pkt p;

	/* IPIP */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 4, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_IPIP);
	cr_assert_eq(p.tunnel_id, 0);
	cr_assert_eq(p.tunnel_depth, 1);
	assert_outer_v4(&p, "192.0.2.1", "192.0.2.2");
	check_truncations(TW_LINK_ETHERNET, &f);

	/* 6in4 */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 41, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	ip6(&f, 6, "2001:db8::1", "2001:db8::2", 60);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.ip_version, 6);
	assert_addr(&p.src, "2001:db8::1");
	cr_assert_eq(p.dport, 2222);
	cr_assert_eq(p.ethertype, 0x86dd);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_IP6IP);
	assert_outer_v4(&p, "192.0.2.1", "192.0.2.2");
	check_truncations(TW_LINK_ETHERNET, &f);

	/* 4in6 behind an extension header */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 60, "2001:db8::a", "2001:db8::b", 64);
	ext6(&f, 4, 0);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_IPIP);
	assert_addr(&p.outer_src, "2001:db8::a");
	check_truncations(TW_LINK_ETHERNET, &f);
	assert_res(dec(TW_LINK_RAW, f.b + 14, f.n - 14, &p), TW_DEC_OK);
	assert_inner_tcp(&p);

	/* version mismatch inside */
	fb_init(&f);
	ip4(&f, 4, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	ip6(&f, 59, "::1", "::2", 1);
	fb_finish(&f);
	assert_res(decf(TW_LINK_RAW, &f, &p), TW_DEC_ERR_IP_VERSION);
}

Test(decode_tunnel, mpls)
{
	struct fb f;
	struct tw_pkt p;

	/* single label, IPv4 */
	fb_init(&f);
	eth(&f, 0x8847);
	mpls(&f, 1000, true);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.mpls_labels, 1);
	cr_assert_eq(p.mpls_label, 1000);
	assert_no_tunnel(&p);
	check_truncations(TW_LINK_ETHERNET, &f);

	/* 3-label stack behind a VLAN, IPv6 */
	fb_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 5, 0x8847);
	mpls(&f, 16, false);
	mpls(&f, 17, false);
	mpls(&f, 0xfffff, true);
	ip6(&f, 17, "2001:db8::1", "2001:db8::2", 9);
	udp(&f, 1, 2);
	payload(&f, 2);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.ip_version, 6);
	cr_assert_eq(p.ethertype, 0x86dd);
	cr_assert_eq(p.mpls_labels, 3);
	cr_assert_eq(p.mpls_label, 0xfffff);
	cr_assert_eq(p.vlan, 5);
	check_truncations(TW_LINK_ETHERNET, &f);

	/* pseudowire with control word, inner Ethernet */
	fb_init(&f);
	eth(&f, 0x8847);
	mpls(&f, 20, false);
	mpls(&f, 300, true);
	put32(&f, 0); /* control word */
	fb_mark(&f, TW_DEC_ERR_MPLS);
	inner_eth_tcp(&f);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.mpls_labels, 2);
	cr_assert_eq(p.mpls_label, 300);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_MPLS_PW);
	cr_assert_eq(p.tunnel_id, 300);
	cr_assert_eq(p.tunnel_depth, 1);
	cr_assert(tw_addr_is_zero(&p.outer_src)); /* no IP tunnel */
	cr_assert(memcmp(p.src_mac, MAC_IN_SRC, 6) == 0);
	check_truncations(TW_LINK_ETHERNET, &f);

	/* payload not guessable */
	f.b[14 + 8] = 0x10;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);

	/* stack deeper than the limit */
	fb_init(&f);
	eth(&f, 0x8847);
	for (int i = 0; i < TW_DECODE_MAX_MPLS; i++)
		mpls(&f, 16 + (uint32_t)i, false);
	mpls(&f, 99, true);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_MPLS);
	/* exactly the limit is fine */
	fb_init(&f);
	eth(&f, 0x8847);
	for (int i = 0; i < TW_DECODE_MAX_MPLS - 1; i++)
		mpls(&f, 16 + (uint32_t)i, false);
	mpls(&f, 99, true);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.mpls_labels, TW_DECODE_MAX_MPLS);

	/* MPLS inside GRE */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 47, "192.0.2.1", "192.0.2.2", 64, 0, 0);
	gre(&f, 0, 0x8847, 0);
	mpls(&f, 42, true);
	ip4(&f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(&f, 1111, 2222, 1, 0, 0x02, 0);
	payload(&f, 5);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_inner_tcp(&p);
	cr_assert_eq(p.mpls_label, 42);
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_GRE);
	check_truncations(TW_LINK_ETHERNET, &f);
}

/* n encapsulations around the inner TCP packet, cycling through kinds. */
static void
build_nested(struct fb *f, int n)
{
	fb_init(f);
	eth(f, 0x0800);
	for (int i = 0; i < n; i++) {
		switch (i % 3) {
		case 0:
			ip4(f, 4, "192.0.2.1", "192.0.2.2", 64, 0, 0);
			break;
		case 1:
			ip4(f, 47, "192.0.2.3", "192.0.2.4", 64, 0, 0);
			gre(f, GRE_K, 0x0800, (uint32_t)i);
			break;
		default:
			ip4(f, 17, "192.0.2.5", "192.0.2.6", 64, 0, 0);
			udp(f, 1, 4789);
			vxlan(f, (uint32_t)i + 100);
			inner_eth(f, 0x0800);
			break;
		}
	}
	ip4(f, 6, "10.1.1.1", "10.2.2.2", 63, 0, 0);
	tcp(f, 1111, 2222, 1, 0, 0x02, 0);
	payload(f, 5);
	fb_finish(f);
}

Test(decode_tunnel, nesting_limit)
{
	struct fb f;
	struct tw_pkt p;

	for (int n = 1; n <= TW_DECODE_MAX_TUNNELS; n++) {
		build_nested(&f, n);
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		assert_inner_tcp(&p);
		cr_assert_eq(p.tunnel_depth, n);
		assert_outer_v4(&p, "192.0.2.1", "192.0.2.2"); /* outermost */
		check_truncations(TW_LINK_ETHERNET, &f);
	}
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_VXLAN); /* innermost */
	cr_assert_eq(p.tunnel_id, 102);

	build_nested(&f, TW_DECODE_MAX_TUNNELS + 1);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_TUNNEL_DEPTH);
	build_nested(&f, TW_DECODE_MAX_TUNNELS + 3);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_TUNNEL_DEPTH);
}

/* ------------------------------------------------------------------ */
/* Fragments, neighbours, ICMP errors                                  */
/* ------------------------------------------------------------------ */

Test(decode_extra, frag_id_and_offset)
{
	struct fb f;
	struct tw_pkt p;

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 64, 0x2000 | 185, 0); /* MF, 1480 */
	payload(&f, 16);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_FRAG | TW_PKT_F_FRAG_LATER);
	cr_assert_eq(p.frag_id, 0x1234);
	cr_assert_eq(p.frag_offset, 1480);

	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "10.0.0.1", "10.0.0.2", 64, 0x2000, 0); /* first */
	udp(&f, 1, 2);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_FRAG);
	cr_assert_eq(p.frag_id, 0x1234);
	cr_assert_eq(p.frag_offset, 0);
	cr_assert_eq(p.dport, 2);

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 44, "2001:db8::1", "2001:db8::2", 64);
	frag6(&f, 17, 8191, false);
	payload(&f, 8);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert(p.flags & TW_PKT_F_FRAG_LATER);
	cr_assert_eq(p.frag_id, 0xdeadbeef);
	cr_assert_eq(p.frag_offset, 8191 * 8);

	/* DF only: not a fragment */
	build_eth_tcp(&f, 0);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.frag_id, 0);
}

static void
arp(struct fb *f, uint16_t op, const uint8_t *sha, const char *spa,
    const uint8_t *tha, const char *tpa)
{
	struct tw_addr a, b;

	cr_assert_eq(tw_addr_parse(spa, &a), 0);
	cr_assert_eq(tw_addr_parse(tpa, &b), 0);
	put16(f, 1);
	put16(f, 0x0800);
	put8(f, 6);
	put8(f, 4);
	put16(f, op);
	put(f, sha, 6);
	put(f, &a.b[12], 4);
	put(f, tha, 6);
	put(f, &b.b[12], 4);
}

Test(decode_extra, arp_neighbours)
{
	struct fb f;
	struct tw_pkt p;

	/* request */
	fb_init(&f);
	eth(&f, 0x0806);
	arp(&f, 1, MAC_A, "10.0.0.7", ZERO_MAC, "10.0.0.1");
	putz(&f, 18);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	assert_v4(&p.neigh_addr, "10.0.0.7");
	cr_assert(memcmp(p.neigh_mac, MAC_A, 6) == 0);
	cr_assert_eq(p.ethertype, 0x0806);
	/* cut: no neighbour */
	assert_res(dec(TW_LINK_ETHERNET, f.b, 14 + 27, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.flags, 0);

	/* probe: sender 0.0.0.0 */
	fb_init(&f);
	eth(&f, 0x0806);
	arp(&f, 1, MAC_A, "0.0.0.0", ZERO_MAC, "10.0.0.7");
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.flags, 0);
	cr_assert(tw_addr_is_zero(&p.neigh_addr));

	/* gratuitous: sender == target */
	fb_init(&f);
	eth(&f, 0x8100);
	vlan(&f, 12, 0x0806);
	arp(&f, 2, MAC_B, "10.0.0.9", MAC_B, "10.0.0.9");
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	assert_v4(&p.neigh_addr, "10.0.0.9");
	cr_assert(memcmp(p.neigh_mac, MAC_B, 6) == 0);
	cr_assert_eq(p.vlan, 12);

	/* not Ethernet/IPv4 */
	f.b[18 + 5] = 16;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.flags, 0);

	/* ARP inside VXLAN: tunnel fields and neighbour */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 17, "203.0.113.1", "203.0.113.2", 64, 0, 0);
	udp(&f, 1, 4789);
	vxlan(&f, 5);
	inner_eth(&f, 0x0806);
	arp(&f, 1, MAC_IN_SRC, "10.9.9.9", ZERO_MAC, "10.9.9.1");
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_NOT_IP);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	assert_v4(&p.neigh_addr, "10.9.9.9");
	cr_assert_eq(p.tunnel_type, TW_TUNNEL_VXLAN);
	cr_assert_eq(p.tunnel_id, 5);
	cr_assert_eq(p.sport, 0);
	cr_assert_eq(p.l3, NULL);
}

/* ICMPv6 NS/NA: target, then options */
static void
nd(struct fb *f, uint8_t type, const char *target, uint8_t opt, const uint8_t *mac)
{
	struct tw_addr t;

	cr_assert_eq(tw_addr_parse(target, &t), 0);
	icmp(f, type, 0, 0, 0);
	put(f, t.b, 16);
	put8(f, 14); /* nonce option, 8 bytes: skipped */
	put8(f, 1);
	putz(f, 6);
	if (opt) {
		put8(f, opt);
		put8(f, 1);
		put(f, mac, 6);
	}
}

Test(decode_extra, nd_neighbours)
{
	static const uint8_t LL[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	struct fb f;
	struct tw_pkt p;

	/* NS with source link-layer option */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "fe80::1", "ff02::1:ff00:2", 255);
	nd(&f, 135, "fe80::2", 1, LL);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.icmp_type, 135);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	assert_addr(&p.neigh_addr, "fe80::1");
	cr_assert(memcmp(p.neigh_mac, LL, 6) == 0);

	/* NS without option: Ethernet source */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "fe80::1", "ff02::1:ff00:2", 255);
	nd(&f, 135, "fe80::2", 0, NULL);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	cr_assert(memcmp(p.neigh_mac, MAC_A, 6) == 0);

	/* NS from :: (DAD) */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "::", "ff02::1:ff00:2", 255);
	nd(&f, 135, "fe80::2", 0, NULL);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, 0);

	/* NA with target link-layer option (source option ignored) */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "fe80::2", "fe80::1", 255);
	nd(&f, 136, "2001:db8::2", 2, LL);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	assert_addr(&p.neigh_addr, "2001:db8::2");
	cr_assert(memcmp(p.neigh_mac, LL, 6) == 0);
	/* option cut off: Ethernet source */
	assert_res(dec(TW_LINK_ETHERNET, f.b, f.n - 1, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH | TW_PKT_F_L4_TRUNC);
	cr_assert(memcmp(p.neigh_mac, MAC_A, 6) == 0);
	/* target cut off: no neighbour */
	assert_res(dec(TW_LINK_ETHERNET, f.b, 14 + 40 + 23, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_L4_TRUNC);
	/* hop limit not 255: not trusted */
	f.b[14 + 7] = 254;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, 0);

	/* zero-length option stops the walk */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "fe80::2", "fe80::1", 255);
	nd(&f, 136, "2001:db8::2", 2, LL);
	fb_finish(&f);
	f.b[14 + 40 + 24 + 1] = 0;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert(memcmp(p.neigh_mac, MAC_A, 6) == 0);

	/* many options: bounded walk */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "fe80::2", "fe80::1", 255);
	icmp(&f, 136, 0, 0, 0);
	putz(&f, 16);
	for (int i = 0; i < 40; i++) {
		put8(&f, 14);
		put8(&f, 1);
		putz(&f, 6);
	}
	put8(&f, 2);
	put8(&f, 1);
	put(&f, LL, 6);
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_NEIGH);
	cr_assert(memcmp(p.neigh_mac, MAC_A, 6) == 0);
}

Test(decode_extra, icmp_errors)
{
	struct fb f;
	struct tw_pkt p;

	/* port unreachable quoting a UDP datagram */
	fb_init(&f);
	eth(&f, 0x0800);
	ip4(&f, 1, "10.0.0.2", "10.0.0.1", 64, 0, 0);
	icmp(&f, 3, 3, 0, 0);
	{
		struct fb q;

		fb_init(&q);
		ip4(&q, 17, "10.0.0.1", "10.0.0.2", 64, 0, 4);
		udp(&q, 33000, 161);
		fb_finish(&q);
		put(&f, q.b, q.n);
	}
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	/* the packet described is the ICMP one */
	assert_v4(&p.src, "10.0.0.2");
	assert_v4(&p.dst, "10.0.0.1");
	cr_assert_eq(p.proto, 1);
	cr_assert_eq(p.sport, 0x0303);
	cr_assert_eq(p.dport, 0);
	cr_assert_eq(p.flags, TW_PKT_F_ICMP_ERR | TW_PKT_F_ICMP_QUOTE);
	assert_v4(&p.icmp_q_src, "10.0.0.1");
	assert_v4(&p.icmp_q_dst, "10.0.0.2");
	cr_assert_eq(p.icmp_q_proto, 17);
	cr_assert_eq(p.icmp_q_sport, 33000);
	cr_assert_eq(p.icmp_q_dport, 161);
	check_truncations(TW_LINK_ETHERNET, &f);
	/* quote cut inside the ports: addresses only */
	assert_res(dec(TW_LINK_ETHERNET, f.b, 14 + 20 + 8 + 24 + 3, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_ICMP_ERR | TW_PKT_F_ICMP_QUOTE | TW_PKT_F_L4_TRUNC);
	cr_assert_eq(p.icmp_q_sport, 0);
	/* quote cut inside the IP header: flag only */
	assert_res(dec(TW_LINK_ETHERNET, f.b, 14 + 20 + 8 + 23, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_ICMP_ERR | TW_PKT_F_L4_TRUNC);
	cr_assert(tw_addr_is_zero(&p.icmp_q_src));

	/* every v4 error type; echo and others are not errors */
	for (int t = 0; t < 256; t++) {
		bool err = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;

		f.b[14 + 20] = (uint8_t)t;
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		cr_assert_eq(!!(p.flags & TW_PKT_F_ICMP_ERR), err, "type %d", t);
	}

	/* ICMPv6 time exceeded quoting TCP */
	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 58, "2001:db8::fe", "2001:db8::1", 64);
	icmp(&f, 3, 0, 0, 0);
	{
		struct fb q;

		fb_init(&q);
		ip6(&q, 6, "2001:db8::1", "2001:db8::99", 1);
		tcp(&q, 40000, 22, 1, 0, 0x02, 0);
		fb_finish(&q);
		put(&f, q.b, q.n);
	}
	fb_finish(&f);
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	assert_addr(&p.src, "2001:db8::fe");
	cr_assert_eq(p.flags, TW_PKT_F_ICMP_ERR | TW_PKT_F_ICMP_QUOTE);
	assert_addr(&p.icmp_q_dst, "2001:db8::99");
	cr_assert_eq(p.icmp_q_proto, 6);
	cr_assert_eq(p.icmp_q_dport, 22);
	for (int t = 0; t < 256; t++) {
		f.b[14 + 40] = (uint8_t)t;
		assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
		cr_assert_eq(!!(p.flags & TW_PKT_F_ICMP_ERR), t >= 1 && t <= 4,
			     "type %d", t);
	}
	/* v4 header quoted in ICMPv6: flag only */
	f.b[14 + 40] = 1;
	f.b[14 + 48] = 0x45;
	assert_res(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	cr_assert_eq(p.flags, TW_PKT_F_ICMP_ERR);
}

/* ------------------------------------------------------------------ */
/* Results                                                             */
/* ------------------------------------------------------------------ */

Test(decode_result, names)
{
	for (int i = 0; i < TW_DEC__COUNT; i++) {
		const char *n = tw_decode_result_name((enum tw_decode_result)i);

		cr_assert_not_null(n);
		cr_assert_gt(strlen(n), 0);
		cr_assert_str_neq(n, "unknown");
		for (const char *c = n; *c; c++)
			cr_assert((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
				  *c == '_', "name %s not snake_case", n);
		for (int j = 0; j < i; j++)
			cr_assert_str_neq(n, tw_decode_result_name((enum tw_decode_result)j));
	}
	cr_assert_str_eq(tw_decode_result_name(TW_DEC_OK), "ok");
	cr_assert_str_eq(tw_decode_result_name(TW_DEC_NOT_IP), "not_ip");
	cr_assert_str_eq(tw_decode_result_name(TW_DEC_ERR_IPV4_SHORT), "ipv4_short");
	cr_assert_str_eq(tw_decode_result_name(TW_DEC__COUNT), "unknown");
	cr_assert_str_eq(tw_decode_result_name((enum tw_decode_result)-1), "unknown");
}

/* Every result value is produced by some frame. */
Test(decode_result, every_value_reachable)
{
	bool seen[TW_DEC__COUNT] = {0};
	struct fb f, g;
	struct tw_pkt p;
	enum tw_decode_result r;

#define SEE(expr, want)                                                          \
	do {                                                                     \
		r = (expr);                                                      \
		assert_res(r, want);                                             \
		seen[r] = true;                                                  \
	} while (0)

	build_eth_tcp(&f, 8);
	SEE(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	SEE(dec(TW_LINK_ETHERNET, f.b, 13, &p), TW_DEC_ERR_LINK_SHORT);
	SEE(dec(TW_LINK_ETHERNET, f.b, 33, &p), TW_DEC_ERR_IPV4_SHORT);
	SEE(dec(TW_LINK_ETHERNET, f.b, 53, &p), TW_DEC_ERR_TCP_SHORT);
	SEE(decf((enum tw_linktype)12345, &f, &p), TW_DEC_UNSUPPORTED_LINK);
	g = f;
	g.b[14] = 0x43;
	SEE(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV4_HLEN);
	g = f;
	set16(&g, 16, 10);
	SEE(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IPV4_TOTLEN);
	g = f;
	g.b[14] = 0x75;
	SEE(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_IP_VERSION);
	g = f;
	g.b[46] = 0x30;
	SEE(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_ERR_TCP_HLEN);
	g = f;
	set16(&g, 12, 0x0806);
	SEE(decf(TW_LINK_ETHERNET, &g, &p), TW_DEC_NOT_IP);
	g = f;
	set16(&g, 12, 0x8100);
	SEE(dec(TW_LINK_ETHERNET, g.b, 16, &p), TW_DEC_ERR_VLAN_SHORT);

	fb_init(&f);
	eth(&f, 0x8100);
	for (int i = 0; i <= TW_DECODE_MAX_VLAN; i++)
		vlan(&f, 1, 0x8100);
	putz(&f, 20);
	SEE(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_VLAN_DEPTH);

	fb_init(&f);
	eth(&f, 0x86dd);
	ip6(&f, 0, "::1", "::2", 1);
	ext6(&f, 17, 1);
	udp(&f, 1, 2);
	fb_finish(&f);
	SEE(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	SEE(dec(TW_LINK_ETHERNET, f.b, 14 + 39, &p), TW_DEC_ERR_IPV6_SHORT);
	SEE(dec(TW_LINK_ETHERNET, f.b, 14 + 40 + 15, &p), TW_DEC_ERR_IPV6_EXT);
	SEE(dec(TW_LINK_ETHERNET, f.b, 14 + 40 + 16 + 7, &p), TW_DEC_ERR_UDP_SHORT);

	fb_init(&f);
	ip4(&f, 1, "1.2.3.4", "5.6.7.8", 1, 0, 0);
	icmp(&f, 8, 0, 1, 1);
	fb_finish(&f);
	SEE(dec(TW_LINK_RAW, f.b, 27, &p), TW_DEC_ERR_ICMP_SHORT);

	build_nested(&f, 3);
	SEE(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_OK);
	build_nested(&f, TW_DECODE_MAX_TUNNELS + 1);
	SEE(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_TUNNEL_DEPTH);
	/* 3rd encapsulation (VXLAN) header cut */
	SEE(dec(TW_LINK_ETHERNET, f.b, 14 + 20 + 20 + 4 + 20 + 8 + 7, &p),
	    TW_DEC_ERR_VXLAN);
	/* 2nd (GRE) header cut */
	SEE(dec(TW_LINK_ETHERNET, f.b, 14 + 20 + 20 + 7, &p), TW_DEC_ERR_GRE);

	fb_init(&f);
	eth(&f, 0x8847);
	mpls(&f, 3, false);
	SEE(decf(TW_LINK_ETHERNET, &f, &p), TW_DEC_ERR_MPLS);

	fb_init(&f);
	ip4(&f, 47, "1.2.3.4", "5.6.7.8", 1, 0, 0);
	gre(&f, GRE_S, 0x88be, 0);
	putz(&f, 7);
	fb_finish(&f);
	SEE(decf(TW_LINK_RAW, &f, &p), TW_DEC_ERR_ERSPAN);

	fb_init(&f);
	ip4(&f, 17, "1.2.3.4", "5.6.7.8", 1, 0, 0);
	udp(&f, 1, 6081);
	put32(&f, 0x80006558);
	fb_finish(&f);
	SEE(decf(TW_LINK_RAW, &f, &p), TW_DEC_ERR_GENEVE);

	for (int i = 0; i < TW_DEC__COUNT; i++)
		cr_assert(seen[i], "result %s never produced",
			  tw_decode_result_name((enum tw_decode_result)i));
#undef SEE
}

/* Garbage of every length for every link type must not crash, and any OK
 * result must have its pointers inside the buffer (checked in dec()). */
Test(decode_result, pseudo_random_frames)
{
	static const enum tw_linktype links[] = {
		TW_LINK_NULL, TW_LINK_ETHERNET, TW_LINK_RAW,
		TW_LINK_LOOP, TW_LINK_LINUX_SLL, TW_LINK_LINUX_SLL2,
	};
	uint8_t buf[256];
	uint32_t x = 0x12345678;
	struct tw_pkt p;

	for (int iter = 0; iter < 20000; iter++) {
		uint32_t len;

		for (unsigned i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (uint8_t)x;
		}
		/* bias towards plausible headers */
		buf[12] = 0x08;
		buf[13] = (iter & 1) ? 0x00 : 0x06;
		if (iter & 2) {
			buf[12] = 0x86;
			buf[13] = 0xdd;
		}
		buf[14] = (uint8_t)((iter & 4 ? 0x60 : 0x45) | (buf[14] & 0x0f));
		len = x % sizeof(buf);
		(void)dec(links[iter % 6], buf, len, &p);
	}
}
