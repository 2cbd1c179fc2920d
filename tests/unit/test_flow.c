/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — unit tests for dataplane/flow: canonical keys, creation and
 * lookup, initiator, TCP state, per-direction counters, expiry through the
 * timer wheel (per protocol/state, never early, bounded work after a long
 * gap, no stall), eviction when full, flush and the counters.
 *
 * The table needs the EAL (rte_hash, rte_zmalloc). Criterion runs every test
 * in its own process, so each test initialises the EAL from the suite's
 * .init fixture, without hugepages, PCI, shared config or telemetry.
 * Decoded packets are built as struct tw_pkt directly.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "dataplane/decode/decode.h"
#include "dataplane/flow/flow.h"
#include "dataplane/port/port.h"
#include "tw/addr.h"
#include "tw/event.h"

#define SEC 1000000000ull
#define MS 1000000ull
/* a realistic packet time: 2023-11-14T22:13:20Z */
#define T0 (1700000000ull * SEC)

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static void
eal_up(void)
{
	char *argv[] = {"test-flow", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			"--no-telemetry", "--log-level=lib.eal:error", "-l", "0", NULL};
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	int rc = rte_eal_init(argc, argv);
	cr_assert_geq(rc, 0, "rte_eal_init failed: %s", rte_strerror(rte_errno));
}

static void
eal_down(void)
{
	rte_eal_cleanup();
}

TestSuite(flow, .init = eal_up, .fini = eal_down, .timeout = 60);

/* ---------------------------------------------------------------- helpers */

static const struct tw_flow_timeouts TO = {
	.tcp_new_ns = 30 * SEC,
	.tcp_established_ns = 300 * SEC,
	.tcp_closed_ns = 5 * SEC,
	.udp_ns = 60 * SEC,
	.icmp_ns = 20 * SEC,
	.other_ns = 45 * SEC,
	.update_interval_ns = 0,
};

static struct tw_flow_table *
table(uint32_t capacity, const struct tw_flow_timeouts *to)
{
	static unsigned seq;
	char name[32];
	snprintf(name, sizeof(name), "ft-test-%u", seq++);
	struct tw_flow_table *ft = tw_flow_table_create(name, capacity, to ? to : &TO, (int)rte_socket_id());
	cr_assert_not_null(ft, "tw_flow_table_create: %s", rte_strerror(rte_errno));
	cr_assert_eq(tw_flow_capacity(ft), capacity);
	return ft;
}

static struct tw_addr
A(const char *s)
{
	struct tw_addr a;
	cr_assert_eq(tw_addr_parse(s, &a), 0, "cannot parse %s", s);
	return a;
}

static struct tw_pkt
pkt(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags)
{
	struct tw_pkt p;
	memset(&p, 0, sizeof(p));
	p.src = A(src);
	p.dst = A(dst);
	p.sport = sport;
	p.dport = dport;
	p.proto = proto;
	p.ip_version = tw_addr_is_v4(&p.src) ? 4 : 6;
	p.tcp_flags = proto == IPPROTO_TCP ? flags : 0;
	p.ethertype = p.ip_version == 4 ? 0x0800 : 0x86dd;
	/* a MAC derived from the source address, to check per-direction MACs */
	p.src_mac[0] = 0x02;
	memcpy(&p.src_mac[2], &p.src.b[12], 4);
	return p;
}

static struct tw_pkt
tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport, uint8_t flags)
{
	return pkt(IPPROTO_TCP, src, sport, dst, dport, flags);
}

static struct tw_pkt
udp(const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	return pkt(IPPROTO_UDP, src, sport, dst, dport, 0);
}

/* decode's ICMP convention: sport = type<<8|code, dport = echo identifier */
static struct tw_pkt
icmp(const char *src, const char *dst, uint8_t type, uint8_t code, uint16_t id)
{
	bool v6 = strchr(src, ':') != NULL;
	struct tw_pkt p = pkt(v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP, src, (uint16_t)(type << 8 | code), dst, id, 0);
	p.icmp_type = type;
	p.icmp_code = code;
	return p;
}

/* What the end callback saw. */
#define MAX_ENDED 16384
struct ended {
	unsigned n;
	unsigned by_reason[8];
	struct {
		struct tw_flow_key key;
		uint8_t reason;
		uint64_t at;
		uint64_t pkts;
	} e[MAX_ENDED];
	uint64_t now; /* packet time of the current call, set by the test */
};
static struct ended *ended;

static void
on_end(struct tw_flow *f, uint8_t reason, void *ctx)
{
	struct ended *d = ctx;
	cr_assert_eq(d, ended);
	cr_assert(f->in_use, "end callback for a flow not in use");
	cr_assert_lt(reason, 8);
	d->by_reason[reason]++;
	if (d->n < MAX_ENDED) {
		d->e[d->n].key = f->key;
		d->e[d->n].reason = reason;
		d->e[d->n].at = d->now;
		d->e[d->n].pkts = f->pkts[0] + f->pkts[1];
	}
	d->n++;
}

static void
reset_ended(void)
{
	if (ended == NULL)
		ended = calloc(1, sizeof(*ended));
	cr_assert_not_null(ended);
	memset(ended, 0, sizeof(*ended));
}

/* index of the end record of the flow of packet p, or -1 */
static int
find_ended(const struct tw_pkt *p, uint16_t zone)
{
	struct tw_flow_key k;
	tw_flow_key_make(p, zone, &k);
	for (unsigned i = 0; i < ended->n && i < MAX_ENDED; i++)
		if (memcmp(&ended->e[i].key, &k, sizeof(k)) == 0)
			return (int)i;
	return -1;
}

static struct tw_flow *
feed_z(struct tw_flow_table *ft, const struct tw_pkt *p, uint16_t zone, uint64_t now, uint32_t wire, bool *created,
       unsigned *dir)
{
	bool c;
	unsigned d;
	ended->now = now;
	struct tw_flow *f = tw_flow_get(ft, p, zone, now, &c, &d, on_end, ended);
	cr_assert_not_null(f, "tw_flow_get returned NULL");
	tw_flow_account(ft, f, p, d, wire, now);
	if (created)
		*created = c;
	if (dir)
		*dir = d;
	return f;
}

static struct tw_flow *
feed(struct tw_flow_table *ft, const struct tw_pkt *p, uint64_t now)
{
	return feed_z(ft, p, 0, now, 100, NULL, NULL);
}

static unsigned
expire(struct tw_flow_table *ft, uint64_t now, unsigned max_work)
{
	ended->now = now;
	return tw_flow_expire(ft, now, max_work, on_end, ended);
}

static void
check_counters_balance(const struct tw_flow_table *ft)
{
	const struct tw_flow_counters *c = tw_flow_counters(ft);
	cr_assert_eq(c->created, c->ended + c->evicted + c->flushed + c->active,
		     "created %lu != ended %lu + evicted %lu + flushed %lu + active %lu", (unsigned long)c->created,
		     (unsigned long)c->ended, (unsigned long)c->evicted, (unsigned long)c->flushed,
		     (unsigned long)c->active);
	cr_assert_eq(ended->n, c->ended + c->evicted + c->flushed, "callbacks %u != ended+evicted+flushed", ended->n);
}

/* ---------------------------------------------------------------- keys */

static void
check_symmetric(struct tw_pkt a)
{
	struct tw_pkt b = a;
	b.src = a.dst;
	b.dst = a.src;
	b.sport = a.dport;
	b.dport = a.sport;
	struct tw_flow_key ka, kb;
	unsigned da = tw_flow_key_make(&a, 7, &ka);
	unsigned db = tw_flow_key_make(&b, 7, &kb);
	cr_assert(memcmp(&ka, &kb, sizeof(ka)) == 0, "both directions must share the key");
	cr_assert_eq(da ^ db, 1, "directions must be opposite");
	cr_assert_eq(ka.proto, a.proto);
	cr_assert_eq(ka.zone, 7);
	/* key.lo is the side that compares lower; dir 0 = from lo */
	const struct tw_pkt *from_lo = da == 0 ? &a : &b;
	cr_assert(tw_addr_eq(&ka.lo, &from_lo->src));
	cr_assert(tw_addr_eq(&ka.hi, &from_lo->dst));
	cr_assert_eq(ka.plo, from_lo->sport);
	cr_assert_eq(ka.phi, from_lo->dport);
	cr_assert_leq(tw_addr_cmp(&ka.lo, &ka.hi), 0);
}

Test(flow, key_tcp_udp_symmetric)
{
	check_symmetric(tcp("10.0.0.1", 50000, "10.0.0.2", 443, F_SYN));
	check_symmetric(tcp("10.0.0.2", 50000, "10.0.0.1", 443, F_SYN));
	check_symmetric(udp("192.168.1.52", 54585, "8.8.8.8", 53));
	check_symmetric(udp("8.8.8.8", 53, "192.168.1.52", 54585));
	check_symmetric(tcp("2001:db8::1", 1234, "2001:db8::2", 22, F_ACK));
	check_symmetric(udp("fe80::2", 546, "ff02::1:2", 547));
	/* same address both ends: the ports decide */
	check_symmetric(udp("127.0.0.1", 40000, "127.0.0.1", 53));
	check_symmetric(udp("127.0.0.1", 53, "127.0.0.1", 40000));
}

Test(flow, key_distinguishes)
{
	struct tw_flow_key k1, k2;
	struct tw_pkt p = tcp("10.0.0.1", 50000, "10.0.0.2", 443, F_SYN);
	tw_flow_key_make(&p, 0, &k1);
	tw_flow_key_make(&p, 1, &k2);
	cr_assert(memcmp(&k1, &k2, sizeof(k1)) != 0, "zone is part of the key");
	struct tw_pkt q = udp("10.0.0.1", 50000, "10.0.0.2", 443);
	tw_flow_key_make(&q, 0, &k2);
	cr_assert(memcmp(&k1, &k2, sizeof(k1)) != 0, "protocol is part of the key");
	q = tcp("10.0.0.1", 50001, "10.0.0.2", 443, F_SYN);
	tw_flow_key_make(&q, 0, &k2);
	cr_assert(memcmp(&k1, &k2, sizeof(k1)) != 0, "ports are part of the key");
	/* padding is zeroed: keys made from garbage-filled structs compare equal */
	struct tw_flow_key g1, g2;
	memset(&g1, 0xa5, sizeof(g1));
	memset(&g2, 0x5a, sizeof(g2));
	tw_flow_key_make(&p, 3, &g1);
	tw_flow_key_make(&p, 3, &g2);
	cr_assert(memcmp(&g1, &g2, sizeof(g1)) == 0);
}

Test(flow, key_icmp_echo_shares_flow)
{
	struct tw_pkt req = icmp("192.168.0.89", "192.168.0.1", 8, 0, 1234);
	struct tw_pkt rep = icmp("192.168.0.1", "192.168.0.89", 0, 0, 1234);
	struct tw_flow_key kq, kp;
	unsigned dq = tw_flow_key_make(&req, 0, &kq);
	unsigned dp = tw_flow_key_make(&rep, 0, &kp);
	cr_assert(memcmp(&kq, &kp, sizeof(kq)) == 0, "echo request and reply share a key");
	cr_assert_eq(dq ^ dp, 1);
	cr_assert_eq(kq.plo, 1234);
	cr_assert_eq(kq.phi, 1234);

	struct tw_pkt other = icmp("192.168.0.89", "192.168.0.1", 8, 0, 1235);
	struct tw_flow_key ko;
	tw_flow_key_make(&other, 0, &ko);
	cr_assert(memcmp(&kq, &ko, sizeof(kq)) != 0, "another identifier is another flow");

	struct tw_pkt r6 = icmp("2001:db8::1", "2001:db8::2", 128, 0, 9);
	struct tw_pkt p6 = icmp("2001:db8::2", "2001:db8::1", 129, 0, 9);
	tw_flow_key_make(&r6, 0, &kq);
	tw_flow_key_make(&p6, 0, &kp);
	cr_assert(memcmp(&kq, &kp, sizeof(kq)) == 0, "ICMPv6 echo request and reply share a key");
	cr_assert_eq(kq.proto, IPPROTO_ICMPV6);
}

/* ---------------------------------------------------------------- table */

Test(flow, insert_lookup)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt a = tcp("10.0.0.2", 50000, "10.0.0.1", 443, F_SYN);
	struct tw_pkt b = tcp("10.0.0.1", 443, "10.0.0.2", 50000, F_SYN | F_ACK);
	bool created;
	unsigned da, db;

	struct tw_flow *f1 = feed_z(ft, &a, 0, T0 + 5, 74, &created, &da);
	cr_assert(created);
	cr_assert(f1->in_use);
	cr_assert_eq(f1->first_ns, T0 + 5);
	cr_assert_eq(f1->ip_version, 4);
	struct tw_flow *f2 = feed_z(ft, &b, 0, T0 + 7, 74, &created, &db);
	cr_assert(!created);
	cr_assert_eq(f1, f2, "the reverse direction finds the same flow");
	cr_assert_eq(da ^ db, 1);
	cr_assert_eq(da, 1, "10.0.0.2 is key.hi: its packets are direction 1");
	cr_assert_eq(f1->first_ns, T0 + 5);
	cr_assert_eq(f1->last_ns, T0 + 7);
	struct tw_flow *f3 = feed_z(ft, &a, 0, T0 + 9, 66, &created, NULL);
	cr_assert(!created);
	cr_assert_eq(f3, f1);

	/* another zone is another flow */
	struct tw_flow *f4 = feed_z(ft, &a, 5, T0 + 9, 66, &created, NULL);
	cr_assert(created);
	cr_assert_neq(f4, f1);
	/* and an IPv6 flow */
	struct tw_pkt v6 = udp("2001:db8::1", 5353, "2001:db8::2", 5353);
	struct tw_flow *f5 = feed_z(ft, &v6, 0, T0 + 9, 66, &created, NULL);
	cr_assert(created);
	cr_assert_eq(f5->ip_version, 6);

	const struct tw_flow_counters *c = tw_flow_counters(ft);
	cr_assert_eq(c->created, 3);
	cr_assert_eq(c->active, 3);
	cr_assert_eq(c->ended + c->evicted + c->flushed + c->add_failed, 0);
	tw_flow_table_free(ft);
}

Test(flow, icmp_echo_one_flow)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt req = icmp("192.168.0.89", "192.168.0.1", 8, 0, 77);
	struct tw_pkt rep = icmp("192.168.0.1", "192.168.0.89", 0, 0, 77);
	bool created;
	unsigned dq, dp;
	struct tw_flow *f = feed_z(ft, &req, 0, T0, 98, &created, &dq);
	cr_assert(created);
	cr_assert_eq(f->client_dir, dq, "the echo requester is the client");
	cr_assert_eq(feed_z(ft, &rep, 0, T0 + MS, 98, &created, &dp), f);
	cr_assert(!created);
	cr_assert_eq(f->pkts[dq], 1);
	cr_assert_eq(f->pkts[dp], 1);
	cr_assert_eq(f->tcp_state, TW_TCP_NONE);
	cr_assert_eq(tw_flow_counters(ft)->created, 1);

	/* a reply seen first: the other side asked */
	struct tw_pkt rep2 = icmp("192.168.0.1", "192.168.0.89", 0, 0, 78);
	f = feed_z(ft, &rep2, 0, T0, 98, &created, &dp);
	cr_assert(created);
	cr_assert_eq(f->client_dir, dp ^ 1);
	tw_flow_table_free(ft);
}

/* ---------------------------------------------------------------- initiator */

Test(flow, initiator_from_syn)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	/* client on either side of the canonical order */
	const char *clients[] = {"10.0.0.1", "10.0.0.9"};
	for (unsigned i = 0; i < 2; i++) {
		struct tw_pkt syn = tcp(clients[i], 40000, "10.0.0.5", 8080, F_SYN);
		unsigned dir;
		struct tw_flow *f = feed_z(ft, &syn, 0, T0, 74, NULL, &dir);
		cr_assert_eq(f->client_dir, dir, "the SYN sender is the client");
		cr_assert_eq(f->tcp_state, TW_TCP_SYN);
		cr_assert(tw_addr_eq(f->client_dir == 0 ? &f->key.lo : &f->key.hi, &syn.src));
	}
	/* a SYN from a well-known port to a high port still makes its sender the client */
	struct tw_pkt odd = tcp("10.0.0.3", 80, "10.0.0.4", 50000, F_SYN);
	unsigned dir;
	struct tw_flow *f = feed_z(ft, &odd, 0, T0, 74, NULL, &dir);
	cr_assert_eq(f->client_dir, dir);
	tw_flow_table_free(ft);
}

Test(flow, initiator_from_synack_seen_first)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	const char *servers[] = {"10.0.0.1", "10.0.0.9"};
	for (unsigned i = 0; i < 2; i++) {
		struct tw_pkt sa = tcp(servers[i], 8080, "10.0.0.5", 40000, F_SYN | F_ACK);
		unsigned dir;
		struct tw_flow *f = feed_z(ft, &sa, 0, T0, 74, NULL, &dir);
		cr_assert_eq(f->client_dir, dir ^ 1, "the SYN/ACK receiver is the client");
		cr_assert(tw_addr_eq(f->client_dir == 0 ? &f->key.lo : &f->key.hi, &sa.dst));
	}
	tw_flow_table_free(ft);
}

Test(flow, initiator_midstream_well_known_port)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	unsigned dir;
	struct tw_flow *f;

	/* a data packet from the server (port 443) seen first */
	struct tw_pkt p1 = tcp("10.0.0.1", 443, "10.0.0.9", 51515, F_ACK | F_PSH);
	f = feed_z(ft, &p1, 0, T0, 1500, NULL, &dir);
	cr_assert_eq(f->client_dir, dir ^ 1, "port 443 is the server");
	cr_assert_eq(f->tcp_state, TW_TCP_EST, "mid-stream pickup is established");

	/* a data packet from the client (ephemeral -> 22) seen first */
	struct tw_pkt p2 = tcp("10.0.0.9", 40001, "10.0.0.1", 22, F_ACK);
	f = feed_z(ft, &p2, 0, T0, 66, NULL, &dir);
	cr_assert_eq(f->client_dir, dir, "the sender to port 22 is the client");
	cr_assert_eq(f->tcp_state, TW_TCP_EST);

	/* UDP: a DNS answer seen first */
	struct tw_pkt p3 = udp("8.8.8.8", 53, "192.168.1.52", 54585);
	f = feed_z(ft, &p3, 0, T0, 90, NULL, &dir);
	cr_assert_eq(f->client_dir, dir ^ 1, "port 53 is the server");
	struct tw_pkt p4 = udp("192.168.1.52", 54586, "8.8.8.8", 53);
	f = feed_z(ft, &p4, 0, T0, 90, NULL, &dir);
	cr_assert_eq(f->client_dir, dir);

	/* registered port answering an ephemeral (>= 49152) one */
	struct tw_pkt p5 = tcp("10.0.0.1", 8443, "10.0.0.9", 50001, F_ACK);
	f = feed_z(ft, &p5, 0, T0, 66, NULL, &dir);
	cr_assert_eq(f->client_dir, dir ^ 1, "8443 answering an ephemeral port is the server");
	tw_flow_table_free(ft);
}

/* ---------------------------------------------------------------- TCP state */

Test(flow, tcp_handshake_and_fin)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt c2s = tcp("10.0.0.9", 40000, "10.0.0.1", 80, 0);
	struct tw_pkt s2c = tcp("10.0.0.1", 80, "10.0.0.9", 40000, 0);
	uint64_t t = T0;
	unsigned cd, sd;

	c2s.tcp_flags = F_SYN;
	struct tw_flow *f = feed_z(ft, &c2s, 0, t, 74, NULL, &cd);
	cr_assert_eq(f->tcp_state, TW_TCP_SYN);
	s2c.tcp_flags = F_SYN | F_ACK;
	feed_z(ft, &s2c, 0, t += MS, 74, NULL, &sd);
	cr_assert_eq(f->tcp_state, TW_TCP_SYNACK);
	c2s.tcp_flags = F_ACK;
	feed(ft, &c2s, t += MS);
	cr_assert_eq(f->tcp_state, TW_TCP_EST);
	c2s.tcp_flags = F_ACK | F_PSH;
	feed(ft, &c2s, t += MS);
	s2c.tcp_flags = F_ACK | F_PSH;
	feed(ft, &s2c, t += MS);
	cr_assert_eq(f->tcp_state, TW_TCP_EST);
	c2s.tcp_flags = F_FIN | F_ACK;
	feed(ft, &c2s, t += MS);
	cr_assert_eq(f->tcp_state, TW_TCP_FIN1);
	s2c.tcp_flags = F_FIN | F_ACK;
	feed(ft, &s2c, t += MS);
	cr_assert_eq(f->tcp_state, TW_TCP_CLOSED);
	cr_assert_eq(f->end_reason, TW_END_FIN);
	c2s.tcp_flags = F_ACK;
	feed(ft, &c2s, t += MS);
	cr_assert_eq(f->tcp_state, TW_TCP_CLOSED);
	cr_assert_eq(f->tcp_flags[cd], F_SYN | F_ACK | F_PSH | F_FIN);
	cr_assert_eq(f->tcp_flags[sd], F_SYN | F_ACK | F_PSH | F_FIN);
	cr_assert_eq(f->fin_dirs, 3);

	/* ends through the wheel with reason FIN */
	expire(ft, t, 1000);
	for (uint64_t now = t; now < t + 20 * SEC; now += 100 * MS)
		expire(ft, now, 1000);
	cr_assert_eq(ended->n, 1);
	cr_assert_eq(ended->e[0].reason, TW_END_FIN);
	tw_flow_table_free(ft);
}

Test(flow, tcp_syn_ack_wrong_direction_not_synack)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt syn = tcp("10.0.0.9", 40000, "10.0.0.1", 80, F_SYN);
	struct tw_flow *f = feed(ft, &syn, T0);
	/* a SYN/ACK from the client itself (retransmission oddity) is not an answer */
	syn.tcp_flags = F_SYN | F_ACK;
	feed(ft, &syn, T0 + MS);
	cr_assert_eq(f->tcp_state, TW_TCP_SYN);
	tw_flow_table_free(ft);
}

Test(flow, tcp_rst_closes)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt c2s = tcp("10.0.0.9", 40000, "10.0.0.1", 80, F_ACK);
	struct tw_pkt s2c = tcp("10.0.0.1", 80, "10.0.0.9", 40000, F_RST);
	struct tw_flow *f = feed(ft, &c2s, T0);
	cr_assert_eq(f->tcp_state, TW_TCP_EST);
	feed(ft, &s2c, T0 + MS);
	cr_assert_eq(f->tcp_state, TW_TCP_CLOSED);
	cr_assert_eq(f->end_reason, TW_END_RST);
	/* a late FIN does not change the reason */
	c2s.tcp_flags = F_FIN | F_ACK;
	feed(ft, &c2s, T0 + 2 * MS);
	cr_assert_eq(f->tcp_state, TW_TCP_CLOSED);
	cr_assert_eq(f->end_reason, TW_END_RST);

	/* a RST as the very first packet */
	struct tw_pkt r = tcp("10.0.0.1", 81, "10.0.0.9", 40000, F_RST | F_ACK);
	struct tw_flow *g = feed(ft, &r, T0);
	cr_assert_eq(g->tcp_state, TW_TCP_CLOSED);
	cr_assert_eq(g->end_reason, TW_END_RST);
	tw_flow_table_free(ft);
}

Test(flow, fragments_do_not_change_state)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt p = tcp("10.0.0.9", 40000, "10.0.0.1", 80, F_SYN);
	struct tw_flow *f = feed(ft, &p, T0);
	struct tw_pkt frag = p;
	frag.tcp_flags = F_RST; /* garbage: a later fragment has no TCP header */
	frag.flags = TW_PKT_F_FRAG | TW_PKT_F_FRAG_LATER;
	feed(ft, &frag, T0 + MS);
	cr_assert_eq(f->tcp_state, TW_TCP_SYN);
	cr_assert_eq(f->pkts[0] + f->pkts[1], 2, "fragments are still counted");
	tw_flow_table_free(ft);
}

/* ---------------------------------------------------------------- counters */

Test(flow, per_direction_counters_use_wire_length)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt c2s = tcp("10.0.0.9", 40000, "10.0.0.1", 80, F_ACK);
	struct tw_pkt s2c = tcp("10.0.0.1", 80, "10.0.0.9", 40000, F_ACK);
	unsigned cd, sd;
	struct tw_flow *f = feed_z(ft, &c2s, 0, T0, 1514, NULL, &cd);
	feed_z(ft, &c2s, 0, T0 + 1, 1514, NULL, NULL);
	feed_z(ft, &c2s, 0, T0 + 2, 9014, NULL, NULL); /* jumbo; captured bytes do not matter */
	feed_z(ft, &s2c, 0, T0 + 3, 60, NULL, &sd);
	feed_z(ft, &s2c, 0, T0 + 4, 64, NULL, NULL);
	cr_assert_eq(cd ^ sd, 1);
	cr_assert_eq(f->pkts[cd], 3);
	cr_assert_eq(f->bytes[cd], 1514 + 1514 + 9014);
	cr_assert_eq(f->pkts[sd], 2);
	cr_assert_eq(f->bytes[sd], 124);
	cr_assert_eq(f->first_ns, T0);
	cr_assert_eq(f->last_ns, T0 + 4);
	/* source MAC of each direction's first packet */
	cr_assert(memcmp(f->mac[cd], c2s.src_mac, 6) == 0);
	cr_assert(memcmp(f->mac[sd], s2c.src_mac, 6) == 0);
	/* an out-of-order (older) packet does not move last_ns back */
	feed_z(ft, &s2c, 0, T0 + 1, 64, NULL, NULL);
	cr_assert_eq(f->last_ns, T0 + 4);

	/* 64-bit byte counters */
	for (int i = 0; i < 3; i++)
		feed_z(ft, &c2s, 0, T0 + 10, 0xffffffffu, NULL, NULL);
	cr_assert_eq(f->bytes[cd], 1514ull + 1514 + 9014 + 3ull * 0xffffffffu);
	tw_flow_table_free(ft);
}

/* ---------------------------------------------------------------- expiry */

/* Step packet time in 100 ms increments from `from` to `to`, expiring with a
 * generous budget; returns the time at which the flow of p ended (0 = not). */
static uint64_t
step_until_ended(struct tw_flow_table *ft, const struct tw_pkt *p, uint64_t from, uint64_t to)
{
	for (uint64_t now = from; now <= to; now += 100 * MS) {
		expire(ft, now, 100000);
		int i = find_ended(p, 0);
		if (i >= 0)
			return ended->e[i].at;
	}
	return 0;
}

/* The flow of p (last packet at `last`) must end at its deadline, within the
 * 1 s wheel tick, never before. */
static void
check_expires_at(struct tw_flow_table *ft, const struct tw_pkt *p, uint64_t last, uint64_t timeout,
		 uint8_t reason)
{
	uint64_t at = step_until_ended(ft, p, last, last + timeout + 5 * SEC);
	cr_assert_neq(at, 0, "flow did not expire within %lu s", (unsigned long)(timeout / SEC + 5));
	cr_assert_geq(at, last + timeout, "expired early: %lu ms before the deadline",
		      (unsigned long)((last + timeout - at) / MS));
	cr_assert_leq(at, last + timeout + SEC, "expired late: %lu ms after the deadline",
		      (unsigned long)((at - last - timeout) / MS));
	cr_assert_eq(ended->e[find_ended(p, 0)].reason, reason);
}

Test(flow, expiry_udp)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt p = udp("10.0.0.9", 40000, "10.0.0.1", 53);
	uint64_t t = T0 + 300 * MS;
	expire(ft, t, 100);
	feed(ft, &p, t);
	check_expires_at(ft, &p, t, TO.udp_ns, TW_END_TIMEOUT);
	cr_assert_eq(tw_flow_counters(ft)->ended, 1);
	cr_assert_eq(tw_flow_counters(ft)->active, 0);
	check_counters_balance(ft);
	tw_flow_table_free(ft);
}

Test(flow, expiry_icmp_and_other)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt e = icmp("10.0.0.9", "10.0.0.1", 8, 0, 1);
	struct tw_pkt gre = pkt(47, "10.0.0.9", 0, "10.0.0.1", 0, 0);
	struct tw_pkt e6 = icmp("2001:db8::9", "2001:db8::1", 128, 0, 1);
	uint64_t t = T0 + 999 * MS;
	expire(ft, t, 100);
	feed(ft, &e, t);
	feed(ft, &gre, t);
	feed(ft, &e6, t);
	check_expires_at(ft, &e, t, TO.icmp_ns, TW_END_TIMEOUT);
	check_expires_at(ft, &e6, t, TO.icmp_ns, TW_END_TIMEOUT);
	check_expires_at(ft, &gre, t, TO.other_ns, TW_END_TIMEOUT);
	tw_flow_table_free(ft);
}

Test(flow, expiry_tcp_by_state)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	uint64_t t = T0 + 500 * MS;
	expire(ft, t, 100);

	/* SYN without answer: tcp_new */
	struct tw_pkt syn = tcp("10.0.0.9", 40000, "10.0.0.1", 80, F_SYN);
	feed(ft, &syn, t);
	/* established (mid-stream): tcp_established */
	struct tw_pkt est = tcp("10.0.0.9", 40001, "10.0.0.1", 80, F_ACK);
	feed(ft, &est, t);
	/* handshake completes: tcp_new until the slot passes, then established */
	struct tw_pkt hs = tcp("10.0.0.9", 40002, "10.0.0.1", 80, F_SYN);
	struct tw_pkt hs_r = tcp("10.0.0.1", 80, "10.0.0.9", 40002, F_SYN | F_ACK);
	feed(ft, &hs, t);
	feed(ft, &hs_r, t);
	hs.tcp_flags = F_ACK;
	feed(ft, &hs, t);

	check_expires_at(ft, &syn, t, TO.tcp_new_ns, TW_END_TIMEOUT);
	cr_assert_eq(find_ended(&hs, 0), -1, "an established flow does not end at tcp_new");
	check_expires_at(ft, &hs, t, TO.tcp_established_ns, TW_END_TIMEOUT);
	cr_assert_neq(find_ended(&est, 0), -1);
	uint64_t at = ended->e[find_ended(&est, 0)].at;
	cr_assert(at >= t + TO.tcp_established_ns && at <= t + TO.tcp_established_ns + SEC);
	tw_flow_table_free(ft);
}

Test(flow, expiry_tcp_closed_lingers_closed_timeout)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	uint64_t t = T0 + 100 * MS;
	expire(ft, t, 100);

	/* mid-stream pickup, then FIN both ways: ends tcp_closed after the last packet */
	struct tw_pkt a = tcp("10.0.0.9", 40000, "10.0.0.1", 80, F_ACK);
	struct tw_pkt b = tcp("10.0.0.1", 80, "10.0.0.9", 40000, F_ACK);
	feed(ft, &a, t);
	feed(ft, &b, t);
	for (int i = 0; i < 100; i++) /* 10 s of traffic */
		feed(ft, &a, t += 100 * MS);
	expire(ft, t, 100);
	a.tcp_flags = F_FIN | F_ACK;
	feed(ft, &a, t += 10 * MS);
	b.tcp_flags = F_FIN | F_ACK;
	feed(ft, &b, t += 10 * MS);
	a.tcp_flags = F_ACK;
	feed(ft, &a, t += 10 * MS);
	check_expires_at(ft, &a, t, TO.tcp_closed_ns, TW_END_FIN);

	/* SYN then RST: tcp_closed, reason RST (packet time goes on from where
	 * the wheel is) */
	t = ended->now;
	struct tw_pkt s = tcp("10.0.0.9", 40005, "10.0.0.1", 81, F_SYN);
	struct tw_pkt r = tcp("10.0.0.1", 81, "10.0.0.9", 40005, F_RST | F_ACK);
	feed(ft, &s, t);
	feed(ft, &r, t += MS);
	check_expires_at(ft, &s, t, TO.tcp_closed_ns, TW_END_RST);

	/* established, then RST: tcp_closed, not tcp_established */
	t = ended->now;
	struct tw_pkt e = tcp("10.0.0.9", 40006, "10.0.0.1", 82, F_ACK);
	feed(ft, &e, t);
	e.tcp_flags = F_RST;
	feed(ft, &e, t += MS);
	check_expires_at(ft, &e, t, TO.tcp_closed_ns, TW_END_RST);
	tw_flow_table_free(ft);
}

Test(flow, refreshed_flows_do_not_expire)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt p = udp("10.0.0.9", 40000, "10.0.0.1", 123);
	struct tw_pkt q = tcp("10.0.0.9", 40001, "10.0.0.1", 22, F_ACK);
	struct tw_pkt idle = udp("10.0.0.9", 40002, "10.0.0.1", 124);
	uint64_t t = T0;
	expire(ft, t, 100);
	feed(ft, &idle, t);
	/* a packet every 45 s (< udp 60 s) for an hour; tcp one every 250 s (< 300 s) */
	uint64_t end = T0 + 3600 * SEC;
	uint64_t next_udp = t, next_tcp = t;
	for (uint64_t now = t; now < end; now += 500 * MS) {
		if (now >= next_udp) {
			feed(ft, &p, now);
			next_udp += 45 * SEC;
		}
		if (now >= next_tcp) {
			feed(ft, &q, now);
			next_tcp += 250 * SEC;
		}
		expire(ft, now, 64);
	}
	cr_assert_eq(find_ended(&p, 0), -1, "a refreshed UDP flow expired");
	cr_assert_eq(find_ended(&q, 0), -1, "a refreshed TCP flow expired");
	cr_assert_neq(find_ended(&idle, 0), -1, "the idle flow did not expire");
	cr_assert_eq(ended->n, 1);
	cr_assert_eq(tw_flow_counters(ft)->active, 2);
	tw_flow_table_free(ft);
}

Test(flow, long_gap_bounded_work)
{
	reset_ended();
	const unsigned N = 3000, BUDGET = 100;
	struct tw_flow_table *ft = table(4096, NULL);
	uint64_t t = T0;
	expire(ft, t, BUDGET);
	char ip[32];
	for (unsigned i = 0; i < N; i++) {
		snprintf(ip, sizeof(ip), "10.1.%u.%u", i / 250, i % 250 + 1);
		struct tw_pkt p;
		switch (i % 4) {
		case 0:
			p = udp(ip, (uint16_t)(10000 + i), "10.0.0.1", 53);
			break;
		case 1:
			p = tcp(ip, (uint16_t)(10000 + i), "10.0.0.1", 443, F_ACK);
			break;
		case 2:
			p = tcp(ip, (uint16_t)(10000 + i), "10.0.0.1", 443, F_SYN);
			break;
		default:
			p = icmp(ip, "10.0.0.1", 8, 0, (uint16_t)i);
			break;
		}
		t = T0 + (uint64_t)i * 30 * MS; /* over 90 s */
		feed(ft, &p, t);
		if (i % 32 == 0)
			expire(ft, t, BUDGET);
	}
	unsigned before = ended->n; /* some icmp/tcp_new flows may already have ended */
	cr_assert_eq(tw_flow_counters(ft)->active + before, N);

	/* the capture resumes three days later */
	uint64_t later = T0 + 3 * 86400 * SEC;
	unsigned calls = 0;
	while (tw_flow_counters(ft)->active > 0) {
		unsigned n0 = ended->n;
		unsigned work = expire(ft, later, BUDGET);
		cr_assert_leq(work, BUDGET, "call %u examined %u flows", calls, work);
		cr_assert_leq(ended->n - n0, BUDGET, "call %u ended %u flows", calls, ended->n - n0);
		cr_assert_leq(ended->n - n0, work);
		calls++;
		cr_assert_lt(calls, 10 * N / BUDGET, "the wheel does not catch up");
	}
	cr_assert_geq(calls, (N - before) / BUDGET, "more than max_work flows per call");
	cr_assert_eq(ended->n, N);
	cr_assert_eq(ended->by_reason[TW_END_TIMEOUT], N);
	cr_assert_eq(tw_flow_counters(ft)->ended, N);
	check_counters_balance(ft);
	/* the wheel is usable at the new time */
	struct tw_pkt p = udp("10.9.9.9", 1, "10.0.0.1", 53);
	feed(ft, &p, later);
	check_expires_at(ft, &p, later, TO.udp_ns, TW_END_TIMEOUT);
	tw_flow_table_free(ft);
}

/* Timeouts longer than one turn of the wheel (4096 s), with more flows in
 * one second than the budget: the wheel must keep turning, so that other
 * flows still expire on time. */
Test(flow, long_timeouts_do_not_stall_the_wheel)
{
	reset_ended();
	struct tw_flow_timeouts to = TO;
	to.tcp_established_ns = 7200 * SEC;
	struct tw_flow_table *ft = table(1024, &to);
	const unsigned N = 200, BUDGET = 16;
	char ip[32];
	uint64_t t = T0;
	expire(ft, t, BUDGET);
	for (unsigned i = 0; i < N; i++) {
		snprintf(ip, sizeof(ip), "10.2.0.%u", i + 1);
		struct tw_pkt p = tcp(ip, 33000, "10.0.0.1", 443, F_ACK);
		feed(ft, &p, t);
	}
	struct tw_pkt u = udp("10.3.0.1", 5000, "10.0.0.1", 53);
	uint64_t u_at = T0 + 4000 * SEC; /* after the long flows first come up (7201 - 4096 s) */
	bool u_fed = false;
	for (uint64_t now = t; now <= T0 + 7210 * SEC; now += 250 * MS) {
		if (!u_fed && now >= u_at) {
			feed(ft, &u, now);
			u_fed = true;
		}
		expire(ft, now, BUDGET);
	}
	int i = find_ended(&u, 0);
	cr_assert_neq(i, -1, "the UDP flow never expired");
	cr_assert_leq(ended->e[i].at, u_at + to.udp_ns + SEC, "the UDP flow expired %lu s late",
		      (unsigned long)((ended->e[i].at - u_at - to.udp_ns) / SEC));
	cr_assert_eq(tw_flow_counters(ft)->active, 0, "%lu long flows left",
		     (unsigned long)tw_flow_counters(ft)->active);
	for (unsigned k = 0; k < ended->n; k++)
		cr_assert_geq(ended->e[k].at, ended->e[k].key.proto == IPPROTO_TCP ? t + to.tcp_established_ns : u_at + to.udp_ns,
			      "a flow expired early");
	tw_flow_table_free(ft);
}

/* Packet times that start near 0 (synthetic captures) are ordinary times. */
Test(flow, packet_time_near_zero)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt p = udp("10.0.0.9", 40000, "10.0.0.1", 53);
	uint64_t t = 500 * MS;
	feed(ft, &p, t);
	expire(ft, t, 100);
	/* the capture is silent for 100 s */
	expire(ft, 100 * SEC, 100);
	expire(ft, 101 * SEC, 100);
	int i = find_ended(&p, 0);
	cr_assert_neq(i, -1, "the flow did not expire after its deadline");
	cr_assert_geq(ended->e[i].at, t + TO.udp_ns);
	tw_flow_table_free(ft);
}

Test(flow, expire_before_any_flow)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	cr_assert_eq(expire(ft, T0, 100), 0);
	cr_assert_eq(expire(ft, T0 + 10 * SEC, 100), 0);
	struct tw_pkt p = udp("10.0.0.9", 40000, "10.0.0.1", 53);
	feed(ft, &p, T0 + 10 * SEC);
	check_expires_at(ft, &p, T0 + 10 * SEC, TO.udp_ns, TW_END_TIMEOUT);
	tw_flow_table_free(ft);
}

/* A packet for a flow idle past its timeout that the wheel has not reaped
 * yet ends that flow and starts a new one, whatever the wheel's progress. */
Test(flow, idle_flow_found_by_lookup_restarts)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	struct tw_pkt p = udp("10.0.0.9", 40000, "10.0.0.1", 53);
	bool created;
	struct tw_flow *f = feed_z(ft, &p, 0, T0, 80, &created, NULL);
	cr_assert(created);
	feed_z(ft, &p, 0, T0 + 59 * SEC, 80, &created, NULL);
	cr_assert(!created, "within the timeout it is the same flow");
	cr_assert_eq(f->pkts[0] + f->pkts[1], 2);
	/* no expire call at all; 61 s later */
	f = feed_z(ft, &p, 0, T0 + 120 * SEC, 80, &created, NULL);
	cr_assert(created);
	cr_assert_eq(ended->n, 1);
	cr_assert_eq(ended->e[0].reason, TW_END_TIMEOUT);
	cr_assert_eq(ended->e[0].pkts, 2);
	cr_assert_eq(f->first_ns, T0 + 120 * SEC);
	cr_assert_eq(f->pkts[0] + f->pkts[1], 1);
	const struct tw_flow_counters *k = tw_flow_counters(ft);
	cr_assert_eq(k->created, 2);
	cr_assert_eq(k->ended, 1);
	cr_assert_eq(k->active, 1);
	check_counters_balance(ft);
	/* the new flow expires on its own schedule */
	reset_ended();
	expire(ft, T0 + 120 * SEC, 100);
	check_expires_at(ft, &p, T0 + 120 * SEC, TO.udp_ns, TW_END_TIMEOUT);
	tw_flow_table_free(ft);
}

/* ---------------------------------------------------------------- eviction */

Test(flow, eviction_when_full_prefers_nearest_deadline)
{
	reset_ended();
	const unsigned CAP = 1024;
	struct tw_flow_table *ft = table(CAP, NULL);
	char ip[32];
	uint64_t t = T0;
	expire(ft, t, 64);

	/* one flow that closes early */
	struct tw_pkt c = tcp("10.5.0.1", 40000, "10.0.0.1", 80, F_ACK);
	struct tw_pkt cr = tcp("10.0.0.1", 80, "10.5.0.1", 40000, F_ACK);
	feed(ft, &c, t);
	/* CAP-1 established flows, created after it */
	for (unsigned i = 0; i < CAP - 1; i++) {
		snprintf(ip, sizeof(ip), "10.4.%u.%u", i / 250, i % 250 + 1);
		struct tw_pkt p = tcp(ip, (uint16_t)(20000 + i), "10.0.0.1", 443, F_ACK);
		feed(ft, &p, t + i * MS);
	}
	cr_assert_eq(tw_flow_counters(ft)->active, CAP, "the table holds its capacity");
	cr_assert_eq(ended->n, 0);
	t += 2 * SEC;
	c.tcp_flags = F_FIN | F_ACK;
	feed(ft, &c, t);
	cr.tcp_flags = F_FIN | F_ACK;
	feed(ft, &cr, t);
	expire(ft, t, 64);
	cr_assert_eq(ended->n, 0);

	/* a new flow: the closed flow goes first */
	struct tw_pkt n1 = udp("10.6.0.1", 5000, "10.0.0.1", 53);
	bool created;
	feed_z(ft, &n1, 0, t, 80, &created, NULL);
	cr_assert(created);
	cr_assert_eq(ended->n, 1);
	cr_assert_eq(ended->e[0].reason, TW_END_EVICTED);
	cr_assert_eq(find_ended(&c, 0), 0, "the closed flow should have been evicted first");

	/* next: the UDP flow (deadline 60 s) before the established ones (300 s) */
	struct tw_pkt n2 = udp("10.6.0.2", 5000, "10.0.0.1", 53);
	feed_z(ft, &n2, 0, t + SEC, 80, &created, NULL);
	cr_assert(created);
	cr_assert_eq(ended->n, 2);
	cr_assert_eq(find_ended(&n1, 0), 1, "the nearest deadline (udp) should have been evicted");

	/* many more: every callback is EVICTED, the table stays full */
	for (unsigned i = 0; i < 500; i++) {
		snprintf(ip, sizeof(ip), "10.7.%u.%u", i / 250, i % 250 + 1);
		struct tw_pkt p = tcp(ip, 30000, "10.0.0.1", 443, F_SYN);
		feed_z(ft, &p, 0, t + 2 * SEC, 60, &created, NULL);
		cr_assert(created);
	}
	const struct tw_flow_counters *k = tw_flow_counters(ft);
	cr_assert_eq(k->evicted, 502);
	cr_assert_eq(ended->by_reason[TW_END_EVICTED], 502);
	cr_assert_eq(k->active, CAP);
	cr_assert_eq(k->add_failed, 0);
	cr_assert_eq(k->created, CAP + 502);
	check_counters_balance(ft);

	/* an evicted flow comes back as a new flow */
	feed_z(ft, &c, 0, t + 3 * SEC, 60, &created, NULL);
	cr_assert(created);
	tw_flow_table_free(ft);
}

/* ---------------------------------------------------------------- flush */

Test(flow, flush_ends_everything)
{
	reset_ended();
	struct tw_flow_table *ft = table(2048, NULL);
	char ip[32];
	expire(ft, T0, 64);
	for (unsigned i = 0; i < 1500; i++) {
		snprintf(ip, sizeof(ip), "10.8.%u.%u", i / 250, i % 250 + 1);
		struct tw_pkt p = i % 3 == 0 ? udp(ip, 1000, "10.0.0.1", 53)
				  : i % 3 == 1 ? tcp(ip, 1000, "10.0.0.1", 80, F_SYN)
					       : icmp(ip, "10.0.0.1", 8, 0, 1);
		feed(ft, &p, T0 + (uint64_t)i * 100 * MS); /* over 150 s: some expire */
		expire(ft, T0 + (uint64_t)i * 100 * MS, 64);
	}
	unsigned timed_out = ended->n;
	cr_assert_gt(timed_out, 0);
	uint64_t active = tw_flow_counters(ft)->active;
	cr_assert_eq(active + timed_out, 1500);

	tw_flow_flush(ft, on_end, ended);
	cr_assert_eq(ended->by_reason[TW_END_FLUSH], active);
	cr_assert_eq(ended->n, 1500);
	const struct tw_flow_counters *k = tw_flow_counters(ft);
	cr_assert_eq(k->flushed, active);
	cr_assert_eq(k->active, 0);
	cr_assert_eq(k->ended, timed_out);
	check_counters_balance(ft);

	/* every flow ended exactly once */
	for (unsigned i = 0; i < ended->n; i++)
		for (unsigned j = i + 1; j < ended->n; j++)
			cr_assert(memcmp(&ended->e[i].key, &ended->e[j].key, sizeof(struct tw_flow_key)) != 0,
				  "flow ended twice (%u, %u)", i, j);

	/* nothing left for the wheel; the table is reusable */
	cr_assert_eq(expire(ft, T0 + 86400 * SEC, 1000), 0);
	tw_flow_flush(ft, on_end, ended);
	cr_assert_eq(ended->n, 1500);
	struct tw_pkt p = udp("10.9.0.1", 1, "10.0.0.1", 53);
	bool created;
	feed_z(ft, &p, 0, T0 + 86400 * SEC, 60, &created, NULL);
	cr_assert(created);
	cr_assert_eq(tw_flow_counters(ft)->active, 1);
	tw_flow_table_free(ft);
}

Test(flow, flush_empty_and_free_null)
{
	reset_ended();
	struct tw_flow_table *ft = table(1024, NULL);
	tw_flow_flush(ft, on_end, ended);
	cr_assert_eq(ended->n, 0);
	tw_flow_table_free(ft);
	tw_flow_table_free(NULL);
}

/* Software distribution (offline replay with several workers): both
 * directions of a flow, and every fragment of a datagram (later fragments
 * carry no ports), hash to the same worker. */
Test(flow, symmetric_distribution_hash)
{
	struct tw_pkt a, b, c;
	uint8_t s4[4] = {10, 1, 2, 3}, d4[4] = {192, 0, 2, 77};
	unsigned differs = 0;

	for (unsigned i = 0; i < 1000; i++) {
		memset(&a, 0, sizeof(a));
		s4[3] = (uint8_t)i;
		d4[2] = (uint8_t)(i >> 3);
		tw_addr_from_v4(&a.src, s4);
		tw_addr_from_v4(&a.dst, d4);
		a.sport = (uint16_t)(40000 + i);
		a.dport = 443;
		a.proto = 6;
		b = a;
		b.src = a.dst;
		b.dst = a.src;
		b.sport = a.dport;
		b.dport = a.sport;
		c = a;
		c.sport = c.dport = 0;
		c.flags = TW_PKT_F_FRAG | TW_PKT_F_FRAG_LATER;
		cr_assert_eq(tw_sym_hash(&a), tw_sym_hash(&b), "directions of flow %u split", i);
		cr_assert_eq(tw_sym_hash(&a), tw_sym_hash(&c), "fragment of flow %u split", i);
		if (tw_sym_hash(&a) % 2 != 0)
			differs++;
	}
	/* and it spreads: about half on each of two workers */
	cr_assert(differs > 350 && differs < 650, "%u of 1000 flows on worker 1", differs);
}
