/* tw-gen: deterministic traffic generator for tidewatch (shared declarations). */
#ifndef TW_TRACEGEN_H
#define TW_TRACEGEN_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S  1000000000ULL
#define NS_PER_MS 1000000ULL
#define NS_PER_US 1000ULL
#define SEC(x)  ((uint64_t)((x) * 1e9))
#define MIN(x)  ((uint64_t)((x) * 60e9))
#define HOUR(x) ((uint64_t)((x) * 3600e9))

/* ---------------- PRNG (xoshiro256**, seeded with splitmix64) ---------------- */
typedef struct { uint64_t s[4]; } rng_t;
uint64_t mix64(uint64_t x);
void rng_seed(rng_t *r, uint64_t seed);
uint64_t rng_next(rng_t *r);
static inline double rng_u01(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static inline uint64_t rng_range(rng_t *r, uint64_t n) { return n ? (uint64_t)(((__uint128_t)rng_next(r) * n) >> 64) : 0; }
static inline double rng_uni(rng_t *r, double a, double b) { return a + (b - a) * rng_u01(r); }
double rng_exp(rng_t *r, double mean);
double rng_normal(rng_t *r);
double rng_lognormal(rng_t *r, double median, double sigma);
double rng_pareto(rng_t *r, double xm, double alpha);
void rng_bytes(rng_t *r, uint8_t *p, size_t n);

/* ---------------- pcap writer ---------------- */
typedef struct {
    FILE *f;
    uint32_t snaplen;
    uint64_t npkts, bytes_cap, bytes_wire;
} pcapw_t;
int pcapw_open(pcapw_t *w, const char *path, uint32_t snaplen);
static inline void pcapw_write(pcapw_t *w, uint64_t t_ns, const uint8_t *d, uint32_t caplen, uint32_t origlen)
{
    uint32_t h[4] = { (uint32_t)(t_ns / NS_PER_S), (uint32_t)(t_ns % NS_PER_S), caplen, origlen };
    fwrite(h, sizeof h, 1, w->f);
    fwrite(d, caplen, 1, w->f);
    w->npkts++;
    w->bytes_cap += caplen;
    w->bytes_wire += origlen;
}
int pcapw_close(pcapw_t *w);

/* ---------------- time helpers ---------------- */
int parse_rfc3339(const char *s, uint64_t *out_ns);
void fmt_time(uint64_t t_ns, char *buf, size_t n); /* 2026-01-07T10:12:00.000000Z */
int weekday_mon0(uint64_t t_ns);                   /* 0 = Monday */

/* ---------------- frame / L4 emission (net.c) ---------------- */
typedef struct {
    uint8_t mac[6];
    uint32_t ip4;      /* host order */
    uint8_t ip6[16];
} ep_t;

/* One TCP conversation or UDP exchange as seen at the capture point (near the client). */
typedef struct conv {
    uint8_t cmac[6], smac[6]; /* L2: client-side frame src / dst */
    uint16_t vlan;
    int v6;
    uint32_t cip, sip;
    uint8_t cip6[16], sip6[16];
    uint16_t cport, sport;
    uint8_t proto;            /* 6 or 17 */
    uint32_t cseq, sseq;      /* next sequence number each side sends */
    uint32_t cack, sack;      /* last ack each side sent */
    uint16_t cipid, sipid;
    uint8_t cttl, sttl;
    uint64_t t;               /* time cursor */
    uint64_t rtt;             /* full round trip as seen at capture point (ns) */
    uint64_t t_first;
    double bps;               /* bottleneck rate, bytes per second */
    uint32_t mss;
    rng_t *r;
} conv_t;

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* global generator state used by emission */
typedef struct {
    uint32_t snaplen;
    uint64_t seq;
    uint64_t flows;
    uint64_t heap_peak;
} gen_t;
extern gen_t G;

void pq_init(void);
void pq_push_frame(uint64_t t, const uint8_t *frame, uint32_t caplen, uint32_t origlen);
int pq_empty(void);
uint64_t pq_top_time(void);
void pq_pop_write(pcapw_t *w);

/* raw frames */
void emit_frame(uint64_t t, const uint8_t *frame, uint32_t len, uint32_t origlen);
void emit_arp(uint64_t t, uint16_t vlan, const uint8_t *smac, const uint8_t *dmac, int op,
              const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa);
/* generic IP packet: l4 = header(+payload captured), l4cap bytes present, l4len total length */
void emit_ip(uint64_t t, uint16_t vlan, const uint8_t *smac, const uint8_t *dmac, int v6,
             uint32_t sip, uint32_t dip, const uint8_t *sip6, const uint8_t *dip6,
             uint8_t proto, uint8_t ttl, uint16_t ipid, uint8_t *l4, uint32_t l4cap, uint32_t l4len,
             int l4csum_off, uint32_t caplimit);

void conv_init(conv_t *c, rng_t *r, uint64_t t, uint8_t proto, uint16_t vlan,
               const uint8_t *cmac, const uint8_t *smac, uint32_t cip, uint32_t sip,
               uint16_t cport, uint16_t sport, uint64_t rtt, double bps);
void conv_set_v6(conv_t *c, const uint8_t *cip6, const uint8_t *sip6);
/* TCP */
int tcp_open(conv_t *c, int answer); /* answer: 1 SYN/ACK, 0 RST, -1 no answer. returns 1 if established */
void tcp_send(conv_t *c, int dir, const uint8_t *data, uint32_t len);      /* fully captured */
void tcp_send_tls_bulk(conv_t *c, int dir, uint64_t bytes, uint32_t seg, uint32_t capbytes, int tlsrec);
void tcp_close(conv_t *c, int who);   /* FIN handshake started by who */
void tcp_reset(conv_t *c, int who);
void tcp_think(conv_t *c, uint64_t ns);
/* UDP: one datagram in direction dir, at current time cursor; advances cursor */
void udp_send(conv_t *c, int dir, const uint8_t *data, uint32_t len);

/* ---------------- protocol payload builders (proto.c) ---------------- */
enum { TLSP_CHROME, TLSP_FIREFOX, TLSP_SCHANNEL, TLSP_GO, TLSP_CURL, TLSP_N };
int build_client_hello(uint8_t *b, rng_t *r, int prof, const char *sni, int alpn_h2);
int build_server_hello(uint8_t *b, rng_t *r, const uint8_t *ch, int tls13, int alpn_h2);
int build_client_finish12(uint8_t *b, rng_t *r);
int build_tls_appdata(uint8_t *b, rng_t *r, int len);

int dns_build_query(uint8_t *b, uint16_t id, const char *name, uint16_t qtype);
int dns_build_response(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, int rcode,
                       const uint8_t *addr, int naddr, uint32_t ttl, const char *cname);

int krb_as_req(uint8_t *b, rng_t *r, const char *user, const char *realm, int preauth);
int krb_error_preauth(uint8_t *b, rng_t *r, const char *realm, uint64_t t);
int krb_as_rep(uint8_t *b, rng_t *r, const char *user, const char *realm, const char *s1, const char *s2, int tgs);
int krb_tgs_req(uint8_t *b, rng_t *r, const char *realm, const char *svc, const char *host);

int ldap_search_req(uint8_t *b, int msgid, const char *base, const char *attr, const char *val);
int ldap_search_res(uint8_t *b, rng_t *r, int msgid, const char *dn, int nattr);
int ldap_unbind(uint8_t *b, int msgid);

int smb2_negotiate_req(uint8_t *b, rng_t *r, uint64_t mid);
int smb2_negotiate_resp(uint8_t *b, rng_t *r, uint64_t mid, uint64_t t);
int smb2_tree_req(uint8_t *b, uint64_t mid, const char *path);
int smb2_tree_resp(uint8_t *b, uint64_t mid, uint32_t tid);
int smb2_read_req(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len, uint64_t off, const uint8_t *fid);
int smb2_read_resp_hdr(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len);
int smb2_write_req_hdr(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len, uint64_t off, const uint8_t *fid);
int smb2_write_resp(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len);

int ntp_packet(uint8_t *b, int server, uint64_t t);
int ssh_kexinit(uint8_t *b, rng_t *r, int server);
int ssh_ecdh_init(uint8_t *b, rng_t *r);
int ssh_ecdh_reply(uint8_t *b, rng_t *r);
int ssh_newkeys(uint8_t *b);
int ssh_encrypted(uint8_t *b, rng_t *r, int len);
int pg_startup(uint8_t *b, const char *user, const char *db);
int pg_auth_ok_ready(uint8_t *b);
int pg_query(uint8_t *b, const char *sql);
int pg_result(uint8_t *b, rng_t *r, int rows);
int rdp_x224_cr(uint8_t *b, const char *user);
int rdp_x224_cc(uint8_t *b);

/* ---------------- profiles ---------------- */
typedef struct {
    uint64_t seed;
    int days;
    uint64_t start;
    int workstations, servers;
    const char *out, *labels;
    const char *inject;
    int inject_day;
    uint32_t snaplen;
    int profile; /* 0 enterprise, 1 bench64, 2 imix */
    uint64_t flows, packets;
} opts_t;

int run_enterprise(const opts_t *o, pcapw_t *w, FILE *labels);
int run_bench(const opts_t *o, pcapw_t *w);

#endif
