/* tw-gen: the "enterprise" profile - a small company network over several days, with benign
 * traps for naive detectors and optional injected behaviours. */
#include "tracegen.h"

#include <math.h>
#include <stdlib.h>

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define DAY_NS (86400ULL * NS_PER_S)

enum { K_WS, K_SRV, K_DEV };
enum { R_DC, R_FS, R_WEB, R_MAIL, R_APP, R_DB, R_BACKUP, R_GENERIC, R_SCANNER };

typedef struct { uint64_t key; uint64_t exp; } cache_ent_t;

typedef struct host {
    int kind, role, idx;
    char name[32], user[24];
    uint8_t mac[6];
    uint32_t ip;
    uint8_t ip6[16];
    int has6;
    uint16_t vlan;
    const uint8_t *gwmac;
    uint32_t gwip;
    rng_t r;
    int admin, laptop, alwayson, branch, browser, forced, linux_, seen_once;
    uint64_t arrive, leave, lunch_s, lunch_e;
    int present;
    cache_ent_t arp[8];
    cache_ent_t dns[32];
    conv_t chat;
    int chat_open;
    uint16_t port;
    uint64_t nd_exp;
} host_t;

typedef struct {
    char name[64];
    uint32_t ip;
    uint32_t rtt_us;
    uint8_t tls13, http, h2, has6;
    uint32_t ttl;
} site_t;

/* ---------------- world ---------------- */
static const opts_t *O;
static host_t *H;
static int nh, nws, nbranch, nsrv;
static host_t *srv[16];
static host_t *scanner, *newdev;
static host_t *ipmap[65536]; /* 10.20.x.y */
static host_t *branchmap[256];
static uint8_t gwmac[6] = { 0x02, 0x00, 0x0a, 0x14, 0x00, 0x01 };
static uint8_t gw30mac[6] = { 0x02, 0x00, 0x0a, 0x1e, 0x00, 0x01 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zmac[6] = { 0 };
static uint8_t gw6[16];
static site_t sites[300];
static double zipf_cdf[300];
static int nsites = 300;
static site_t s_ntp[4], s_poll, s_chat, s_res[2], s_offsite, s_mx[25];
static double mx_cdf[25];
static cache_ent_t *dccache;
#define DCCACHE 65536
static uint64_t T0, TEND;
static int inj_day = -1;
static int do_scan, do_device, do_rare, do_beacon, do_exfil;
static host_t *inj_host[5];
static site_t s_rare, s_beacon, s_exfil;

typedef struct {
    const char *behaviour, *category;
    host_t *h;
    uint64_t start, end;
    char detail[16384];
    int trap;
    int count;
    uint64_t bytes;
} label_t;
static label_t L_scan, L_device, L_rare, L_beacon, L_exfil, L_admin[2], L_vscan, L_poll, L_backup, L_tail, L_offsite;

static void lab_touch(label_t *l, uint64_t a, uint64_t b)
{
    if (!l->start || a < l->start) l->start = a;
    if (b > l->end) l->end = b;
}

/* ---------------- activities heap ---------------- */
enum { A_DAY, A_ARRIVE, A_BROWSE, A_POLL, A_NTP, A_CHAT, A_INTRANET, A_SMB, A_LONGTAIL, A_MISC, A_ADMIN,
       A_SRVNTP, A_DCNTP, A_MAIL, A_DB, A_BACKUP, A_OFFSITE, A_VSCAN, A_KRB,
       A_INJ_SCAN, A_INJ_DEV, A_INJ_RARE, A_INJ_BEACON, A_INJ_EXFIL };

typedef struct { uint64_t t, seq; int type, a, b; } act_t;
static act_t *AH;
static size_t an, acap;
static uint64_t aseq;

static int aless(const act_t *x, const act_t *y) { return x->t < y->t || (x->t == y->t && x->seq < y->seq); }

static void sched(uint64_t t, int type, int a, int b)
{
    if (t >= TEND) return;
    if (an == acap) {
        acap = acap ? acap * 2 : 4096;
        AH = realloc(AH, acap * sizeof *AH);
    }
    act_t x = { t, aseq++, type, a, b };
    size_t i = an++;
    while (i) {
        size_t p = (i - 1) / 2;
        if (!aless(&x, &AH[p])) break;
        AH[i] = AH[p];
        i = p;
    }
    AH[i] = x;
}

static act_t apop(void)
{
    act_t top = AH[0], last = AH[--an];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= an) break;
        size_t m = l;
        if (l + 1 < an && aless(&AH[l + 1], &AH[l])) m = l + 1;
        if (!aless(&AH[m], &last)) break;
        AH[i] = AH[m];
        i = m;
    }
    if (an) AH[i] = last;
    return top;
}

/* ---------------- helpers ---------------- */
static uint64_t hstr(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
    return h;
}

static uint16_t eport(host_t *h)
{
    h->port++;
    if (h->port < 49152) h->port = 49152 + (uint16_t)rng_range(&h->r, 2000);
    return h->port;
}

static int same_subnet(host_t *h, uint32_t ip)
{
    if (h->branch) return (ip >> 8) == IP4(10, 30, 0, 0) >> 8;
    if (h->kind == K_SRV) return (ip >> 8) == IP4(10, 20, 10, 0) >> 8;
    return (ip >> 10) == IP4(10, 20, 0, 0) >> 10;
}

static host_t *host_by_ip(uint32_t ip)
{
    if ((ip >> 16) == IP4(10, 20, 0, 0) >> 16) return ipmap[ip & 0xffff];
    if ((ip >> 8) == IP4(10, 30, 0, 0) >> 8) return branchmap[ip & 0xff];
    return NULL;
}

static int host_up(host_t *h, uint64_t t)
{
    if (h->kind == K_SRV) return 1;
    if (h->kind == K_DEV) return h->present && t >= h->arrive && t < h->leave;
    if (h->alwayson) return 1;
    return h->present && t >= h->arrive && t < h->leave;
}

static int in_office(host_t *h, uint64_t t)
{
    return h->present && t >= h->arrive && t < h->leave && !(t >= h->lunch_s && t < h->lunch_e);
}

/* next-hop MAC for h talking to ip; emits ARP if the cache is cold. Advances *t. */
static const uint8_t *l2_next(host_t *h, uint64_t *t, uint32_t ip)
{
    uint32_t nh_ip = same_subnet(h, ip) ? ip : h->gwip;
    host_t *peer = nh_ip == h->gwip ? NULL : host_by_ip(nh_ip);
    const uint8_t *mac = peer ? peer->mac : h->gwmac;
    int slot = (int)(mix64(nh_ip) & 7);
    if (h->arp[slot].key == nh_ip && h->arp[slot].exp > *t) return mac;
    emit_arp(*t, h->vlan, h->mac, bcast, 1, h->mac, h->ip, zmac, nh_ip);
    uint64_t tr = *t + 150 * NS_PER_US + rng_range(&h->r, 300 * NS_PER_US);
    emit_arp(tr, h->vlan, mac, h->mac, 2, mac, nh_ip, h->mac, h->ip);
    h->arp[slot].key = nh_ip;
    h->arp[slot].exp = *t + MIN(10) + rng_range(&h->r, MIN(10));
    *t = tr + 30 * NS_PER_US;
    return mac;
}

/* IPv6 neighbour discovery for the router */
static void nd_router(host_t *h, uint64_t *t)
{
    if (h->nd_exp > *t) return;
    uint8_t l4[32];
    uint8_t dst6[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, gw6[13], gw6[14], gw6[15] };
    uint8_t dmac[6] = { 0x33, 0x33, 0xff, gw6[13], gw6[14], gw6[15] };
    memset(l4, 0, sizeof l4);
    l4[0] = 135;
    memcpy(l4 + 8, gw6, 16);
    l4[24] = 1; l4[25] = 1; memcpy(l4 + 26, h->mac, 6);
    emit_ip(*t, h->vlan, h->mac, dmac, 1, 0, 0, h->ip6, dst6, 58, 255, 0, l4, 32, 32, 2, ~0u);
    *t += 200 * NS_PER_US;
    memset(l4, 0, sizeof l4);
    l4[0] = 136;
    l4[4] = 0xe0; /* router, solicited, override */
    memcpy(l4 + 8, gw6, 16);
    l4[24] = 2; l4[25] = 1; memcpy(l4 + 26, gwmac, 6);
    emit_ip(*t, h->vlan, gwmac, h->mac, 1, 0, 0, gw6, h->ip6, 58, 255, 0, l4, 32, 32, 2, ~0u);
    *t += 30 * NS_PER_US;
    h->nd_exp = *t + MIN(20);
}

static void v6_of(uint8_t *o, uint32_t ip, int ext)
{
    memset(o, 0, 16);
    if (ext) {
        o[0] = 0x26; o[1] = 0x06; o[2] = 0x47; o[3] = 0x00;
        o[12] = ip >> 24; o[13] = ip >> 16; o[14] = ip >> 8; o[15] = (uint8_t)ip;
    } else {
        o[0] = 0xfd; o[1] = 0x00; o[2] = 0x00; o[3] = 0x20;
        if ((ip >> 8 & 0xff) == 10) o[7] = 0x10;
        o[14] = ip >> 8; o[15] = (uint8_t)ip;
    }
}

/* ---------------- DNS ---------------- */
static uint64_t dc_upstream(uint64_t t, const char *name, uint16_t qtype, int rcode, const uint8_t *addr, int naddr,
                            uint32_t ttl, uint64_t *tout)
{
    host_t *dc = srv[R_DC];
    uint64_t key = hstr(name) ^ qtype;
    cache_ent_t *e = &dccache[key & (DCCACHE - 1)];
    if (e->key == key && e->exp > t) { *tout = t; return 0; }
    uint8_t q[512], a[512];
    site_t *res = &s_res[rng_range(&dc->r, 2)];
    uint64_t tt = t + 60 * NS_PER_US;
    const uint8_t *m = l2_next(dc, &tt, res->ip);
    conv_t c;
    conv_init(&c, &dc->r, tt, 17, dc->vlan, dc->mac, m, dc->ip, res->ip, eport(dc), 53,
              (res->rtt_us + rng_range(&dc->r, 4000)) * NS_PER_US, 0);
    c.cttl = 128; c.sttl = 57;
    uint16_t id = (uint16_t)rng_next(&dc->r);
    udp_send(&c, 0, q, (uint32_t)dns_build_query(q, id, name, qtype));
    udp_send(&c, 1, a, (uint32_t)dns_build_response(a, id, name, qtype, rcode, addr, naddr, ttl, NULL));
    e->key = key;
    e->exp = c.t + (uint64_t)ttl * NS_PER_S;
    *tout = c.t;
    return 1;
}

/* Query the internal resolver from host h; returns time the answer is back. */
static uint64_t dns_q(host_t *h, uint64_t t, const char *name, uint16_t qtype, int rcode, const uint8_t *addr,
                      int naddr, uint32_t ttl)
{
    host_t *dc = srv[R_DC];
    uint8_t q[512], a[600];
    int internal = strstr(name, "corp.local") != NULL;
    const uint8_t *m = l2_next(h, &t, dc->ip);
    conv_t c;
    uint64_t rtt = h->branch ? (4000 + rng_range(&h->r, 2000)) * NS_PER_US : (150 + rng_range(&h->r, 200)) * NS_PER_US;
    conv_init(&c, &h->r, t, 17, h->vlan, h->mac, m, h->ip, dc->ip, eport(h), 53, rtt, 0);
    int v6 = h->has6 && rng_u01(&h->r) < 0.5;
    if (v6) {
        uint8_t d6[16];
        v6_of(d6, dc->ip, 0);
        nd_router(h, &c.t);
        conv_set_v6(&c, h->ip6, d6);
    }
    G.flows--; /* counted with the upstream below as one resolution flow */
    G.flows++;
    uint16_t id = (uint16_t)rng_next(&h->r);
    udp_send(&c, 0, q, (uint32_t)dns_build_query(q, id, name, qtype));
    uint64_t tq = c.t - rtt;
    if (!internal) {
        uint64_t tu;
        if (dc_upstream(tq + 40 * NS_PER_US, name, qtype, rcode, addr, naddr, ttl, &tu)) {
            if (tu + 30 * NS_PER_US > c.t) c.t = tu + 30 * NS_PER_US;
        }
    }
    uint32_t ttl_left = ttl;
    udp_send(&c, 1, a, (uint32_t)dns_build_response(a, id, name, qtype, rcode, addr, naddr, ttl_left, NULL));
    return c.t;
}

/* resolve a site, honouring the host's cache; returns time when connection may start */
static uint64_t resolve(host_t *h, uint64_t t, const site_t *s)
{
    uint64_t key = hstr(s->name);
    cache_ent_t *e = &h->dns[key & 31];
    if (e->key == key && e->exp > t) return t;
    uint8_t a4[4] = { s->ip >> 24, s->ip >> 16, s->ip >> 8, (uint8_t)s->ip };
    uint64_t t2 = dns_q(h, t, s->name, 1, 0, a4, 1, s->ttl);
    if (h->has6 || rng_u01(&h->r) < 0.25) {
        uint8_t a6[16];
        v6_of(a6, s->ip, 1);
        uint64_t t3 = dns_q(h, t + 80 * NS_PER_US, s->name, 28, 0, a6, s->has6 ? 1 : 0, s->ttl);
        if (t3 > t2) t2 = t3;
    }
    e->key = key;
    e->exp = t2 + (uint64_t)s->ttl * NS_PER_S;
    return t2 + (50 + rng_range(&h->r, 400)) * NS_PER_US;
}

static void dns_internal(host_t *h, uint64_t t, const char *name, uint32_t ip)
{
    uint8_t a4[4] = { ip >> 24, ip >> 16, ip >> 8, (uint8_t)ip };
    dns_q(h, t, name, 1, 0, a4, 1, 1200);
}

/* ---------------- TLS / HTTP sessions ---------------- */
static uint8_t buf[1 << 17], buf2[1 << 17];

static void conv_to(conv_t *c, host_t *h, uint64_t t, uint32_t dip, uint16_t dport, uint64_t rtt, double bps)
{
    const uint8_t *m = l2_next(h, &t, dip);
    conv_init(c, &h->r, t, 6, h->vlan, h->mac, m, h->ip, dip, eport(h), dport, rtt, bps);
    host_t *peer = host_by_ip(dip);
    c->cttl = h->linux_ ? 64 : 128;
    c->sttl = peer ? (peer->linux_ ? 64 : 128) - (same_subnet(h, dip) ? 0 : 1) : (uint8_t)(44 + rng_range(&h->r, 12));
}

static uint64_t tls_body(conv_t *c, rng_t *r, int prof, const char *sni, int tls13, int h2, int nreq,
                         double up_med, double down_xm, int bulkdown)
{
    int n = build_client_hello(buf, r, prof, sni, h2);
    tcp_send(c, 0, buf, (uint32_t)n);
    tcp_think(c, (200 + rng_range(r, 3000)) * NS_PER_US);
    if (prof == TLSP_SCHANNEL) tls13 = 0;
    n = build_server_hello(buf2, r, buf, tls13, h2);
    tcp_send(c, 1, buf2, (uint32_t)n);
    n = build_client_finish12(buf, r);
    if (tls13) n = 6 + build_tls_appdata(buf + 6, r, 53);
    int first = 1;
    uint64_t total = 0;
    for (int i = 0; i < nreq; i++) {
        int up = (int)rng_lognormal(r, up_med, 0.6);
        if (up < 60) up = 60;
        if (up > 60000) up = 60000;
        int o = first ? n : 0;
        first = 0;
        while (up > 0) {
            int rl = up > 16384 ? 16384 : up;
            o += build_tls_appdata(buf + o, r, rl);
            up -= rl;
        }
        tcp_send(c, 0, buf, (uint32_t)o);
        tcp_think(c, (uint64_t)(rng_lognormal(r, 15, 1.0) * NS_PER_MS));
        uint64_t down = (uint64_t)rng_pareto(r, down_xm, 1.45);
        if (bulkdown) down = (uint64_t)bulkdown;
        if (down > 3000000) down = 3000000;
        if (down > 16000) {
            tcp_send_tls_bulk(c, 1, down, c->mss, 96, 1);
        } else {
            o = 0;
            uint64_t d = down;
            while (d > 0) {
                int rl = d > 16384 ? 16384 : (int)d;
                o += build_tls_appdata(buf2 + o, r, rl);
                d -= rl;
            }
            tcp_send(c, 1, buf2, (uint32_t)o);
        }
        total += down;
        if (i + 1 < nreq) tcp_think(c, (uint64_t)(rng_exp(r, 2.0) * NS_PER_S));
    }
    return total;
}

static void close_random(conv_t *c, rng_t *r)
{
    double u = rng_u01(r);
    tcp_think(c, (uint64_t)(rng_exp(r, 4.0) * NS_PER_S));
    if (u < 0.80) tcp_close(c, 0);
    else if (u < 0.94) tcp_close(c, 1);
    else tcp_reset(c, 0);
}

static uint64_t site_tls(host_t *h, uint64_t t, const site_t *s, int prof, int nreq, double up, double down)
{
    t = resolve(h, t, s);
    conv_t c;
    conv_to(&c, h, t, s->ip, 443, (s->rtt_us + rng_range(&h->r, s->rtt_us / 5 + 1)) * NS_PER_US,
            rng_uni(&h->r, 2e6, 12e6));
    tcp_open(&c, 1);
    tls_body(&c, &h->r, prof, s->name, s->tls13, s->h2, nreq, up, down, 0);
    close_random(&c, &h->r);
    return c.t;
}

static const char *uas[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Microsoft-CryptoAPI/10.0",
};

static uint64_t site_http(host_t *h, uint64_t t, const site_t *s)
{
    t = resolve(h, t, s);
    conv_t c;
    conv_to(&c, h, t, s->ip, 80, s->rtt_us * NS_PER_US, rng_uni(&h->r, 2e6, 10e6));
    tcp_open(&c, 1);
    static const char *paths[] = { "/", "/index.html", "/news/latest", "/static/app.js", "/img/logo.png", "/msdownload/update/v3/static/trustedr/en/disallowedcertstl.cab" };
    int pi = (int)rng_range(&h->r, 6);
    int n = sprintf((char *)buf, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n",
                    paths[pi], s->name, uas[h->browser == TLSP_FIREFOX ? 1 : (pi == 5 ? 2 : 0)]);
    tcp_send(&c, 0, buf, (uint32_t)n);
    tcp_think(&c, (uint64_t)(rng_lognormal(&h->r, 20, 0.7) * NS_PER_MS));
    int body = (int)rng_pareto(&h->r, 600, 1.3);
    if (body > 30000) body = 30000;
    int hl = sprintf((char *)buf2, "HTTP/1.1 200 OK\r\nDate: Mon, 05 Jan 2026 10:00:00 GMT\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\nCache-Control: max-age=300\r\n\r\n", body);
    for (int i = 0; i < body; i++) buf2[hl + i] = (uint8_t)("abcdefghij klmnopqrstuvwxyz<>/\n"[rng_next(&h->r) & 31]);
    tcp_send(&c, 1, buf2, (uint32_t)(hl + body));
    tcp_think(&c, SEC(rng_uni(&h->r, 1, 15)));
    tcp_close(&c, 0);
    return c.t;
}

/* ---------------- internal services ---------------- */
static int pick_browser(rng_t *r)
{
    double u = rng_u01(r);
    return u < 0.7 ? TLSP_CHROME : TLSP_FIREFOX;
}

static void intranet(host_t *h, uint64_t t)
{
    host_t *w = srv[R_WEB];
    dns_internal(h, t, "intranet.corp.local", w->ip);
    t += 2 * NS_PER_MS;
    conv_t c;
    conv_to(&c, h, t, w->ip, 443, (h->branch ? 5000 : 300) * NS_PER_US, 50e6);
    if (h->has6) {
        uint8_t d6[16];
        v6_of(d6, w->ip, 0);
        nd_router(h, &c.t);
        conv_set_v6(&c, h->ip6, d6);
    }
    tcp_open(&c, 1);
    tls_body(&c, &h->r, h->browser, "intranet.corp.local", 1, 1, 1 + (int)rng_range(&h->r, 5), 600, 3000, 0);
    close_random(&c, &h->r);
}

static void smb_session(host_t *h, uint64_t t, host_t *dst, const char *share, int nops, int admin)
{
    conv_t c;
    conv_to(&c, h, t, dst->ip, 445, (h->branch ? 5000 : 250) * NS_PER_US, 80e6);
    if (h->has6 && dst->has6 && !admin) {
        uint8_t d6[16];
        v6_of(d6, dst->ip, 0);
        nd_router(h, &c.t);
        conv_set_v6(&c, h->ip6, d6);
    }
    tcp_open(&c, 1);
    uint64_t mid = 0;
    int n = smb2_negotiate_req(buf, &h->r, mid);
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = smb2_negotiate_resp(buf2, &h->r, mid++, c.t);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    char path[96];
    snprintf(path, sizeof path, "\\\\%s\\%s", dst->name, share);
    n = smb2_tree_req(buf, mid, path);
    tcp_send(&c, 0, buf, (uint32_t)n);
    uint32_t tid = 1 + (uint32_t)rng_range(&h->r, 8);
    n = smb2_tree_resp(buf2, mid++, tid);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    uint8_t fid[16];
    rng_bytes(&h->r, fid, 16);
    for (int i = 0; i < nops; i++) {
        tcp_think(&c, (uint64_t)(rng_exp(&h->r, 0.5) * NS_PER_S));
        uint32_t len = (uint32_t)(4096 << rng_range(&h->r, 4));
        if (rng_u01(&h->r) < 0.75) {
            n = smb2_read_req(buf, mid, tid, len, (uint64_t)i * len, fid);
            tcp_send(&c, 0, buf, (uint32_t)n);
            n = smb2_read_resp_hdr(buf2, mid++, tid, len);
            rng_bytes(&h->r, buf2 + n, len);
            tcp_send(&c, 1, buf2, n + len);
        } else {
            n = smb2_write_req_hdr(buf, mid, tid, len, (uint64_t)i * len, fid);
            rng_bytes(&h->r, buf + n, len);
            tcp_send(&c, 0, buf, n + len);
            n = smb2_write_resp(buf2, mid++, tid, len);
            tcp_send(&c, 1, buf2, (uint32_t)n);
        }
    }
    tcp_think(&c, SEC(rng_uni(&h->r, 1, 30)));
    tcp_close(&c, 0);
}

static void kerberos_logon(host_t *h, uint64_t t)
{
    host_t *dc = srv[R_DC];
    const uint8_t *m = l2_next(h, &t, dc->ip);
    conv_t c;
    conv_init(&c, &h->r, t, 17, h->vlan, h->mac, m, h->ip, dc->ip, eport(h), 88, 400 * NS_PER_US, 0);
    int n = krb_as_req(buf, &h->r, h->user, "CORP.LOCAL", 0);
    udp_send(&c, 0, buf, (uint32_t)n);
    n = krb_error_preauth(buf2, &h->r, "CORP.LOCAL", c.t);
    udp_send(&c, 1, buf2, (uint32_t)n);
    conv_init(&c, &h->r, c.t + 300 * NS_PER_US, 17, h->vlan, h->mac, m, h->ip, dc->ip, eport(h), 88, 600 * NS_PER_US, 0);
    n = krb_as_req(buf, &h->r, h->user, "CORP.LOCAL", 1);
    udp_send(&c, 0, buf, (uint32_t)n);
    n = krb_as_rep(buf2, &h->r, h->user, "CORP.LOCAL", "krbtgt", "CORP.LOCAL", 0);
    udp_send(&c, 1, buf2, (uint32_t)n);
    conv_init(&c, &h->r, c.t + 500 * NS_PER_US, 17, h->vlan, h->mac, m, h->ip, dc->ip, eport(h), 88, 500 * NS_PER_US, 0);
    n = krb_tgs_req(buf, &h->r, "CORP.LOCAL", "cifs", "fs01.corp.local");
    udp_send(&c, 0, buf, (uint32_t)n);
    n = krb_as_rep(buf2, &h->r, h->user, "CORP.LOCAL", "cifs", "fs01.corp.local", 1);
    udp_send(&c, 1, buf2, (uint32_t)n);
    /* LDAP lookup of the user's groups */
    conv_t l;
    conv_to(&l, h, c.t + NS_PER_MS, dc->ip, 389, 300 * NS_PER_US, 50e6);
    tcp_open(&l, 1);
    char val[64];
    snprintf(val, sizeof val, "%s", h->user);
    n = ldap_search_req(buf, 1, "DC=corp,DC=local", "sAMAccountName", val);
    tcp_send(&l, 0, buf, (uint32_t)n);
    char dn[128];
    snprintf(dn, sizeof dn, "CN=%s,OU=Staff,DC=corp,DC=local", h->user);
    n = ldap_search_res(buf2, &h->r, 1, dn, 3 + (int)rng_range(&h->r, 8));
    tcp_send(&l, 1, buf2, (uint32_t)n);
    n = ldap_unbind(buf, 2);
    tcp_send(&l, 0, buf, (uint32_t)n);
    tcp_close(&l, 0);
}

static void icmp_misc(host_t *h, uint64_t t)
{
    uint8_t l4[128];
    if (rng_u01(&h->r) < 0.6) {
        /* ping the gateway or the DC */
        uint32_t dst = rng_u01(&h->r) < 0.5 ? h->gwip : srv[R_DC]->ip;
        const uint8_t *m = l2_next(h, &t, dst);
        uint16_t id = (uint16_t)rng_next(&h->r);
        for (int i = 0; i < 4; i++) {
            memset(l4, 0, 40);
            l4[0] = 8; l4[4] = id >> 8; l4[5] = (uint8_t)id; l4[7] = (uint8_t)(i + 1);
            for (int k = 0; k < 32; k++) l4[8 + k] = (uint8_t)('a' + (k % 23));
            emit_ip(t, h->vlan, h->mac, m, 0, h->ip, dst, NULL, NULL, 1, 128, (uint16_t)rng_next(&h->r), l4, 40, 40, 2, ~0u);
            l4[0] = 0;
            emit_ip(t + 400 * NS_PER_US, h->vlan, m, h->mac, 0, dst, h->ip, NULL, NULL, 1, 64, (uint16_t)rng_next(&h->r), l4, 40, 40, 2, ~0u);
            t += NS_PER_S;
        }
    } else {
        /* NetBIOS name query to a Linux server that answers ICMP port unreachable */
        host_t *d = srv[R_DB];
        const uint8_t *m = l2_next(h, &t, d->ip);
        conv_t c;
        conv_init(&c, &h->r, t, 17, h->vlan, h->mac, m, h->ip, d->ip, 137, 137, 300 * NS_PER_US, 0);
        uint8_t q[50] = { 0x80, 0x01, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x20 };
        memset(q + 13, 'A', 32);
        q[45] = 0; q[46] = 0; q[47] = 0x21; q[48] = 0; q[49] = 1;
        udp_send(&c, 0, q, 50);
        /* ICMP dest unreachable, port unreachable, quoting IP header + 8 bytes */
        uint8_t *ip = l4 + 8;
        memset(l4, 0, 8);
        l4[0] = 3; l4[1] = 3;
        ip[0] = 0x45; ip[1] = 0; ip[2] = 0; ip[3] = 78; ip[4] = 0; ip[5] = 1; ip[6] = 0; ip[7] = 0; ip[8] = 127; ip[9] = 17;
        ip[10] = ip[11] = 0;
        uint32_t s = h->ip, dd = d->ip;
        ip[12] = s >> 24; ip[13] = s >> 16; ip[14] = s >> 8; ip[15] = (uint8_t)s;
        ip[16] = dd >> 24; ip[17] = dd >> 16; ip[18] = dd >> 8; ip[19] = (uint8_t)dd;
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2) sum += (uint32_t)ip[i] << 8 | ip[i + 1];
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        sum = ~sum & 0xffff;
        ip[10] = sum >> 8; ip[11] = (uint8_t)sum;
        uint8_t *u = ip + 20;
        u[0] = 0; u[1] = 137; u[2] = 0; u[3] = 137; u[4] = 0; u[5] = 58; u[6] = 0; u[7] = 0;
        emit_ip(c.t, h->vlan, m, h->mac, 0, d->ip, h->ip, NULL, NULL, 1, 63, (uint16_t)rng_next(&h->r), l4, 36, 36, 2, ~0u);
    }
}

/* ---------------- admin sessions ---------------- */
static void ssh_session(host_t *h, uint64_t t, host_t *d, uint64_t dur)
{
    conv_t c;
    conv_to(&c, h, t, d->ip, 22, 300 * NS_PER_US, 50e6);
    tcp_open(&c, 1);
    const char *cb = "SSH-2.0-OpenSSH_for_Windows_8.1\r\n", *sb = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
    tcp_send(&c, 1, (const uint8_t *)sb, (uint32_t)strlen(sb));
    tcp_send(&c, 0, (const uint8_t *)cb, (uint32_t)strlen(cb));
    int n = ssh_kexinit(buf, &h->r, 0);
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = ssh_kexinit(buf2, &h->r, 1);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    n = ssh_ecdh_init(buf, &h->r);
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = ssh_ecdh_reply(buf2, &h->r);
    n += ssh_newkeys(buf2 + n);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    n = ssh_newkeys(buf);
    tcp_send(&c, 0, buf, (uint32_t)n);
    uint64_t end = c.t + dur;
    while (c.t < end) {
        tcp_think(&c, (uint64_t)(rng_exp(&h->r, 3.0) * NS_PER_S));
        n = ssh_encrypted(buf, &h->r, 36 + 16 * (int)rng_range(&h->r, 3));
        tcp_send(&c, 0, buf, (uint32_t)n);
        n = ssh_encrypted(buf2, &h->r, 36 + (int)rng_range(&h->r, 1200));
        tcp_send(&c, 1, buf2, (uint32_t)n);
    }
    tcp_close(&c, 0);
}

static void rdp_session(host_t *h, uint64_t t, host_t *d, uint64_t dur)
{
    conv_t c;
    conv_to(&c, h, t, d->ip, 3389, 300 * NS_PER_US, 50e6);
    tcp_open(&c, 1);
    int n = rdp_x224_cr(buf, "adm-ops");
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = rdp_x224_cc(buf2);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    n = build_client_hello(buf, &h->r, TLSP_SCHANNEL, NULL, 0);
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = build_server_hello(buf2, &h->r, buf, 0, -1);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    n = build_client_finish12(buf, &h->r);
    tcp_send(&c, 0, buf, (uint32_t)n);
    uint64_t end = c.t + dur;
    while (c.t < end) {
        tcp_think(&c, (uint64_t)(rng_exp(&h->r, 1.0) * NS_PER_S));
        n = build_tls_appdata(buf, &h->r, 40 + (int)rng_range(&h->r, 80));
        tcp_send(&c, 0, buf, (uint32_t)n);
        int dn = 200 + (int)rng_pareto(&h->r, 300, 1.2);
        if (dn > 1300) dn = 1300; /* one TLS record per segment */
        n = build_tls_appdata(buf2, &h->r, dn);
        tcp_send(&c, 1, buf2, (uint32_t)n);
    }
    tcp_close(&c, 0);
}

static void winrm_session(host_t *h, uint64_t t, host_t *d)
{
    conv_t c;
    conv_to(&c, h, t, d->ip, 5985, 300 * NS_PER_US, 50e6);
    tcp_open(&c, 1);
    int k = 2 + (int)rng_range(&h->r, 4);
    for (int i = 0; i < k; i++) {
        int body = 1500 + (int)rng_range(&h->r, 2500);
        int n = sprintf((char *)buf, "POST /wsman HTTP/1.1\r\nConnection: Keep-Alive\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nUser-Agent: Microsoft WinRM Client\r\nContent-Length: %d\r\nHost: %s:5985\r\n\r\n", body, d->name);
        for (int j = 0; j < body; j++) buf[n + j] = (uint8_t)("<s:Envelope xmlns:s=\"soap\">wsman "[j % 34]);
        tcp_send(&c, 0, buf, (uint32_t)(n + body));
        tcp_think(&c, (uint64_t)(rng_lognormal(&h->r, 40, 0.8) * NS_PER_MS));
        int rb = 800 + (int)rng_range(&h->r, 3000);
        n = sprintf((char *)buf2, "HTTP/1.1 200 \r\nContent-Type: application/soap+xml;charset=UTF-8\r\nServer: Microsoft-HTTPAPI/2.0\r\nContent-Length: %d\r\n\r\n", rb);
        for (int j = 0; j < rb; j++) buf2[n + j] = (uint8_t)("<s:Envelope><s:Body>rsp</s:Body> "[j % 34]);
        tcp_send(&c, 1, buf2, (uint32_t)(n + rb));
        tcp_think(&c, (uint64_t)(rng_exp(&h->r, 2) * NS_PER_S));
    }
    tcp_close(&c, 0);
}

/* ---------------- sites ---------------- */
static const char *top_names[] = {
    "www.google.com", "www.youtube.com", "outlook.office365.com", "login.microsoftonline.com", "www.bing.com",
    "teams.microsoft.com", "graph.microsoft.com", "www.linkedin.com", "github.com", "api.github.com",
    "www.wikipedia.org", "en.wikipedia.org", "www.amazon.com", "fonts.googleapis.com", "fonts.gstatic.com",
    "ajax.googleapis.com", "www.gstatic.com", "accounts.google.com", "mail.google.com", "drive.google.com",
    "docs.google.com", "www.facebook.com", "static.xx.fbcdn.net", "www.instagram.com", "twitter.com",
    "abs.twimg.com", "www.reddit.com", "www.redditstatic.com", "stackoverflow.com", "cdn.sstatic.net",
    "www.bbc.co.uk", "www.nytimes.com", "www.theguardian.com", "www.cnn.com", "edition.cnn.com",
    "www.salesforce.com", "login.salesforce.com", "zoom.us", "us02web.zoom.us", "www.dropbox.com",
    "www.apple.com", "www.icloud.com", "cdn.jsdelivr.net", "cdnjs.cloudflare.com", "unpkg.com",
    "www.office.com", "portal.office.com", "res.cdn.office.net", "www.microsoft.com", "learn.microsoft.com",
    "docs.python.org", "pypi.org", "files.pythonhosted.org", "registry.npmjs.org", "hub.docker.com",
    "www.atlassian.com", "id.atlassian.com", "corp.atlassian.net", "slack.com", "app.slack.com",
    "www.adobe.com", "acrobat.adobe.com", "www.paypal.com", "www.ebay.com", "www.booking.com",
    "www.weather.com", "www.yahoo.com", "news.yahoo.com", "www.msn.com", "assets.msn.com",
    "www.twitch.tv", "www.spotify.com", "open.spotify.com", "www.netflix.com", "www.imdb.com",
    "www.zendesk.com", "www.hubspot.com", "www.notion.so", "www.figma.com", "www.canva.com",
    "www.oracle.com", "www.ibm.com", "aws.amazon.com", "console.aws.amazon.com", "s3.amazonaws.com",
    "cloud.google.com", "portal.azure.com", "www.cloudflare.com", "www.akamai.com", "www.fastly.com",
    "www.google-analytics.com", "www.googletagmanager.com", "stats.g.doubleclick.net", "connect.facebook.net", "bat.bing.com",
};
static const char *w1[] = { "blue", "north", "bright", "open", "smart", "rapid", "green", "silver", "metro", "prime",
                            "alpha", "nova", "urban", "pixel", "cloud", "data", "swift", "solid", "true", "next",
                            "red", "clear", "deep", "wild", "happy", "sun", "star", "iron", "lake", "river" };
static const char *w2[] = { "media", "labs", "news", "shop", "works", "hub", "point", "soft", "net", "stack",
                            "forge", "base", "press", "cast", "ware", "line", "store", "zone", "wave", "gate",
                            "craft", "mind", "logic", "path", "field", "bridge", "port", "dock", "nest", "grid" };
static const char *tlds[] = { "com", "net", "org", "io", "co.uk", "de", "fr", "info", "biz", "eu", "nl", "app" };

static uint32_t pub_ip(uint64_t k, const uint8_t *firsts, int nf)
{
    uint64_t x = mix64(k);
    uint32_t a = firsts[x % nf];
    uint32_t rest = (uint32_t)(x >> 16) & 0xffffff;
    if ((rest & 0xff) == 0 || (rest & 0xff) == 255) rest ^= 0x11;
    return a << 24 | rest;
}

static void site_make(site_t *s, const char *name, uint32_t ip, rng_t *r)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->ip = ip;
    s->rtt_us = 8000 + (uint32_t)rng_range(r, 110000);
    s->tls13 = rng_u01(r) < 0.8;
    s->h2 = rng_u01(r) < 0.75;
    s->http = rng_u01(r) < 0.08;
    s->has6 = rng_u01(r) < 0.4;
    static const uint32_t ttls[] = { 60, 120, 300, 300, 600, 3600 };
    s->ttl = ttls[rng_range(r, 6)];
}

static const uint8_t pop_firsts[] = { 13, 20, 23, 34, 35, 52, 54, 104, 142, 151, 157, 199 };
static const uint8_t tail_firsts[] = { 5, 31, 37, 46, 62, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95 };

static void longtail_site(site_t *s, host_t *h, int day, int k)
{
    uint64_t id = ((uint64_t)day * 4096 + (uint64_t)h->idx) * 16 + (uint64_t)k;
    char name[64];
    snprintf(name, sizeof name, "www.%s%s%llu.%s", w1[id % 30], w2[(id / 30) % 30], (unsigned long long)(id / 900 + 2),
             tlds[mix64(id) % 12]);
    rng_t r;
    rng_seed(&r, O->seed ^ mix64(id + 777));
    site_make(s, name, 0, &r);
    /* unique: bijection of id into the low 24 bits */
    uint32_t low = (uint32_t)((id * 0x9E3779u + 0x5bd1e9u) & 0xffffff);
    s->ip = (uint32_t)tail_firsts[id % 22] << 24 | low;
    if ((s->ip & 0xff) == 0) s->ip |= 7;
    s->http = 0;
}

static int zipf_pick(rng_t *r, const double *cdf, int n)
{
    double u = rng_u01(r);
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int m = (lo + hi) / 2;
        if (cdf[m] < u) lo = m + 1; else hi = m;
    }
    return lo;
}

static void build_sites(void)
{
    rng_t r;
    rng_seed(&r, O->seed ^ 0x5173);
    int ntop = (int)(sizeof top_names / sizeof *top_names);
    for (int i = 0; i < nsites; i++) {
        char name[64];
        if (i < ntop) snprintf(name, sizeof name, "%s", top_names[i]);
        else snprintf(name, sizeof name, "%s.%s%s.%s", (i & 1) ? "cdn" : "www", w1[i % 30], w2[(i * 7) % 30], tlds[i % 12]);
        site_make(&sites[i], name, pub_ip((uint64_t)i * 31 + 1, pop_firsts, 12), &r);
    }
    double z = 0;
    for (int i = 0; i < nsites; i++) z += 1.0 / pow(i + 1, 1.0);
    double c = 0;
    for (int i = 0; i < nsites; i++) { c += 1.0 / pow(i + 1, 1.0) / z; zipf_cdf[i] = c; }
    zipf_cdf[nsites - 1] = 1.0;
    static const char *ntpn[] = { "0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org", "3.pool.ntp.org" };
    for (int i = 0; i < 4; i++) { site_make(&s_ntp[i], ntpn[i], pub_ip(9000 + i, pop_firsts, 12), &r); s_ntp[i].ttl = 150; }
    site_make(&s_poll, "settings-win.data.microsoft.com", IP4(20, 42, 73, 29), &r);
    s_poll.ttl = 300;
    s_poll.tls13 = 0;
    site_make(&s_chat, "wss-primary.slack.com", IP4(34, 226, 36, 50), &r);
    s_chat.tls13 = 1; s_chat.h2 = 0;
    site_make(&s_res[0], "dns.quad9.net", IP4(9, 9, 9, 9), &r);
    s_res[0].rtt_us = 9000;
    site_make(&s_res[1], "one.one.one.one", IP4(1, 1, 1, 1), &r);
    s_res[1].rtt_us = 7000;
    site_make(&s_offsite, "s3.eu-central-2.backupvault.net", IP4(45, 156, 24, 17), &r);
    static const char *mxd[] = { "partner-logistics.com", "acme-supplies.de", "northwind.co.uk", "contoso-bank.com",
                                 "gmail.com", "outlook.com", "yahoo.com", "fabrikam.net", "lawfirm-hr.com", "tax-advisors.eu" };
    double z2 = 0, c2 = 0;
    for (int i = 0; i < 25; i++) z2 += 1.0 / (i + 1);
    for (int i = 0; i < 25; i++) {
        char nm[64];
        if (i < 10) snprintf(nm, sizeof nm, "mx1.%s", mxd[i]);
        else snprintf(nm, sizeof nm, "mail.%s%s.%s", w1[i], w2[i + 3], tlds[i % 12]);
        site_make(&s_mx[i], nm, pub_ip(12000 + i, pop_firsts, 12), &r);
        c2 += 1.0 / (i + 1) / z2;
        mx_cdf[i] = c2;
    }
    mx_cdf[24] = 1.0;
    site_make(&s_rare, "cdn.static-sync-update.com", IP4(185, 141, 27, 94), &r);
    site_make(&s_beacon, "api.telemetry-cloudnode.net", IP4(193, 29, 104, 211), &r);
    site_make(&s_exfil, "upload.filedrop-transfer.io", IP4(91, 240, 118, 45), &r);
    s_beacon.ttl = 60;
}

/* ---------------- world building ---------------- */
static host_t *add_host(int kind, uint32_t ip, const char *name)
{
    host_t *h = &H[nh];
    memset(h, 0, sizeof *h);
    h->kind = kind;
    h->idx = nh++;
    h->ip = ip;
    snprintf(h->name, sizeof h->name, "%s", name);
    h->mac[0] = 0x02; h->mac[1] = 0x00;
    h->mac[2] = ip >> 24; h->mac[3] = ip >> 16; h->mac[4] = ip >> 8; h->mac[5] = (uint8_t)ip;
    h->gwmac = gwmac;
    h->gwip = kind == K_SRV ? IP4(10, 20, 10, 1) : IP4(10, 20, 0, 1);
    rng_seed(&h->r, O->seed * 0x9E3779B97F4A7C15ULL + mix64(ip));
    h->port = (uint16_t)(49152 + rng_range(&h->r, 16000));
    h->browser = pick_browser(&h->r);
    if ((ip >> 16) == (IP4(10, 20, 0, 0) >> 16)) ipmap[ip & 0xffff] = h;
    return h;
}

static void build_world(void)
{
    nws = O->workstations;
    nbranch = nws / 10;
    nsrv = O->servers < 7 ? 7 : (O->servers > 16 ? 16 : O->servers);
    H = calloc((size_t)(nws + nbranch + nsrv + 8), sizeof *H);
    static const char *sn[] = { "dc01", "fs01", "intranet01", "mail01", "app01", "db01", "backup01", "print01",
                                "mon01", "dc02", "wsus01", "jump01", "ca01", "hr-app01", "build01", "log01" };
    for (int i = 0; i < nsrv; i++) {
        host_t *h = add_host(K_SRV, IP4(10, 20, 10, 10 + i), sn[i]);
        h->role = i < R_GENERIC ? i : R_GENERIC;
        h->linux_ = (i == R_APP || i == R_DB || i == R_BACKUP || i == R_MAIL || i == 8 || i == 14 || i == 15);
        h->has6 = (i == R_DC || i == R_FS || i == R_WEB);
        if (h->has6) v6_of(h->ip6, h->ip, 0);
        srv[i] = h;
    }
    scanner = add_host(K_SRV, IP4(10, 20, 10, 250), "vulnscan01");
    scanner->role = R_SCANNER;
    scanner->linux_ = 1;
    static const char *names[] = { "anna", "ben", "carla", "dev", "emma", "finn", "gina", "hugo", "ida", "jon" };
    for (int i = 0; i < nws; i++) {
        uint32_t ip = IP4(10, 20, 1 + i / 200, 20 + i % 200);
        char nm[32];
        snprintf(nm, sizeof nm, "ws-%03d", i + 1);
        host_t *h = add_host(K_WS, ip, nm);
        snprintf(h->user, sizeof h->user, "%s.%c%03d", names[i % 10], 'a' + (i * 7) % 26, i);
        h->admin = i == 0 || i == 1;
        if (h->admin) snprintf(h->user, sizeof h->user, "adm-ops%d", i + 1);
        h->alwayson = i == 2 || i == 3;
        h->laptop = !h->admin && !h->alwayson && rng_u01(&h->r) < 0.15;
        h->has6 = i >= 4 && i < 10;
        if (h->has6) { v6_of(h->ip6, h->ip, 0); h->ip6[7] = 0; }
    }
    for (int i = 0; i < nbranch; i++) {
        uint32_t ip = IP4(10, 30, 0, 10 + i);
        char nm[32];
        snprintf(nm, sizeof nm, "br-%03d", i + 1);
        host_t *h = add_host(K_WS, ip, nm);
        snprintf(h->user, sizeof h->user, "branch.user%02d", i);
        h->branch = 1;
        h->vlan = 30;
        h->gwmac = gw30mac;
        h->gwip = IP4(10, 30, 0, 1);
        branchmap[ip & 0xff] = h;
    }
    memset(gw6, 0, 16);
    gw6[0] = 0xfd; gw6[3] = 0x20; gw6[15] = 1;
    dccache = calloc(DCCACHE, sizeof *dccache);
}

/* ---------------- workstation day ---------------- */
static void ws_plan_day(host_t *h, int d, uint64_t day0, int weekday)
{
    rng_t *r = &h->r;
    h->present = 0;
    if (weekday < 5) {
        double p = h->laptop ? 0.6 : 0.96;
        if (h->admin) p = 1.0;
        h->present = rng_u01(r) < p;
        /* every benign machine turns up on the first working day, inside
         * the sensor's learning period: a laptop first seen on day 3 would
         * be a genuinely new device */
        if (!h->seen_once)
            h->present = 1;
    }
    if (h->present)
        h->seen_once = 1;
    h->arrive = day0 + MIN(rng_uni(r, 7.5 * 60, 9.5 * 60));
    h->leave = day0 + MIN(rng_uni(r, 16.5 * 60, 19 * 60));
    h->lunch_s = day0 + MIN(rng_uni(r, 11.75 * 60, 13 * 60));
    h->lunch_e = h->lunch_s + MIN(rng_uni(r, 30, 60));
    if (h->forced && d == inj_day) {
        h->present = 1;
        if (h->arrive > day0 + HOUR(9)) h->arrive = day0 + HOUR(8.9);
        if (h->forced == 2) h->leave = day0 + HOUR(21.5);
        else if (h->leave < day0 + HOUR(17.5)) h->leave = day0 + HOUR(17.5);
    }
}

static void ws_arrive(host_t *h, uint64_t t, int d)
{
    /* boot: ARP, DNS for DC services, Kerberos/LDAP logon */
    uint64_t tt = t;
    l2_next(h, &tt, h->gwip);
    char srvname[64];
    snprintf(srvname, sizeof srvname, "_ldap._tcp.dc._msdcs.corp.local");
    dns_internal(h, tt, srvname, srv[R_DC]->ip);
    sched(t + SEC(rng_uni(&h->r, 1, 5)), A_KRB, h->idx, 0);
    if (!h->alwayson) {
        sched(t + SEC(rng_uni(&h->r, 5, 60)), A_NTP, h->idx, 0);
        sched(t + MIN(rng_uni(&h->r, 1, 12)), A_POLL, h->idx, 0);
    }
    sched(t + MIN(rng_uni(&h->r, 1, 4)), A_CHAT, h->idx, 0);
    sched(t + MIN(rng_uni(&h->r, 2, 10)), A_BROWSE, h->idx, 0);
    sched(t + MIN(rng_uni(&h->r, 3, 30)), A_INTRANET, h->idx, 0);
    sched(t + MIN(rng_uni(&h->r, 2, 20)), A_SMB, h->idx, 0);
    int k = 2 + (int)rng_range(&h->r, 4);
    uint64_t span = h->leave > h->arrive ? h->leave - h->arrive : HOUR(1);
    for (int i = 0; i < k; i++) sched(h->arrive + rng_range(&h->r, span), A_LONGTAIL, h->idx, d * 16 + i);
    if (rng_u01(&h->r) < 0.5) sched(h->arrive + rng_range(&h->r, span), A_MISC, h->idx, 0);
    if (h->admin) {
        int nt = 20 + (int)rng_range(&h->r, 21);
        int cand = nh;
        for (int i = 0; i < nt; i++) {
            int j = (int)rng_range(&h->r, (uint64_t)cand);
            host_t *x = &H[j];
            if (x == h || x->kind == K_DEV || x == scanner || x->branch) { i--; continue; }
            sched(h->arrive + HOUR(0.2) + rng_range(&h->r, span - HOUR(0.4)), A_ADMIN, h->idx, j);
        }
    }
}

static void browse(host_t *h, uint64_t t)
{
    int pages = 1 + (rng_u01(&h->r) < 0.4) + (rng_u01(&h->r) < 0.15);
    for (int i = 0; i < pages; i++) {
        site_t *s = &sites[zipf_pick(&h->r, zipf_cdf, nsites)];
        uint64_t ts = t + (uint64_t)i * (50 + rng_range(&h->r, 400)) * NS_PER_MS;
        if (s->http && rng_u01(&h->r) < 0.6) site_http(h, ts, s);
        else site_tls(h, ts, s, h->browser, 1 + (int)rng_range(&h->r, 3), 700, 2500);
    }
    /* occasional failed lookup (typo / dead link) */
    if (rng_u01(&h->r) < 0.03) {
        char nm[64];
        snprintf(nm, sizeof nm, "www.%s%s-%u.com", w1[rng_range(&h->r, 30)], w2[rng_range(&h->r, 30)], (unsigned)rng_range(&h->r, 99));
        uint64_t tx = t + SEC(2);
        dns_q(h, tx, nm, 1, 3, NULL, 0, 300);
    }
}

/* ---------------- servers ---------------- */
static conv_t dbpool[4];

static void db_open_pool(uint64_t t)
{
    host_t *a = srv[R_APP], *d = srv[R_DB];
    for (int i = 0; i < 4; i++) {
        conv_t *c = &dbpool[i];
        conv_to(c, a, t + SEC(i), d->ip, 5432, 150 * NS_PER_US, 100e6);
        tcp_open(c, 1);
        int n = pg_startup(buf, "erp", "erpdb");
        tcp_send(c, 0, buf, (uint32_t)n);
        n = pg_auth_ok_ready(buf2);
        tcp_send(c, 1, buf2, (uint32_t)n);
    }
}

static void db_query(uint64_t t)
{
    host_t *a = srv[R_APP];
    conv_t *c = &dbpool[rng_range(&a->r, 4)];
    if (c->t < t) c->t = t;
    static const char *qs[] = { "SELECT id, status FROM orders WHERE customer_id = 4711 ORDER BY id DESC LIMIT 20",
                                "SELECT id, status FROM shipments WHERE updated_at > now() - interval '5 minutes'",
                                "SELECT id, status FROM invoices WHERE due_date < current_date AND status = 'open'" };
    int n = pg_query(buf, qs[rng_range(&a->r, 3)]);
    tcp_send(c, 0, buf, (uint32_t)n);
    tcp_think(c, (uint64_t)(rng_lognormal(&a->r, 2, 0.8) * NS_PER_MS));
    n = pg_result(buf2, &a->r, 1 + (int)rng_range(&a->r, 20));
    tcp_send(c, 1, buf2, (uint32_t)n);
    tcp_think(c, 40 * NS_PER_MS);
    buf[0] = 0;
}

static void mail_out(uint64_t t)
{
    host_t *m = srv[R_MAIL];
    site_t *mx = &s_mx[zipf_pick(&m->r, mx_cdf, 25)];
    t = resolve(m, t, mx);
    conv_t c;
    conv_to(&c, m, t, mx->ip, 25, mx->rtt_us * NS_PER_US, 5e6);
    tcp_open(&c, 1);
    char line[256];
    const char *dom = strchr(mx->name, '.') + 1;
    struct { int dir; const char *fmt; } dlg[] = {
        { 1, "220 %s ESMTP ready\r\n" }, { 0, "EHLO mail01.corp-example.com\r\n" },
        { 1, "250-%s Hello\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n" },
        { 0, "MAIL FROM:<noreply@corp-example.com> SIZE=%s\r\n" }, { 1, "250 2.1.0 Ok\r\n" },
        { 0, "RCPT TO:<orders@%s>\r\n" }, { 1, "250 2.1.5 Ok\r\n" }, { 0, "DATA\r\n" },
        { 1, "354 End data with <CR><LF>.<CR><LF>\r\n" },
    };
    for (size_t i = 0; i < sizeof dlg / sizeof *dlg; i++) {
        int n = snprintf(line, sizeof line, dlg[i].fmt, i == 3 ? "20480" : (i == 5 ? dom : mx->name));
        tcp_send(&c, dlg[i].dir, (uint8_t *)line, (uint32_t)n);
        if (dlg[i].dir == 0) tcp_think(&c, 300 * NS_PER_US);
    }
    int body = 1500 + (int)rng_pareto(&m->r, 2000, 1.3);
    if (body > 40000) body = 40000;
    int n = sprintf((char *)buf, "From: Corp Example <noreply@corp-example.com>\r\nTo: orders@%s\r\nSubject: Order confirmation %u\r\nDate: Mon, 05 Jan 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                    dom, (unsigned)rng_range(&m->r, 999999));
    for (int i = 0; i < body; i++) buf[n + i] = (i % 72 == 71) ? '\n' : (uint8_t)("order line item qty price total "[i % 32]);
    n += body;
    n += sprintf((char *)buf + n, "\r\n.\r\n");
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = sprintf(line, "250 2.0.0 Ok: queued as %llX\r\n", (unsigned long long)(rng_next(&m->r) & 0xffffffffff));
    tcp_send(&c, 1, (uint8_t *)line, (uint32_t)n);
    tcp_send(&c, 0, (const uint8_t *)"QUIT\r\n", 6);
    tcp_send(&c, 1, (const uint8_t *)"221 2.0.0 Bye\r\n", 15);
    tcp_close(&c, 1);
}

static void ntp_exchange(host_t *h, uint64_t t, uint32_t dst, uint64_t rtt)
{
    const uint8_t *m = l2_next(h, &t, dst);
    conv_t c;
    conv_init(&c, &h->r, t, 17, h->vlan, h->mac, m, h->ip, dst, h->linux_ ? eport(h) : 123, 123, rtt, 0);
    uint8_t p[48];
    ntp_packet(p, 0, c.t);
    udp_send(&c, 0, p, 48);
    ntp_packet(p, 1, c.t);
    udp_send(&c, 1, p, 48);
}

static void backup_job(host_t *s, uint64_t t)
{
    host_t *b = srv[R_BACKUP];
    conv_t c;
    conv_to(&c, s, t, b->ip, 9103, 120 * NS_PER_US, rng_uni(&s->r, 60e6, 110e6));
    tcp_open(&c, 1);
    int n = sprintf((char *)buf, "Hello Storage calling Start Job %s-inc.%u\n", s->name, (unsigned)rng_range(&s->r, 99999));
    tcp_send(&c, 0, buf, (uint32_t)n);
    n = sprintf((char *)buf2, "3000 OK Hello\n");
    tcp_send(&c, 1, buf2, (uint32_t)n);
    uint64_t bytes = (uint64_t)rng_lognormal(&s->r, 90e6, 0.6);
    if (s->role == R_FS || s->role == R_DB) bytes *= 3;
    tcp_send_tls_bulk(&c, 0, bytes, 64000, 96, 0);
    n = sprintf((char *)buf2, "3000 OK end of data\n");
    tcp_send(&c, 1, buf2, (uint32_t)n);
    tcp_close(&c, 0);
    lab_touch(&L_backup, t, c.t);
    L_backup.bytes += bytes;
    L_backup.count++;
}

static void vuln_scan(uint64_t t)
{
    host_t *s = scanner;
    static const uint16_t ports[] = { 22, 135, 445, 3389 };
    uint64_t t0 = t;
    uint8_t rmac[6];
    memcpy(rmac, gwmac, 6);
    for (uint32_t a = 1; a < 1023; a++) {
        uint32_t ip = IP4(10, 20, 0, 0) + a;
        if ((ip & 0xff) == 0 || (ip & 0xff) == 255) continue;
        host_t *x = host_by_ip(ip);
        int up = ip == IP4(10, 20, 0, 1) || (x && host_up(x, t));
        /* router resolves the target on the workstation segment */
        emit_arp(t + 50 * NS_PER_US, 0, gwmac, bcast, 1, gwmac, IP4(10, 20, 0, 1), zmac, ip);
        if (up) emit_arp(t + 300 * NS_PER_US, 0, x ? x->mac : gwmac, gwmac, 2, x ? x->mac : gwmac, ip, gwmac, IP4(10, 20, 0, 1));
        for (int p = 0; p < 4; p++) {
            conv_t c;
            conv_init(&c, &s->r, t + (uint64_t)p * 2 * NS_PER_MS + NS_PER_MS, 6, 0, gwmac, x ? x->mac : gwmac, s->ip, ip,
                      (uint16_t)(40000 + (a * 7 + p) % 20000), ports[p], 600 * NS_PER_US, 0);
            c.cttl = 63;
            G.flows--;
            int open = x && (ports[p] == 445 || ports[p] == 135 || (ports[p] == 3389 && x->admin));
            if (!up) { tcp_open(&c, -1); continue; }
            G.flows++;
            if (tcp_open(&c, open ? 1 : 0) && open) tcp_reset(&c, 0);
        }
        t += 90 * NS_PER_MS + rng_range(&s->r, 30 * NS_PER_MS);
    }
    lab_touch(&L_vscan, t0, t);
    L_vscan.count++;
}

/* ---------------- injections ---------------- */
static void inj_scan(host_t *h, uint64_t t)
{
    static const uint16_t ports[] = { 21, 22, 23, 25, 80, 135, 139, 443, 445, 3389 };
    uint64_t t0 = t;
    int order[254];
    for (int i = 0; i < 254; i++) order[i] = i + 1;
    for (int i = 253; i > 0; i--) { int j = (int)rng_range(&h->r, (uint64_t)i + 1); int x = order[i]; order[i] = order[j]; order[j] = x; }
    const uint8_t *m = l2_next(h, &t, IP4(10, 20, 10, 1));
    int syns = 0;
    uint16_t sport = eport(h);
    for (int p = 0; p < 10; p++) {
        for (int i = 0; i < 254; i++) {
            uint32_t ip = IP4(10, 20, 10, order[i]);
            host_t *x = host_by_ip(ip);
            if (p == 0 && i % 8 == 0)
                emit_arp(t, 0, gwmac, bcast, 1, gwmac, IP4(10, 20, 10, 1), zmac, ip); /* router-side resolution */
            conv_t c;
            conv_init(&c, &h->r, t, 6, 0, h->mac, m, h->ip, ip, sport, ports[p], 500 * NS_PER_US, 0);
            c.sttl = 127;
            int open = 0;
            if (x) {
                switch (ports[p]) {
                case 22: open = x->linux_; break;
                case 25: open = x->role == R_MAIL; break;
                case 443: open = x->role == R_WEB; break;
                case 80: open = x->role == R_WEB || x->role == R_SCANNER; break;
                case 135: case 139: case 445: open = !x->linux_; break;
                case 3389: open = !x->linux_ && x->role != R_SCANNER; break;
                }
            }
            int est = tcp_open(&c, x ? (open ? 1 : 0) : -1);
            if (est) { c.t -= 30 * NS_PER_US; tcp_reset(&c, 0); }
            syns++;
            t += 30 * NS_PER_MS + rng_range(&h->r, 30 * NS_PER_MS);
        }
    }
    /* port sweep 1-1024 of the intranet server */
    host_t *tgt = srv[R_WEB];
    for (int port = 1; port <= 1024; port++) {
        conv_t c;
        conv_init(&c, &h->r, t, 6, 0, h->mac, m, h->ip, tgt->ip, sport, (uint16_t)port, 500 * NS_PER_US, 0);
        tcp_open(&c, (port == 443 || port == 80 || port == 135 || port == 445 || port == 3389) ? 1 : 0);
        syns++;
        t += 20 * NS_PER_MS + rng_range(&h->r, 20 * NS_PER_MS);
    }
    lab_touch(&L_scan, t0, t + NS_PER_MS);
    L_scan.count = syns;
}

static void inj_device(host_t *d, uint64_t t)
{
    uint64_t t0 = t;
    /* gratuitous ARP, then ARP for the gateway */
    emit_arp(t, 0, d->mac, bcast, 1, d->mac, d->ip, zmac, d->ip);
    t += SEC(1);
    l2_next(d, &t, d->gwip);
    int k = 0;
    uint64_t end = t + HOUR(1.5);
    while (t < end) {
        site_t *s = &sites[zipf_pick(&d->r, zipf_cdf, nsites)];
        uint64_t te = site_tls(d, t, s, TLSP_CURL, 1 + (int)rng_range(&d->r, 3), 400, 2000);
        (void)te;
        k++;
        t += (uint64_t)(rng_exp(&d->r, 90) * NS_PER_S);
    }
    lab_touch(&L_device, t0, t);
    L_device.count = k;
}

static void inj_rare(host_t *h, uint64_t t)
{
    uint64_t te = site_tls(h, t, &s_rare, TLSP_GO, 1 + (int)rng_range(&h->r, 2), 500, 4000);
    lab_touch(&L_rare, t, te);
    L_rare.count++;
}

static void inj_beacon(host_t *h, uint64_t t)
{
    site_t *s = &s_beacon;
    t = resolve(h, t, s);
    conv_t c;
    conv_to(&c, h, t, s->ip, 443, s->rtt_us * NS_PER_US, 5e6);
    tcp_open(&c, 1);
    int n = build_client_hello(buf, &h->r, TLSP_GO, s->name, 0);
    tcp_send(&c, 0, buf, (uint32_t)n);
    tcp_think(&c, NS_PER_MS);
    n = build_server_hello(buf2, &h->r, buf, 1, 0);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    n = build_client_finish12(buf, &h->r);
    n = 6 + build_tls_appdata(buf + 6, &h->r, 53);
    n += build_tls_appdata(buf + n, &h->r, 220);
    tcp_send(&c, 0, buf, (uint32_t)n);
    tcp_think(&c, 2 * NS_PER_MS);
    n = build_tls_appdata(buf2, &h->r, 96);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    tcp_close(&c, 0);
    lab_touch(&L_beacon, t, c.t);
    L_beacon.count++;
}

static void inj_exfil(host_t *h, uint64_t t)
{
    site_t *s = &s_exfil;
    t = resolve(h, t, s);
    conv_t c;
    conv_to(&c, h, t, s->ip, 443, s->rtt_us * NS_PER_US, 25e6);
    tcp_open(&c, 1);
    int n = build_client_hello(buf, &h->r, TLSP_CURL, s->name, 0);
    tcp_send(&c, 0, buf, (uint32_t)n);
    tcp_think(&c, NS_PER_MS);
    n = build_server_hello(buf2, &h->r, buf, 1, 0);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    n = 6 + build_tls_appdata(buf + 6, &h->r, 53);
    n += build_tls_appdata(buf + n, &h->r, 600);
    tcp_send(&c, 0, buf, (uint32_t)n);
    uint64_t bytes = 2000000000ULL;
    tcp_send_tls_bulk(&c, 0, bytes, 64000, 96, 1);
    n = build_tls_appdata(buf2, &h->r, 180);
    tcp_send(&c, 1, buf2, (uint32_t)n);
    tcp_close(&c, 0);
    lab_touch(&L_exfil, t, c.t);
    L_exfil.bytes = bytes;
    L_exfil.count = 1;
}

/* ---------------- dispatcher ---------------- */
static uint64_t day_start(int d) { return T0 + (uint64_t)d * DAY_NS; }

static void on_day(int d)
{
    uint64_t day0 = day_start(d);
    int wd = weekday_mon0(day0);
    for (int i = 0; i < nh; i++) {
        host_t *h = &H[i];
        if (h->kind != K_WS) continue;
        ws_plan_day(h, d, day0, wd);
        if (h->present) sched(h->arrive, A_ARRIVE, i, d);
    }
    /* nightly backups (01:00-03:00) */
    for (int i = 0; i < nsrv; i++) {
        if (i == R_BACKUP) continue;
        host_t *s = srv[i];
        sched(day0 + HOUR(1) + (uint64_t)i * MIN(9) + rng_range(&s->r, MIN(6)), A_BACKUP, s->idx, 0);
    }
    if (wd == 1) sched(day0 + HOUR(3.5) + rng_range(&srv[R_FS]->r, MIN(10)), A_OFFSITE, srv[R_FS]->idx, 0);
    sched(day0 + HOUR(22) + rng_range(&scanner->r, SEC(90)), A_VSCAN, scanner->idx, 0);
    if (d == inj_day) {
        if (do_scan) sched(day0 + HOUR(10) + MIN(12) + rng_range(&inj_host[0]->r, MIN(15)), A_INJ_SCAN, inj_host[0]->idx, 0);
        if (do_device) {
            newdev->present = 1;
            newdev->arrive = day0 + HOUR(11) + MIN(5);
            newdev->leave = newdev->arrive + HOUR(2);
            sched(newdev->arrive, A_INJ_DEV, newdev->idx, 0);
        }
        if (do_rare) {
            host_t *h = inj_host[2];
            uint64_t t = day0 + HOUR(9.6);
            for (int k = 0; k < 26; k++) {
                sched(t, A_INJ_RARE, h->idx, 0);
                t += (uint64_t)(rng_uni(&h->r, 6, 20) * 60e9);
            }
        }
        if (do_beacon) {
            host_t *h = inj_host[3];
            uint64_t t = day0 + HOUR(13) + rng_range(&h->r, MIN(5));
            for (int k = 0; k < 150; k++) {
                sched(t, A_INJ_BEACON, h->idx, 0);
                t += (uint64_t)(60e9 * (1.0 + rng_uni(&h->r, -0.02, 0.02)));
            }
        }
        if (do_exfil) sched(day0 + HOUR(19) + MIN(40) + rng_range(&inj_host[4]->r, MIN(10)), A_INJ_EXFIL, inj_host[4]->idx, 0);
    }
    if (d + 1 < O->days) sched(day_start(d + 1), A_DAY, d + 1, 0);
}

static void dispatch(act_t *a)
{
    uint64_t t = a->t;
    host_t *h = (a->type == A_DAY || a->type == A_DB || a->type == A_MAIL || a->type == A_DCNTP) ? NULL : &H[a->a];
    switch (a->type) {
    case A_DAY: on_day(a->a); break;
    case A_ARRIVE: ws_arrive(h, t, a->b); break;
    case A_KRB: kerberos_logon(h, t); break;
    case A_BROWSE:
        if (!host_up(h, t) || !h->present || t >= h->leave) break;
        if (in_office(h, t)) browse(h, t);
        else if (rng_u01(&h->r) < 0.15) browse(h, t); /* a little lunch-time browsing */
        sched(t + (uint64_t)(rng_exp(&h->r, in_office(h, t) ? 600 : 1500) * NS_PER_S), A_BROWSE, a->a, 0);
        break;
    case A_POLL:
        if (!host_up(h, t)) break;
        site_tls(h, t, &s_poll, TLSP_SCHANNEL, 1, 900, 2500);
        lab_touch(&L_poll, t, t + SEC(1));
        L_poll.count++;
        sched(t + (uint64_t)(3600e9 * rng_uni(&h->r, 0.9, 1.1)), A_POLL, a->a, 0);
        break;
    case A_NTP:
        if (!host_up(h, t)) break;
        {
            site_t *s = &s_ntp[rng_range(&h->r, 4)];
            uint64_t t2 = resolve(h, t, s);
            ntp_exchange(h, t2, s->ip, (s->rtt_us + rng_range(&h->r, 3000)) * NS_PER_US);
        }
        sched(t + SEC(1024) + rng_range(&h->r, SEC(2)), A_NTP, a->a, 0);
        break;
    case A_CHAT:
        if (!h->present || t >= h->leave) {
            if (h->chat_open) {
                if (h->chat.t < t) h->chat.t = t;
                tcp_close(&h->chat, 0);
                h->chat_open = 0;
            }
            break;
        }
        if (!h->chat_open) {
            uint64_t t2 = resolve(h, t, &s_chat);
            conv_to(&h->chat, h, t2, s_chat.ip, 443, s_chat.rtt_us * NS_PER_US, 5e6);
            tcp_open(&h->chat, 1);
            tls_body(&h->chat, &h->r, TLSP_CHROME, s_chat.name, 1, 0, 1, 600, 800, 0);
            h->chat_open = 1;
        } else {
            conv_t *c = &h->chat;
            if (c->t < t) c->t = t;
            int n = build_tls_appdata(buf, &h->r, 90 + (int)rng_range(&h->r, 40));
            tcp_send(c, 0, buf, (uint32_t)n);
            n = build_tls_appdata(buf2, &h->r, 60 + (int)rng_range(&h->r, 30));
            tcp_send(c, 1, buf2, (uint32_t)n);
        }
        {
            uint64_t nt = t + (uint64_t)(300e9 * rng_uni(&h->r, 0.95, 1.05));
            if (nt >= h->leave) nt = h->leave + SEC(rng_uni(&h->r, 1, 30));
            sched(nt, A_CHAT, a->a, 0);
        }
        break;
    case A_INTRANET:
        if (!host_up(h, t) || t >= h->leave) break;
        if (in_office(h, t)) intranet(h, t);
        sched(t + (uint64_t)(rng_exp(&h->r, 1200) * NS_PER_S), A_INTRANET, a->a, 0);
        break;
    case A_SMB:
        if (!host_up(h, t) || t >= h->leave) break;
        if (in_office(h, t)) smb_session(h, t, srv[R_FS], "dept", 1 + (int)rng_range(&h->r, 6), 0);
        sched(t + (uint64_t)(rng_exp(&h->r, 2400) * NS_PER_S), A_SMB, a->a, 0);
        break;
    case A_LONGTAIL: {
        site_t s;
        longtail_site(&s, h, a->b / 16, a->b % 16);
        site_tls(h, t, &s, h->browser, 1 + (int)rng_range(&h->r, 3), 700, 4000);
        lab_touch(&L_tail, t, t + SEC(1));
        L_tail.count++;
        break;
    }
    case A_MISC: icmp_misc(h, t); break;
    case A_ADMIN: {
        host_t *x = &H[a->b];
        int admin_i = h == &H[nsrv + 1] ? 0 : 1;
        double u = rng_u01(&h->r);
        uint64_t dur = (uint64_t)(rng_uni(&h->r, 30, 600) * 1e9);
        if (x->linux_) ssh_session(h, t, x, dur);
        else if (u < 0.4) rdp_session(h, t, x, dur);
        else if (u < 0.75) smb_session(h, t, x, "C$", 2 + (int)rng_range(&h->r, 4), 1);
        else winrm_session(h, t, x);
        lab_touch(&L_admin[admin_i], t, t + dur);
        L_admin[admin_i].count++;
        break;
    }
    case A_SRVNTP:
        ntp_exchange(h, t, srv[R_DC]->ip, 300 * NS_PER_US);
        sched(t + SEC(1024) + rng_range(&h->r, SEC(1)), A_SRVNTP, a->a, 0);
        break;
    case A_DCNTP: {
        host_t *dc = srv[R_DC];
        site_t *s = &s_ntp[rng_range(&dc->r, 4)];
        uint64_t tq;
        uint8_t a4[4] = { s->ip >> 24, s->ip >> 16, s->ip >> 8, (uint8_t)s->ip };
        dc_upstream(t, s->name, 1, 0, a4, 1, s->ttl, &tq);
        ntp_exchange(dc, tq + 100 * NS_PER_US, s->ip, s->rtt_us * NS_PER_US);
        sched(t + SEC(1024), A_DCNTP, 0, 0);
        break;
    }
    case A_MAIL: {
        mail_out(t);
        int wd = weekday_mon0(t);
        uint64_t tod = (t - T0) % DAY_NS;
        double mean = (wd < 5 && tod > HOUR(8) && tod < HOUR(18)) ? 240 : 1800;
        sched(t + (uint64_t)(rng_exp(&srv[R_MAIL]->r, mean) * NS_PER_S), A_MAIL, 0, 0);
        break;
    }
    case A_DB: {
        db_query(t);
        int wd = weekday_mon0(t);
        uint64_t tod = (t - T0) % DAY_NS;
        double mean = (wd < 5 && tod > HOUR(7.5) && tod < HOUR(18.5)) ? 12 : 120;
        sched(t + (uint64_t)(rng_exp(&srv[R_APP]->r, mean) * NS_PER_S), A_DB, 0, 0);
        break;
    }
    case A_BACKUP: backup_job(h, t); break;
    case A_OFFSITE: {
        site_t *s = &s_offsite;
        uint64_t t2 = resolve(h, t, s);
        conv_t c;
        conv_to(&c, h, t2, s->ip, 443, s->rtt_us * NS_PER_US, 40e6);
        tcp_open(&c, 1);
        tls_body(&c, &h->r, TLSP_GO, s->name, 1, 0, 1, 600, 200, 0);
        tcp_send_tls_bulk(&c, 0, 1200000000ULL, 64000, 96, 1);
        tcp_close(&c, 0);
        lab_touch(&L_offsite, t, c.t);
        L_offsite.bytes += 1200000000ULL;
        L_offsite.count++;
        break;
    }
    case A_VSCAN: vuln_scan(t); break;
    case A_INJ_SCAN: inj_scan(h, t); break;
    case A_INJ_DEV: inj_device(h, t); break;
    case A_INJ_RARE: inj_rare(h, t); break;
    case A_INJ_BEACON: inj_beacon(h, t); break;
    case A_INJ_EXFIL: inj_exfil(h, t); break;
    }
}

/* ---------------- labels ---------------- */
static void ipstr(uint32_t ip, char *b) { sprintf(b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255); }

static void write_label(FILE *f, label_t *l, const char *behaviour, const char *category, host_t *h, int trap)
{
    if (!f || !l->start) return;
    char a[40], b[40], ip[20];
    fmt_time(l->start, a, sizeof a);
    fmt_time(l->end, b, sizeof b);
    ipstr(h->ip, ip);
    char mac[20];
    sprintf(mac, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3], h->mac[4], h->mac[5]);
    fprintf(f, "{\"behaviour\":\"%s\",\"category\":\"%s\",\"host\":\"%s\",\"mac\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",%s\"detail\":{%s}}\n",
            behaviour, category, ip, mac, a, b, trap ? "\"expect\":\"no_alert\"," : "\"expect\":\"alert\",", l->detail);
}

static void host_list(char *o, size_t n, int (*pred)(host_t *))
{
    size_t k = 0;
    k += snprintf(o + k, n - k, "[");
    int first = 1;
    for (int i = 0; i < nh && k < n - 24; i++) {
        if (!pred(&H[i])) continue;
        char ip[20];
        ipstr(H[i].ip, ip);
        k += snprintf(o + k, n - k, "%s\"%s\"", first ? "" : ",", ip);
        first = 0;
    }
    snprintf(o + k, n - k, "]");
}
static int p_ws(host_t *h) { return h->kind == K_WS; }
static int p_srv(host_t *h) { return h->kind == K_SRV && h->role != R_BACKUP && h->role != R_SCANNER; }

static void write_labels(FILE *f)
{
    char ip[20], ip2[20];
    if (do_scan && L_scan.start) {
        snprintf(L_scan.detail, sizeof L_scan.detail,
                 "\"targets\":\"10.20.10.0/24\",\"ports\":[21,22,23,25,80,135,139,443,445,3389],\"sweep_target\":\"10.20.10.12\",\"sweep_ports\":\"1-1024\",\"syn_packets\":%d",
                 L_scan.count);
        write_label(f, &L_scan, "scan", "scan", inj_host[0], 0);
    }
    if (do_device && L_device.start) {
        char mac[20];
        sprintf(mac, "%02x:%02x:%02x:%02x:%02x:%02x", newdev->mac[0], newdev->mac[1], newdev->mac[2], newdev->mac[3], newdev->mac[4], newdev->mac[5]);
        snprintf(L_device.detail, sizeof L_device.detail, "\"new_mac\":\"%s\",\"oui_vendor\":\"Raspberry Pi Foundation\",\"connections\":%d", mac, L_device.count);
        write_label(f, &L_device, "device", "device", newdev, 0);
    }
    if (do_rare && L_rare.start) {
        ipstr(s_rare.ip, ip);
        snprintf(L_rare.detail, sizeof L_rare.detail, "\"peer_ip\":\"%s\",\"domain\":\"%s\",\"port\":443,\"connections\":%d", ip, s_rare.name, L_rare.count);
        write_label(f, &L_rare, "rare", "rare", inj_host[2], 0);
    }
    if (do_beacon && L_beacon.start) {
        ipstr(s_beacon.ip, ip);
        snprintf(L_beacon.detail, sizeof L_beacon.detail, "\"peer_ip\":\"%s\",\"domain\":\"%s\",\"port\":443,\"period_s\":60,\"jitter\":0.02,\"connections\":%d", ip, s_beacon.name, L_beacon.count);
        write_label(f, &L_beacon, "beacon", "c2", inj_host[3], 0);
    }
    if (do_exfil && L_exfil.start) {
        ipstr(s_exfil.ip, ip);
        snprintf(L_exfil.detail, sizeof L_exfil.detail, "\"peer_ip\":\"%s\",\"domain\":\"%s\",\"port\":443,\"bytes_out_wire\":%llu", ip, s_exfil.name, (unsigned long long)L_exfil.bytes);
        write_label(f, &L_exfil, "exfil", "exfil", inj_host[4], 0);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(L_admin[i].detail, sizeof L_admin[i].detail, "\"trap\":\"admin_workstation\",\"sessions\":%d,\"ports\":[22,445,3389,5985],\"targets_per_day\":\"20-40\"", L_admin[i].count);
        write_label(f, &L_admin[i], "benign_trap", "lateral", &H[nsrv + 1 + i], 1);
    }
    char wsl[8192];
    snprintf(L_vscan.detail, sizeof L_vscan.detail, "\"trap\":\"authorised_vuln_scanner\",\"targets\":\"10.20.0.0/22\",\"ports\":[22,135,445,3389],\"daily_at\":\"22:00\",\"runs\":%d", L_vscan.count);
    write_label(f, &L_vscan, "benign_trap", "scan", scanner, 1);
    ipstr(s_poll.ip, ip);
    ipstr(s_chat.ip, ip2);
    host_list(wsl, sizeof wsl, p_ws);
    snprintf(L_poll.detail, sizeof L_poll.detail, "\"trap\":\"popular_periodic\",\"peers\":[{\"domain\":\"%s\",\"ip\":\"%s\",\"period_s\":3600},{\"domain\":\"%s\",\"ip\":\"%s\",\"period_s\":300},{\"domain\":\"pool.ntp.org\",\"port\":123,\"period_s\":1024}],\"hosts\":%s",
             s_poll.name, ip, s_chat.name, ip2, wsl);
    write_label(f, &L_poll, "benign_trap", "c2", &H[nsrv + 1 + 4], 1);
    host_list(wsl, sizeof wsl, p_srv);
    ipstr(srv[R_BACKUP]->ip, ip);
    snprintf(L_backup.detail, sizeof L_backup.detail, "\"trap\":\"nightly_backup\",\"server\":\"%s\",\"port\":9103,\"jobs\":%d,\"bytes_wire\":%llu,\"clients\":%s", ip,
             L_backup.count, (unsigned long long)L_backup.bytes, wsl);
    write_label(f, &L_backup, "benign_trap", "exfil", srv[R_BACKUP], 1);
    if (L_offsite.start) {
        ipstr(s_offsite.ip, ip);
        snprintf(L_offsite.detail, sizeof L_offsite.detail, "\"trap\":\"weekly_offsite_backup\",\"peer_ip\":\"%s\",\"domain\":\"%s\",\"bytes_wire\":%llu", ip, s_offsite.name, (unsigned long long)L_offsite.bytes);
        write_label(f, &L_offsite, "benign_trap", "exfil", srv[R_FS], 1);
    }
    snprintf(L_tail.detail, sizeof L_tail.detail, "\"trap\":\"long_tail_one_off_sites\",\"visits\":%d,\"hosts\":\"all workstations\"", L_tail.count);
    write_label(f, &L_tail, "benign_trap", "rare", &H[nsrv + 1 + 5], 1);
}

/* ---------------- entry ---------------- */
int run_enterprise(const opts_t *o, pcapw_t *w, FILE *labels)
{
    O = o;
    T0 = o->start;
    TEND = T0 + (uint64_t)o->days * DAY_NS;
    build_world();
    build_sites();
    /* injection set */
    if (strcmp(o->inject, "none")) {
        do_scan = strstr(o->inject, "scan") != NULL;
        do_device = strstr(o->inject, "device") != NULL;
        do_rare = strstr(o->inject, "rare") != NULL;
        do_beacon = strstr(o->inject, "beacon") != NULL;
        do_exfil = strstr(o->inject, "exfil") != NULL;
    }
    int any = do_scan || do_device || do_rare || do_beacon || do_exfil;
    if (any) {
        inj_day = o->inject_day;
        if (inj_day < 0) {
            for (int d = o->days - 1; d >= 2; d--)
                if (weekday_mon0(day_start(d)) < 5) { inj_day = d; break; }
        }
        if (inj_day < 2 || inj_day >= o->days || weekday_mon0(day_start(inj_day)) >= 5) {
            fprintf(stderr, "tw-gen: no usable inject day (need a weekday after the 2-day learning period; use --days >= 3 or --inject none)\n");
            return 2;
        }
        /* pick distinct ordinary workstations */
        rng_t r;
        rng_seed(&r, o->seed ^ 0x1a1ec7);
        int used = 0;
        for (int k = 0; k < 5; k++) {
            for (int tries = 0; tries < 10000; tries++) {
                int i = (int)rng_range(&r, (uint64_t)nws);
                host_t *h = &H[nsrv + 1 + i];
                if (h->admin || h->alwayson || h->laptop || h->has6 || h->forced || i < 10) continue;
                h->forced = k == 4 ? 2 : 1;
                inj_host[k] = h;
                used++;
                break;
            }
        }
        if (used < 5) { fprintf(stderr, "tw-gen: need more workstations for injections\n"); return 2; }
        if (do_device) {
            if (ipmap[0x03e7]) { fprintf(stderr, "tw-gen: device IP clash\n"); return 2; }
            newdev = add_host(K_DEV, IP4(10, 20, 3, 231), "raspberrypi");
            static const uint8_t m[6] = { 0xb8, 0x27, 0xeb, 0x5c, 0x3e, 0x91 };
            memcpy(newdev->mac, m, 6);
            newdev->linux_ = 1;
        }
    }
    L_scan.start = 0;
    pq_init();
    /* continuous server activity */
    db_open_pool(T0 + SEC(3));
    sched(T0 + SEC(5), A_DB, 0, 0);
    sched(T0 + SEC(40), A_MAIL, 0, 0);
    sched(T0 + SEC(11), A_DCNTP, 0, 0);
    for (int i = 1; i < nsrv; i++) sched(T0 + SEC(20 + i * 37), A_SRVNTP, srv[i]->idx, 0);
    for (int i = 0; i < nh; i++) {
        host_t *h = &H[i];
        if (h->alwayson) {
            sched(T0 + SEC(rng_uni(&h->r, 10, 900)), A_NTP, i, 0);
            sched(T0 + MIN(rng_uni(&h->r, 1, 60)), A_POLL, i, 0);
        }
    }
    sched(T0, A_DAY, 0, 0);
    for (;;) {
        int have_a = an > 0, have_p = !pq_empty();
        if (!have_a && !have_p) break;
        if (have_a && (!have_p || AH[0].t <= pq_top_time())) {
            act_t a = apop();
            dispatch(&a);
        } else {
            pq_pop_write(w);
        }
    }
    /* close anything still open at the end (db pool) is left open, as in a real capture */
    write_labels(labels);
    return 0;
}
