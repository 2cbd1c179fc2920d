/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — unit tests for analytics/output/record: RFC 3339 time format,
 * Community ID v1 (checked against the published vectors and against IDs
 * computed by tshark 4.0 with the communityid post-dissector on crafted
 * packets), and the JSON shape of anomaly and flow records (DESIGN §7),
 * parsed back with jansson.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "analytics/output/record.h"
#include "tw/addr.h"
#include "tw/event.h"

/* ---------------------------------------------------------------- helpers */

static struct tw_addr
A(const char *s)
{
	struct tw_addr a;
	cr_assert_eq(tw_addr_parse(s, &a), 0, "cannot parse %s", s);
	return a;
}

static struct tw_event
tuple(const char *c, uint16_t cport, const char *s, uint16_t sport, uint8_t proto)
{
	struct tw_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.client = A(c);
	ev.server = A(s);
	ev.cport = cport;
	ev.sport = sport;
	ev.proto = proto;
	return ev;
}

/* ICMP convention of the event: cport = type<<8|code, sport = identifier. */
static struct tw_event
icmp_tuple(const char *c, const char *s, uint8_t proto, uint8_t type, uint8_t code, uint16_t id)
{
	return tuple(c, (uint16_t)(type << 8 | code), s, id, proto);
}

static void
check_cid(const struct tw_event *ev, const char *want)
{
	char buf[64];
	tw_community_id(ev, buf, sizeof(buf));
	cr_assert_str_eq(buf, want);
}

static void
check_cid_both(struct tw_event ev, const char *want)
{
	check_cid(&ev, want);
	struct tw_addr t = ev.client;
	ev.client = ev.server;
	ev.server = t;
	uint16_t p = ev.cport;
	ev.cport = ev.sport;
	ev.sport = p;
	check_cid(&ev, want);
}

static json_t *
roundtrip(const struct tw_record *r, const char *sensor)
{
	json_t *o = tw_record_json(r, sensor);
	cr_assert_not_null(o);
	char *s = json_dumps(o, JSON_COMPACT);
	cr_assert_not_null(s);
	cr_assert_null(strchr(s, '\n'), "a record must be one line");
	json_error_t je;
	json_t *back = json_loads(s, 0, &je);
	cr_assert_not_null(back, "record does not parse back: %s (%s)", je.text, s);
	free(s);
	json_decref(o);
	return back;
}

static const char *
jstr(json_t *o, const char *path)
{
	/* dotted path lookup: "a.b.c" */
	char buf[128], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = o;
	for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		cr_assert(json_is_object(cur), "%s: parent of '%s' is not an object", path, tok);
		cur = json_object_get(cur, tok);
		cr_assert_not_null(cur, "missing %s", path);
	}
	cr_assert(json_is_string(cur), "%s is not a string", path);
	return json_string_value(cur);
}

static json_t *
jget(json_t *o, const char *path)
{
	char buf[128], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = o;
	for (char *tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
		cur = json_is_object(cur) ? json_object_get(cur, tok) : NULL;
	return cur;
}

static json_int_t
jint(json_t *o, const char *path)
{
	json_t *v = jget(o, path);
	cr_assert_not_null(v, "missing %s", path);
	cr_assert(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

/* ---------------------------------------------------------------- time */

Test(record_time, epoch)
{
	char b[40];
	tw_fmt_time(0, b, sizeof(b));
	cr_assert_str_eq(b, "1970-01-01T00:00:00.000000Z");
}

Test(record_time, microseconds_truncated)
{
	char b[40];
	tw_fmt_time(1ull * 1000000000ull + 999999999ull, b, sizeof(b));
	cr_assert_str_eq(b, "1970-01-01T00:00:01.999999Z");
	tw_fmt_time(1000, b, sizeof(b));
	cr_assert_str_eq(b, "1970-01-01T00:00:00.000001Z");
	tw_fmt_time(999, b, sizeof(b));
	cr_assert_str_eq(b, "1970-01-01T00:00:00.000000Z");
}

Test(record_time, design_example)
{
	/* 2026-01-08T10:15:02.123456Z = 1767867302 s */
	char b[40];
	tw_fmt_time(1767867302ull * 1000000000ull + 123456789ull, b, sizeof(b));
	cr_assert_str_eq(b, "2026-01-08T10:15:02.123456Z");
}

Test(record_time, leap_day_and_year_end)
{
	char b[40];
	tw_fmt_time(951782400ull * 1000000000ull, b, sizeof(b)); /* 2000-02-29 */
	cr_assert_str_eq(b, "2000-02-29T00:00:00.000000Z");
	tw_fmt_time(1704067199ull * 1000000000ull + 500000000ull, b, sizeof(b));
	cr_assert_str_eq(b, "2023-12-31T23:59:59.500000Z");
}

/* ---------------------------------------------------------------- community id */

/* Published Community ID v1 vectors (seed 0); tshark agrees. */
Test(community_id, published_tcp)
{
	check_cid_both(tuple("128.232.110.120", 34855, "66.35.250.204", 80, IPPROTO_TCP),
		       "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

Test(community_id, published_udp)
{
	check_cid_both(tuple("192.168.1.52", 54585, "8.8.8.8", 53, IPPROTO_UDP), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
}

Test(community_id, published_icmp_echo)
{
	/* request and reply share the ID, whichever side is called the client */
	struct tw_event req = icmp_tuple("192.168.0.89", "192.168.0.1", IPPROTO_ICMP, 8, 0, 1234);
	struct tw_event rep = icmp_tuple("192.168.0.1", "192.168.0.89", IPPROTO_ICMP, 0, 0, 1234);
	check_cid(&req, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	check_cid(&rep, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	/* the identifier is not part of the Community ID */
	req.sport = 7;
	check_cid(&req, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
}

/* The following IDs were computed by tshark 4.0.17 (communityid
 * post-dissector, seed 0) on packets crafted with the same tuples. */
Test(community_id, tshark_tcp6)
{
	check_cid_both(tuple("fe80::200:86ff:fe05:80da", 1234, "fe80::260:97ff:fe07:69ea", 22, IPPROTO_TCP),
		       "1:OkZzx4uXjT4o/Pp/Y2C7KXbM9vQ=");
}

Test(community_id, tshark_icmp6_echo)
{
	struct tw_event req = icmp_tuple("3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da",
					 IPPROTO_ICMPV6, 128, 0, 7);
	struct tw_event rep = icmp_tuple("3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea",
					 IPPROTO_ICMPV6, 129, 0, 7);
	check_cid(&req, "1:SO2grawmbz/AWVMoyg47wzmTp98=");
	check_cid(&rep, "1:SO2grawmbz/AWVMoyg47wzmTp98=");
}

Test(community_id, tshark_icmp_timestamp)
{
	struct tw_event ev = icmp_tuple("10.0.0.9", "10.0.0.1", IPPROTO_ICMP, 13, 0, 0);
	check_cid(&ev, "1:KOx2rCkaKRETIj7nGU9P3+gFAMU=");
}

Test(community_id, tshark_icmp6_neighbour_solicit)
{
	struct tw_event ev = icmp_tuple("fe80::2", "fe80::1", IPPROTO_ICMPV6, 135, 0, 0);
	check_cid(&ev, "1:jXSMIMhnMomSaIrNtEPXqYE5Rc4=");
}

Test(community_id, tshark_icmp6_node_information)
{
	/* ICMPv6 139/140 (who-are-you) are a request/reply pair in the spec */
	struct tw_event ev = icmp_tuple("fe80::2", "fe80::1", IPPROTO_ICMPV6, 139, 0, 0);
	check_cid(&ev, "1:LKvUqbovyorzH3vEr5qb4x1R1yg=");
}

Test(community_id, tshark_icmp_pairs_both_directions)
{
	/* router solicitation 10 / advertisement 9 (IPv4) */
	struct tw_event rs = icmp_tuple("10.0.0.9", "10.0.0.1", IPPROTO_ICMP, 10, 0, 0);
	struct tw_event ra = icmp_tuple("10.0.0.1", "10.0.0.9", IPPROTO_ICMP, 9, 0, 0);
	check_cid(&rs, "1:7nu8MdBSNSQB+NOoc+CbCPYKhEM=");
	check_cid(&ra, "1:7nu8MdBSNSQB+NOoc+CbCPYKhEM=");
	/* address mask reply 18 */
	struct tw_event mr = icmp_tuple("10.0.0.1", "10.0.0.9", IPPROTO_ICMP, 18, 0, 0);
	check_cid(&mr, "1:07Pww4r3jZhE3xnx/2xJNqSjKjE=");
	/* ICMPv6 who-are-you reply 140 pairs with 139 */
	struct tw_event wr = icmp_tuple("fe80::1", "fe80::2", IPPROTO_ICMPV6, 140, 0, 0);
	check_cid(&wr, "1:LKvUqbovyorzH3vEr5qb4x1R1yg=");
	/* MLD report 131 (pairs with query 130), home agent discovery 144 */
	struct tw_event mld = icmp_tuple("fe80::1", "fe80::2", IPPROTO_ICMPV6, 131, 0, 0);
	check_cid(&mld, "1:71CIB4bZAXtzNgwgtcM+4TS71z8=");
	struct tw_event haad = icmp_tuple("fe80::2", "fe80::1", IPPROTO_ICMPV6, 144, 0, 0);
	check_cid(&haad, "1:VjrfcngPBA7JHuabgy0Ih8qXY0I=");
}

/* One-way ICMP messages (no request/reply pair) are never reordered: the
 * ID depends on who sent it. */
Test(community_id, tshark_icmp_one_way_not_reordered)
{
	struct tw_event hi2lo = icmp_tuple("192.168.0.89", "192.168.0.1", IPPROTO_ICMP, 3, 1, 0);
	struct tw_event lo2hi = icmp_tuple("192.168.0.1", "192.168.0.89", IPPROTO_ICMP, 3, 1, 0);
	check_cid(&hi2lo, "1:LXCfhMUFbYXe+CEMrQuZCbiLY3o=");
	check_cid(&lo2hi, "1:o3zT92uTgnRWv/YrDVeXcWumpC4=");
}

Test(community_id, tshark_icmp6_one_way)
{
	struct tw_event ev = icmp_tuple("fe80::2", "fe80::1", IPPROTO_ICMPV6, 1, 4, 0);
	check_cid(&ev, "1:KP7k20289QLlEmMHLKdRgaeGmfo=");
}

Test(community_id, tshark_sctp)
{
	check_cid_both(tuple("192.168.170.8", 7, "192.168.170.56", 7, IPPROTO_SCTP), "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
}

Test(community_id, tshark_portless_gre)
{
	/* other protocols: no ports in the hash */
	check_cid_both(tuple("192.168.170.56", 0, "192.168.170.8", 0, 47), "1:L7qSb5MfOL3P8lJTXGz4HL7jLFs=");
}

Test(community_id, both_directions_same_id)
{
	const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	char a[64], b[64];
	for (unsigned i = 0; i < 2; i++) {
		for (uint16_t p = 1; p < 2000; p += 97) {
			struct tw_event x = tuple("10.1.2.3", p, "10.1.2.3", (uint16_t)(2000 - p), protos[i]);
			struct tw_event y = tuple("10.1.2.3", (uint16_t)(2000 - p), "10.1.2.3", p, protos[i]);
			tw_community_id(&x, a, sizeof(a));
			tw_community_id(&y, b, sizeof(b));
			cr_assert_str_eq(a, b, "same address, ports %u/%u", p, 2000 - p);
		}
	}
}

/* ---------------------------------------------------------------- JSON */

static void
fill_anomaly(struct tw_record *r)
{
	memset(r, 0, sizeof(*r));
	r->kind = TW_REC_ANOMALY;
	r->ts_ns = 1767867302ull * 1000000000ull + 123456000ull;
	r->score = 87;
	snprintf(r->category, sizeof(r->category), "c2");
	snprintf(r->model, sizeof(r->model), "c2.beacon_rare_external");
	snprintf(r->reason, sizeof(r->reason), "connections every 60.2 s (cv 0.03) to an \"endpoint\"");
	r->host = A("10.10.3.7");
	r->has_mac = 1;
	const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x0a, 0x03, 0x07};
	memcpy(r->mac, mac, 6);
	r->has_peer = 1;
	r->peer = A("203.0.113.9");
	r->has_peer_port = 1;
	r->peer_port = 443;
	r->has_flow = 1;
	r->flow = tuple("128.232.110.120", 34855, "66.35.250.204", 80, IPPROTO_TCP);
	tw_record_obs(r, "period_s", 60.2, false);
	tw_record_obs(r, "cv", 0.0312, false);
	tw_record_base(r, "hosts_seen", 1, true);
}

Test(record_json, anomaly_shape)
{
	struct tw_record r;
	fill_anomaly(&r);
	json_t *o = roundtrip(&r, "lab-1");

	cr_assert_str_eq(jstr(o, "timestamp"), "2026-01-08T10:15:02.123456Z");
	cr_assert_str_eq(jstr(o, "event_type"), "anomaly");
	cr_assert_str_eq(jstr(o, "sensor"), "lab-1");
	cr_assert_str_eq(jstr(o, "host.ip"), "10.10.3.7");
	cr_assert_str_eq(jstr(o, "host.mac"), "02:00:00:0a:03:07");
	cr_assert_str_eq(jstr(o, "peer.ip"), "203.0.113.9");
	cr_assert_eq(jint(o, "peer.port"), 443);
	cr_assert_str_eq(jstr(o, "flow.proto"), "TCP");
	cr_assert_str_eq(jstr(o, "flow.src_ip"), "128.232.110.120");
	cr_assert_eq(jint(o, "flow.src_port"), 34855);
	cr_assert_str_eq(jstr(o, "flow.dest_ip"), "66.35.250.204");
	cr_assert_eq(jint(o, "flow.dest_port"), 80);
	cr_assert_str_eq(jstr(o, "flow.community_id"), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
	/* an anomaly's flow is a tuple, not the counters of a flow record */
	cr_assert_null(jget(o, "flow.pkts_toserver"));
	cr_assert_str_eq(jstr(o, "anomaly.category"), "c2");
	cr_assert_str_eq(jstr(o, "anomaly.model"), "c2.beacon_rare_external");
	cr_assert_eq(jint(o, "anomaly.score"), 87);
	cr_assert_str_eq(jstr(o, "anomaly.reason"), "connections every 60.2 s (cv 0.03) to an \"endpoint\"");

	json_t *obs = jget(o, "anomaly.observed");
	cr_assert(json_is_object(obs));
	cr_assert_eq(json_object_size(obs), 2);
	cr_assert(json_is_real(json_object_get(obs, "period_s")));
	cr_assert_float_eq(json_real_value(json_object_get(obs, "period_s")), 60.2, 1e-9);
	cr_assert_float_eq(json_real_value(json_object_get(obs, "cv")), 0.03, 1e-9); /* 2 decimals */
	json_t *base = jget(o, "anomaly.baseline");
	cr_assert(json_is_object(base));
	cr_assert_eq(json_object_size(base), 1);
	cr_assert_eq(jint(o, "anomaly.baseline.hosts_seen"), 1);
	json_decref(o);
}

Test(record_json, anomaly_optional_fields_absent)
{
	struct tw_record r;
	memset(&r, 0, sizeof(r));
	r.kind = TW_REC_ANOMALY;
	r.score = 100;
	snprintf(r.category, sizeof(r.category), "device");
	snprintf(r.model, sizeof(r.model), "device.new");
	snprintf(r.reason, sizeof(r.reason), "new device");
	r.host = A("fd00::7");
	json_t *o = roundtrip(&r, "s");
	cr_assert_str_eq(jstr(o, "timestamp"), "1970-01-01T00:00:00.000000Z");
	cr_assert_str_eq(jstr(o, "host.ip"), "fd00::7");
	cr_assert_null(jget(o, "host.mac"));
	cr_assert_null(jget(o, "peer"));
	cr_assert_null(jget(o, "flow"));
	cr_assert_eq(jint(o, "anomaly.score"), 100);
	cr_assert(json_is_object(jget(o, "anomaly.observed")));
	cr_assert_eq(json_object_size(jget(o, "anomaly.observed")), 0);
	cr_assert_eq(json_object_size(jget(o, "anomaly.baseline")), 0);
	json_decref(o);
}

Test(record_json, peer_without_port)
{
	struct tw_record r;
	fill_anomaly(&r);
	r.has_peer_port = 0;
	json_t *o = roundtrip(&r, "s");
	cr_assert_str_eq(jstr(o, "peer.ip"), "203.0.113.9");
	cr_assert_null(jget(o, "peer.port"));
	json_decref(o);
}

Test(record_json, kv_bounded)
{
	struct tw_record r;
	memset(&r, 0, sizeof(r));
	for (int i = 0; i < TW_REC_KV_MAX + 3; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		tw_record_obs(&r, k, i, true);
	}
	cr_assert_eq(r.n_obs, TW_REC_KV_MAX);
}

Test(record_json, flow_record_shape)
{
	struct tw_record r;
	memset(&r, 0, sizeof(r));
	r.kind = TW_REC_FLOW;
	r.ts_ns = 1767867362ull * 1000000000ull + 5000ull;
	r.flow = tuple("192.168.1.52", 54585, "8.8.8.8", 53, IPPROTO_UDP);
	r.flow.type = TW_EV_FLOW_END;
	r.flow.first_ns = 1767867302ull * 1000000000ull + 123456000ull;
	r.flow.ts_ns = r.ts_ns;
	r.flow.pkts_c2s = 3;
	r.flow.pkts_s2c = 2;
	r.flow.bytes_c2s = 5000000000ull; /* > 32 bits */
	r.flow.bytes_s2c = 321;
	r.flow.end_reason = TW_END_TIMEOUT;
	json_t *o = roundtrip(&r, "lab-1");

	cr_assert_str_eq(jstr(o, "timestamp"), "2026-01-08T10:16:02.000005Z");
	cr_assert_str_eq(jstr(o, "event_type"), "flow");
	cr_assert_str_eq(jstr(o, "sensor"), "lab-1");
	cr_assert_null(jget(o, "anomaly"));
	cr_assert_null(jget(o, "host"));
	cr_assert_str_eq(jstr(o, "flow.proto"), "UDP");
	cr_assert_str_eq(jstr(o, "flow.src_ip"), "192.168.1.52");
	cr_assert_eq(jint(o, "flow.src_port"), 54585);
	cr_assert_str_eq(jstr(o, "flow.dest_ip"), "8.8.8.8");
	cr_assert_eq(jint(o, "flow.dest_port"), 53);
	cr_assert_str_eq(jstr(o, "flow.community_id"), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
	cr_assert_str_eq(jstr(o, "flow.start"), "2026-01-08T10:15:02.123456Z");
	cr_assert_str_eq(jstr(o, "flow.end"), "2026-01-08T10:16:02.000005Z");
	cr_assert_eq(jint(o, "flow.pkts_toserver"), 3);
	cr_assert_eq(jint(o, "flow.pkts_toclient"), 2);
	cr_assert_eq(jint(o, "flow.bytes_toserver"), 5000000000ll);
	cr_assert_eq(jint(o, "flow.bytes_toclient"), 321);
	cr_assert_str_eq(jstr(o, "flow.reason"), "timeout");
	cr_assert_null(jget(o, "flow.tcp_flags"), "UDP has no tcp_flags");
	cr_assert_null(jget(o, "flow.vlan"), "zone 0 has no vlan");
	json_decref(o);
}

Test(record_json, flow_record_tcp_icmp_vlan)
{
	struct tw_record r;
	memset(&r, 0, sizeof(r));
	r.kind = TW_REC_FLOW;
	r.flow = tuple("128.232.110.120", 34855, "66.35.250.204", 80, IPPROTO_TCP);
	r.flow.tcp_flags_c2s = 0x02 | 0x10 | 0x01;
	r.flow.tcp_flags_s2c = 0x12 | 0x04;
	r.flow.end_reason = TW_END_RST;
	r.flow.zone = 42;
	json_t *o = roundtrip(&r, "s");
	cr_assert_str_eq(jstr(o, "flow.tcp_flags"), "17");
	cr_assert_str_eq(jstr(o, "flow.reason"), "rst");
	cr_assert_eq(jint(o, "flow.vlan"), 42);
	json_decref(o);

	memset(&r, 0, sizeof(r));
	r.kind = TW_REC_FLOW;
	r.flow = icmp_tuple("192.168.0.89", "192.168.0.1", IPPROTO_ICMP, 8, 0, 1234);
	r.flow.end_reason = TW_END_FLUSH;
	o = roundtrip(&r, "s");
	cr_assert_str_eq(jstr(o, "flow.proto"), "ICMP");
	cr_assert_null(jget(o, "flow.src_port"));
	cr_assert_null(jget(o, "flow.dest_port"));
	cr_assert_eq(jint(o, "flow.icmp_type"), 8);
	cr_assert_eq(jint(o, "flow.icmp_code"), 0);
	cr_assert_str_eq(jstr(o, "flow.community_id"), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	cr_assert_str_eq(jstr(o, "flow.reason"), "shutdown");
	json_decref(o);
}

Test(record_json, categories)
{
	const char *want[] = {"device", "scan", "c2", "exfil", "lateral", "dns", "identity",
			      "cloud", "email", "ot", "intel", "signature", "rare"};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_str_eq(tw_categories[tw_category_index(want[i])], want[i]);
	cr_assert_eq(tw_category_index("no-such"), TW_NCATEGORIES - 1);
}
