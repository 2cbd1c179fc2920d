/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "analytics/output/record.h"

const char *const tw_categories[TW_NCATEGORIES] = {
	"device", "scan", "c2", "exfil", "lateral", "dns", "identity",
	"cloud", "email", "ot", "intel", "signature", "rare", "other",
};

int
tw_category_index(const char *name)
{
	for (int i = 0; i < TW_NCATEGORIES; i++)
		if (strcmp(tw_categories[i], name) == 0)
			return i;
	return TW_NCATEGORIES - 1;
}

void
tw_fmt_time(uint64_t ts_ns, char *buf, size_t len)
{
	time_t s = (time_t)(ts_ns / 1000000000ull);
	unsigned us = (unsigned)((ts_ns % 1000000000ull) / 1000u);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, us);
}

static const char *
proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_ICMP:
		return "ICMP";
	case IPPROTO_ICMPV6:
		return "IPv6-ICMP";
	case IPPROTO_SCTP:
		return "SCTP";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

/* Community ID v1: sha1(seed16 | saddr | daddr | proto | pad | sport | dport),
 * ordered so that the smaller (addr, port) comes first; ICMP ports are the
 * type and the "equivalent" code of the reverse direction. */
static bool
icmp_one_way(uint8_t proto, uint8_t type, uint8_t *peer_type)
{
	static const int v4[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15}, {17, 18}, {18, 17},
				    {10, 9}, {9, 10}};
	static const int v6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136}, {136, 135},
				    {130, 131}, {131, 130}, {139, 140}, {140, 139}, {144, 145}, {145, 144}};
	const int(*t)[2] = proto == IPPROTO_ICMP ? v4 : v6;
	unsigned nt = proto == IPPROTO_ICMP ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);
	for (unsigned i = 0; i < nt; i++)
		if (t[i][0] == type) {
			*peer_type = (uint8_t)t[i][1];
			return false;
		}
	return true;
}

void
tw_community_id(const struct tw_event *ev, char *buf, size_t len)
{
	uint8_t in[2 + 16 + 16 + 4 + 4];
	size_t alen = tw_addr_is_v4(&ev->client) && tw_addr_is_v4(&ev->server) ? 4 : 16;
	const uint8_t *sa = alen == 4 ? &ev->client.b[12] : ev->client.b;
	const uint8_t *da = alen == 4 ? &ev->server.b[12] : ev->server.b;
	uint16_t sp = ev->cport, dp = ev->sport;
	bool is_icmp = ev->proto == IPPROTO_ICMP || ev->proto == IPPROTO_ICMPV6;
	bool one_way = false;
	size_t n = 0;

	if (is_icmp) {
		uint8_t type = (uint8_t)(ev->cport >> 8), code = (uint8_t)(ev->cport & 0xff), peer = 0;
		one_way = icmp_one_way(ev->proto, type, &peer);
		sp = type;
		dp = one_way ? code : peer;
	}
	int c = memcmp(sa, da, alen);
	/* one-way ICMP messages keep their direction (spec: never reordered) */
	if (!(one_way || c < 0 || (c == 0 && sp <= dp))) {
		const uint8_t *t = sa;
		sa = da;
		da = t;
		uint16_t tp = sp;
		sp = dp;
		dp = tp;
	}
	in[n++] = 0;
	in[n++] = 0; /* seed 0, big-endian */
	memcpy(in + n, sa, alen);
	n += alen;
	memcpy(in + n, da, alen);
	n += alen;
	in[n++] = ev->proto;
	in[n++] = 0;
	bool ports = is_icmp || ev->proto == IPPROTO_TCP || ev->proto == IPPROTO_UDP || ev->proto == IPPROTO_SCTP;
	if (ports) {
		uint16_t s = htons(sp), d = htons(dp);
		memcpy(in + n, &s, 2);
		n += 2;
		memcpy(in + n, &d, 2);
		n += 2;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	EVP_Digest(in, n, md, &mdlen, EVP_sha1(), NULL);
	unsigned char b64[64];
	EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(buf, len, "1:%s", b64);
}

static void
kv(struct tw_kv *arr, uint8_t *n, const char *key, double v, bool is_int)
{
	if (*n >= TW_REC_KV_MAX)
		return;
	snprintf(arr[*n].key, sizeof(arr[*n].key), "%s", key);
	arr[*n].val = v;
	arr[*n].is_int = is_int;
	(*n)++;
}

void
tw_record_obs(struct tw_record *r, const char *key, double v, bool is_int)
{
	kv(r->obs, &r->n_obs, key, v, is_int);
}

void
tw_record_base(struct tw_record *r, const char *key, double v, bool is_int)
{
	kv(r->base, &r->n_base, key, v, is_int);
}

static json_t *
kv_json(const struct tw_kv *arr, unsigned n)
{
	json_t *o = json_object();
	for (unsigned i = 0; i < n; i++) {
		if (arr[i].is_int)
			json_object_set_new(o, arr[i].key, json_integer((json_int_t)llround(arr[i].val)));
		else
			json_object_set_new(o, arr[i].key, json_real(round(arr[i].val * 100.0) / 100.0));
	}
	return o;
}

static json_t *
flow_json(const struct tw_event *ev, bool full)
{
	char a[TW_ADDR_STRLEN], pbuf[8], cid[64];
	json_t *f = json_object();
	bool ports = ev->proto == IPPROTO_TCP || ev->proto == IPPROTO_UDP || ev->proto == IPPROTO_SCTP;

	json_object_set_new(f, "proto", json_string(proto_name(ev->proto, pbuf, sizeof(pbuf))));
	json_object_set_new(f, "src_ip", json_string(tw_addr_fmt(&ev->client, a, sizeof(a))));
	if (ports)
		json_object_set_new(f, "src_port", json_integer(ev->cport));
	json_object_set_new(f, "dest_ip", json_string(tw_addr_fmt(&ev->server, a, sizeof(a))));
	if (ports)
		json_object_set_new(f, "dest_port", json_integer(ev->sport));
	if (ev->proto == IPPROTO_ICMP || ev->proto == IPPROTO_ICMPV6) {
		json_object_set_new(f, "icmp_type", json_integer(ev->cport >> 8));
		json_object_set_new(f, "icmp_code", json_integer(ev->cport & 0xff));
	}
	if (ev->zone >> 24) {
		/* names follow enum tw_tunnel (dataplane/decode/decode.h) */
		static const char *const tunnels[] = {"",      "gre",    "erspan1", "erspan2", "erspan3", "vxlan",
						      "geneve", "ipip", "ip6ip",   "mpls_pw", "pptp",    "vxlan_gpe"};
		unsigned t = ev->zone >> 24;
		json_t *tun = json_object();
		json_object_set_new(tun, "type", json_string(t < 12 ? tunnels[t] : "unknown"));
		json_object_set_new(tun, "id", json_integer(ev->zone & 0xffffff));
		json_object_set_new(f, "tunnel", tun);
	} else if (ev->zone) {
		json_object_set_new(f, "vlan", json_integer(ev->zone));
	}
	tw_community_id(ev, cid, sizeof(cid));
	json_object_set_new(f, "community_id", json_string(cid));
	if (full) {
		char t[40];
		static const char *reasons[] = {"", "fin", "rst", "timeout", "evicted", "shutdown"};
		tw_fmt_time(ev->first_ns, t, sizeof(t));
		json_object_set_new(f, "start", json_string(t));
		tw_fmt_time(ev->ts_ns, t, sizeof(t));
		json_object_set_new(f, "end", json_string(t));
		json_object_set_new(f, "pkts_toserver", json_integer((json_int_t)ev->pkts_c2s));
		json_object_set_new(f, "pkts_toclient", json_integer((json_int_t)ev->pkts_s2c));
		json_object_set_new(f, "bytes_toserver", json_integer((json_int_t)ev->bytes_c2s));
		json_object_set_new(f, "bytes_toclient", json_integer((json_int_t)ev->bytes_s2c));
		if (ev->proto == IPPROTO_TCP) {
			char fl[16];
			snprintf(fl, sizeof(fl), "%02x", ev->tcp_flags_c2s | ev->tcp_flags_s2c);
			json_object_set_new(f, "tcp_flags", json_string(fl));
		}
		json_object_set_new(f, "reason",
				    json_string(ev->end_reason < 6 ? reasons[ev->end_reason] : "unknown"));
	}
	return f;
}

json_t *
tw_record_json(const struct tw_record *r, const char *sensor)
{
	char t[40], a[TW_ADDR_STRLEN];
	json_t *o = json_object();

	tw_fmt_time(r->ts_ns, t, sizeof(t));
	json_object_set_new(o, "timestamp", json_string(t));
	if (r->kind == TW_REC_FLOW) {
		json_object_set_new(o, "event_type", json_string("flow"));
		json_object_set_new(o, "sensor", json_string(sensor));
		json_object_set_new(o, "flow", flow_json(&r->flow, true));
		return o;
	}
	json_object_set_new(o, "event_type", json_string("anomaly"));
	json_object_set_new(o, "sensor", json_string(sensor));

	json_t *host = json_object();
	json_object_set_new(host, "ip", json_string(tw_addr_fmt(&r->host, a, sizeof(a))));
	if (r->has_mac) {
		char m[TW_MAC_STRLEN];
		json_object_set_new(host, "mac", json_string(tw_mac_fmt(r->mac, m, sizeof(m))));
	}
	json_object_set_new(o, "host", host);
	if (r->has_peer) {
		json_t *peer = json_object();
		json_object_set_new(peer, "ip", json_string(tw_addr_fmt(&r->peer, a, sizeof(a))));
		if (r->has_peer_port)
			json_object_set_new(peer, "port", json_integer(r->peer_port));
		json_object_set_new(o, "peer", peer);
	}
	if (r->has_flow)
		json_object_set_new(o, "flow", flow_json(&r->flow, false));

	json_t *an = json_object();
	json_object_set_new(an, "category", json_string(r->category));
	json_object_set_new(an, "model", json_string(r->model));
	json_object_set_new(an, "score", json_integer(r->score));
	json_object_set_new(an, "reason", json_string(r->reason));
	json_object_set_new(an, "observed", kv_json(r->obs, r->n_obs));
	json_object_set_new(an, "baseline", kv_json(r->base, r->n_base));
	json_object_set_new(o, "anomaly", an);
	return o;
}
