/* tw-gen: Ethernet/ARP/IPv4/IPv6/TCP/UDP frame assembly and TCP conversation model. */
#include "tracegen.h"

#include <arpa/inet.h>

static uint8_t fbuf[70000];
static uint8_t l4buf[70000];

static inline uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
    while (n > 1) {
        s += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n) s += (uint32_t)p[0] << 8;
    return s;
}

static inline uint16_t csum_fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v; }

void emit_frame(uint64_t t, const uint8_t *frame, uint32_t len, uint32_t origlen)
{
    uint32_t cap = len;
    if (cap > G.snaplen) cap = G.snaplen;
    pq_push_frame(t, frame, cap, origlen);
}

static int put_eth(uint8_t *b, uint16_t vlan, const uint8_t *smac, const uint8_t *dmac, uint16_t et)
{
    memcpy(b, dmac, 6);
    memcpy(b + 6, smac, 6);
    if (vlan) {
        put16(b + 12, 0x8100);
        put16(b + 14, vlan);
        put16(b + 16, et);
        return 18;
    }
    put16(b + 12, et);
    return 14;
}

void emit_arp(uint64_t t, uint16_t vlan, const uint8_t *smac, const uint8_t *dmac, int op,
              const uint8_t *sha, uint32_t spa, const uint8_t *tha, uint32_t tpa)
{
    uint8_t b[64];
    memset(b, 0, sizeof b);
    int o = put_eth(b, vlan, smac, dmac, 0x0806);
    put16(b + o, 1);
    put16(b + o + 2, 0x0800);
    b[o + 4] = 6;
    b[o + 5] = 4;
    put16(b + o + 6, (uint16_t)op);
    memcpy(b + o + 8, sha, 6);
    put32(b + o + 14, spa);
    memcpy(b + o + 18, tha, 6);
    put32(b + o + 24, tpa);
    int len = o + 28;
    if (len < 60) len = 60;
    emit_frame(t, b, len, len);
}

void emit_ip(uint64_t t, uint16_t vlan, const uint8_t *smac, const uint8_t *dmac, int v6,
             uint32_t sip, uint32_t dip, const uint8_t *sip6, const uint8_t *dip6,
             uint8_t proto, uint8_t ttl, uint16_t ipid, uint8_t *l4, uint32_t l4cap, uint32_t l4len,
             int csoff, uint32_t caplimit)
{
    uint8_t *b = fbuf;
    int o = put_eth(b, vlan, smac, dmac, v6 ? 0x86dd : 0x0800);
    uint32_t s = 0;
    if (csoff >= 0) {
        l4[csoff] = l4[csoff + 1] = 0;
    }
    if (!v6) {
        uint8_t *ip = b + o;
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint16_t)(20 + l4len));
        put16(ip + 4, ipid);
        put16(ip + 6, proto == 1 ? 0 : 0x4000); /* DF */
        ip[8] = ttl;
        ip[9] = proto;
        ip[10] = ip[11] = 0;
        put32(ip + 12, sip);
        put32(ip + 16, dip);
        put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
        o += 20;
        if (csoff >= 0 && proto != 1) {
            s = csum_add(s, ip + 12, 8);
            s += proto;
            s += l4len;
        }
    } else {
        uint8_t *ip = b + o;
        put32(ip, 0x60000000u | (ipid & 0xfffff));
        put16(ip + 4, (uint16_t)l4len);
        ip[6] = proto;
        ip[7] = ttl;
        memcpy(ip + 8, sip6, 16);
        memcpy(ip + 24, dip6, 16);
        o += 40;
        if (csoff >= 0) {
            s = csum_add(s, ip + 8, 32);
            s += l4len >> 16;
            s += l4len & 0xffff;
            s += proto;
        }
    }
    if (csoff >= 0) {
        s = csum_add(s, l4, l4cap); /* bytes beyond l4cap are zero */
        uint16_t c = csum_fold(s);
        if (proto == 17 && c == 0) c = 0xffff;
        put16(l4 + csoff, c);
    }
    memcpy(b + o, l4, l4cap);
    uint32_t len = o + l4cap;
    uint32_t orig = o + l4len;
    if (orig < 60) {
        memset(b + len, 0, 60 - len);
        len = orig = 60;
    }
    if (len > caplimit) len = caplimit;
    emit_frame(t, b, len, orig);
}

/* ---------------- conversations ---------------- */
void conv_init(conv_t *c, rng_t *r, uint64_t t, uint8_t proto, uint16_t vlan,
               const uint8_t *cmac, const uint8_t *smac, uint32_t cip, uint32_t sip,
               uint16_t cport, uint16_t sport, uint64_t rtt, double bps)
{
    memset(c, 0, sizeof *c);
    c->r = r;
    c->t = c->t_first = t;
    c->proto = proto;
    c->vlan = vlan;
    memcpy(c->cmac, cmac, 6);
    memcpy(c->smac, smac, 6);
    c->cip = cip;
    c->sip = sip;
    c->cport = cport;
    c->sport = sport;
    c->rtt = rtt ? rtt : 200 * NS_PER_US;
    c->bps = bps > 0 ? bps : 5e6;
    c->cseq = (uint32_t)rng_next(r);
    c->sseq = (uint32_t)rng_next(r);
    c->cipid = (uint16_t)rng_next(r);
    c->sipid = (uint16_t)rng_next(r);
    c->cttl = 128;
    c->sttl = 64;
    c->mss = 1460;
    G.flows++;
}

void conv_set_v6(conv_t *c, const uint8_t *cip6, const uint8_t *sip6)
{
    c->v6 = 1;
    memcpy(c->cip6, cip6, 16);
    memcpy(c->sip6, sip6, 16);
    c->mss = 1440;
}

static void emit_l4(conv_t *c, int dir, uint64_t t, uint8_t *l4, uint32_t cap, uint32_t len, int csoff,
                    uint32_t caplimit)
{
    if (dir == 0)
        emit_ip(t, c->vlan, c->cmac, c->smac, c->v6, c->cip, c->sip, c->cip6, c->sip6, c->proto, c->cttl,
                c->cipid++, l4, cap, len, csoff, caplimit);
    else
        emit_ip(t, c->vlan, c->smac, c->cmac, c->v6, c->sip, c->cip, c->sip6, c->cip6, c->proto, c->sttl,
                c->sipid++, l4, cap, len, csoff, caplimit);
}

/* one TCP segment; payload (captured part) already in l4buf+hlen when pay != NULL */
static void tcp_seg(conv_t *c, int dir, uint64_t t, uint8_t flags, const uint8_t *pay, uint32_t paycap,
                    uint32_t paylen, uint32_t caplimit)
{
    uint8_t *h = l4buf;
    int hl = 20;
    uint32_t *seq = dir ? &c->sseq : &c->cseq;
    uint32_t ack = dir ? c->cseq : c->sseq;
    put16(h, dir ? c->sport : c->cport);
    put16(h + 2, dir ? c->cport : c->sport);
    put32(h + 4, *seq);
    put32(h + 8, (flags & TH_ACK) ? ack : 0);
    if (flags & TH_SYN) {
        /* MSS, NOP, WS, NOP, NOP, SACK_PERM */
        uint8_t *op = h + 20;
        op[0] = 2; op[1] = 4; put16(op + 2, (uint16_t)c->mss);
        op[4] = 1; op[5] = 3; op[6] = 3; op[7] = dir ? 7 : 8;
        op[8] = 1; op[9] = 1; op[10] = 4; op[11] = 2;
        hl = 32;
    }
    h[12] = (uint8_t)((hl / 4) << 4);
    h[13] = flags;
    uint16_t win = (flags & TH_SYN) ? (dir ? 65160 : 64240) : (dir ? 501 : 1026);
    if (flags & TH_RST) win = 0;
    put16(h + 14, win);
    h[16] = h[17] = 0;
    h[18] = h[19] = 0;
    if (paycap && pay != h + hl) memcpy(h + hl, pay, paycap);
    emit_l4(c, dir, t, h, hl + paycap, hl + paylen, 16, caplimit);
    *seq += paylen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0);
}

int tcp_open(conv_t *c, int answer)
{
    uint64_t t = c->t;
    c->proto = 6;
    tcp_seg(c, 0, t, TH_SYN, NULL, 0, 0, ~0u);
    if (answer < 0) {
        c->t = t + c->rtt;
        return 0;
    }
    t += c->rtt;
    if (answer == 0) {
        uint32_t s = c->sseq;
        c->sseq = 0;
        tcp_seg(c, 1, t, TH_RST | TH_ACK, NULL, 0, 0, ~0u);
        c->sseq = s;
        c->t = t;
        return 0;
    }
    tcp_seg(c, 1, t, TH_SYN | TH_ACK, NULL, 0, 0, ~0u);
    t += 20 * NS_PER_US + rng_range(c->r, 40 * NS_PER_US);
    tcp_seg(c, 0, t, TH_ACK, NULL, 0, 0, ~0u);
    c->t = t;
    return 1;
}

void tcp_think(conv_t *c, uint64_t ns) { c->t += ns; }

static void tcp_send_gen(conv_t *c, int dir, const uint8_t *data, uint64_t len, uint32_t seg, uint32_t capbytes,
                         int tlsrec, int bulk_after)
{
    uint64_t t = c->t;
    uint64_t off = 0;
    int n = 0;
    uint64_t last_t = t;
    double ns_per_byte = 1e9 / c->bps;
    uint32_t mss = seg ? seg : c->mss;
    while (off < len) {
        uint32_t sl = (uint32_t)((len - off) > mss ? mss : (len - off));
        uint32_t cap = sl;
        uint32_t caplimit = ~0u;
        uint8_t *p = l4buf + 20;
        if (data) {
            memcpy(p, data + off, sl);
        } else {
            if (n >= bulk_after) {
                cap = sl < 64 ? sl : 64;
                caplimit = capbytes;
            }
            rng_bytes(c->r, p, cap);
            if (tlsrec && sl > 5) {
                uint32_t rl = sl - 5;
                if (rl > 16384 + 256) rl = 16384 + 256;
                p[0] = 0x17; p[1] = 3; p[2] = 3; p[3] = (uint8_t)(rl >> 8); p[4] = (uint8_t)rl;
            }
        }
        uint8_t fl = TH_ACK;
        if (off + sl == len) fl |= TH_PSH;
        tcp_seg(c, dir, t, fl, p, cap, sl, caplimit);
        last_t = t;
        n++;
        off += sl;
        /* receiver acks every 2nd segment (big GRO segments: every one) */
        if (n % 2 == 0 && off < len) {
            uint64_t ta = dir == 0 ? t + c->rtt : t + 15 * NS_PER_US;
            tcp_seg(c, !dir, ta, TH_ACK, NULL, 0, 0, ~0u);
        }
        t += (uint64_t)(sl * ns_per_byte) + 1000;
    }
    if (dir == 0) {
        c->t = last_t + c->rtt;
    } else {
        c->t = last_t + 40 * NS_PER_US;
        /* client acks the tail of a multi-segment response */
        if (n > 1) tcp_seg(c, 0, c->t, TH_ACK, NULL, 0, 0, ~0u);
        c->t += 10 * NS_PER_US;
    }
}

void tcp_send(conv_t *c, int dir, const uint8_t *data, uint32_t len) { tcp_send_gen(c, dir, data, len, 0, 0, 0, 1 << 30); }

void tcp_send_tls_bulk(conv_t *c, int dir, uint64_t bytes, uint32_t seg, uint32_t capbytes, int tlsrec)
{
    tcp_send_gen(c, dir, NULL, bytes, seg, capbytes, tlsrec, seg > 9000 ? 0 : 2);
    if (dir == 0) tcp_seg(c, 1, c->t - c->rtt / 2 > c->t ? c->t : c->t, TH_ACK, NULL, 0, 0, ~0u);
}

void tcp_close(conv_t *c, int who)
{
    uint64_t t = c->t;
    if (who == 0) {
        tcp_seg(c, 0, t, TH_FIN | TH_ACK, NULL, 0, 0, ~0u);
        t += c->rtt;
        tcp_seg(c, 1, t, TH_FIN | TH_ACK, NULL, 0, 0, ~0u);
        t += 30 * NS_PER_US;
        tcp_seg(c, 0, t, TH_ACK, NULL, 0, 0, ~0u);
    } else {
        tcp_seg(c, 1, t, TH_FIN | TH_ACK, NULL, 0, 0, ~0u);
        t += 60 * NS_PER_US;
        tcp_seg(c, 0, t, TH_FIN | TH_ACK, NULL, 0, 0, ~0u);
        t += c->rtt;
        tcp_seg(c, 1, t, TH_ACK, NULL, 0, 0, ~0u);
    }
    c->t = t;
}

void tcp_reset(conv_t *c, int who)
{
    tcp_seg(c, who, c->t, TH_RST | TH_ACK, NULL, 0, 0, ~0u);
    c->t += 10 * NS_PER_US;
}

void udp_send(conv_t *c, int dir, const uint8_t *data, uint32_t len)
{
    uint8_t *h = l4buf;
    put16(h, dir ? c->sport : c->cport);
    put16(h + 2, dir ? c->cport : c->sport);
    put16(h + 4, (uint16_t)(8 + len));
    memcpy(h + 8, data, len);
    c->proto = 17;
    emit_l4(c, dir, c->t, h, 8 + len, 8 + len, 6, ~0u);
    if (dir == 0)
        c->t += c->rtt;
    else
        c->t += 10 * NS_PER_US;
}
