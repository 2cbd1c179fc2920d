/* tw-gen: benchmark profiles (bench64, imix). Template frames, patched per packet, written in large
 * blocks: no heap, no per-packet allocation. */
#include "tracegen.h"

#include <stdlib.h>

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v; }

static inline uint16_t ipcsum(const uint8_t *ip)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += (uint32_t)ip[i] << 8 | ip[i + 1];
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static inline uint16_t l4csum(const uint8_t *ip, const uint8_t *l4, uint32_t len)
{
    uint32_t s = 0;
    for (int i = 12; i < 20; i += 2) s += (uint32_t)ip[i] << 8 | ip[i + 1];
    s += ip[9];
    s += len;
    uint32_t i = 0;
    for (; i + 1 < len; i += 2) s += (uint32_t)l4[i] << 8 | l4[i + 1];
    if (i < len) s += (uint32_t)l4[i] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    uint16_t c = (uint16_t)~s;
    return c ? c : 0xffff;
}

typedef struct { uint32_t cip, sip; uint16_t cport, sport; uint8_t proto; } tuple_t;

static void flow_tuple(uint64_t seed, uint64_t f, tuple_t *t, int imix)
{
    uint64_t x = mix64(seed ^ (f * 0x9E3779B97F4A7C15ULL));
    uint64_t y = mix64(x);
    t->cip = 0x0a000000u | (uint32_t)(x & 0x00ffffff);            /* 10.0.0.0/8 clients */
    uint32_t s = (uint32_t)(x >> 24) & 0x00ffffff;
    static const uint8_t firsts[] = { 13, 20, 23, 34, 35, 52, 104, 142, 151, 172, 185, 199 };
    t->sip = (uint32_t)firsts[(x >> 48) % 12] << 24 | s;
    if ((t->sip & 0xff) == 0) t->sip |= 1;
    t->cport = (uint16_t)(49152 + (y & 0x3fff));
    unsigned u = (unsigned)((y >> 16) % 100);
    if (!imix) {
        t->proto = u < 75 ? 6 : 17;
        t->sport = (uint16_t)(1024 + ((y >> 24) % 60000)); /* no well-known ports: payload is filler */
        if (t->sport == 2049 || t->sport == 4789 || t->sport == 6081) t->sport += 7;
    } else {
        /* realistic mix: HTTPS, HTTP, QUIC, DNS, other TCP/UDP */
        if (u < 55) { t->proto = 6; t->sport = 443; }
        else if (u < 65) { t->proto = 6; t->sport = 80; }
        else if (u < 80) { t->proto = 17; t->sport = 443; }
        else if (u < 84) { t->proto = 17; t->sport = 53; }
        else if (u < 94) { t->proto = 6; t->sport = (uint16_t)(10000 + ((y >> 24) % 20000)); }
        else { t->proto = 17; t->sport = (uint16_t)(10000 + ((y >> 24) % 20000)); }
    }
}

int run_bench(const opts_t *o, pcapw_t *w)
{
    int imix = o->profile == 2;
    uint64_t flows = o->flows ? o->flows : (imix ? 100000 : 1000000);
    uint64_t npk = o->packets ? o->packets : 10000000;
    /* per-flow TCP sequence state (both directions) */
    uint32_t *seqs = calloc(flows * 2, sizeof *seqs);
    if (!seqs) return 1;
    for (uint64_t f = 0; f < flows; f++) {
        uint64_t x = mix64(o->seed + f);
        seqs[2 * f] = (uint32_t)x;
        seqs[2 * f + 1] = (uint32_t)(x >> 32);
    }
    /* stride coprime with flows spreads consecutive packets over flows deterministically */
    uint64_t stride = 1000003;
    while (flows % stride == 0 || (stride % flows) == 0) stride += 2;
    rng_t r;
    rng_seed(&r, o->seed ^ 0xbe7c);
    uint8_t pay[1600];
    memset(pay, 0, sizeof pay); /* zero filler: random bytes trip heuristic dissectors */
    static const uint8_t cmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
    static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
    size_t bsz = 8u << 20;
    uint8_t *blk = malloc(bsz + 2048);
    size_t bo = 0;
    uint64_t t = o->start;
    double tfrac = 0;
    uint64_t f = 0;
    uint32_t snap = o->snaplen;
    for (uint64_t k = 0; k < npk; k++) {
        f += stride;
        f %= flows;
        int dir = (int)(((k / flows) + f) & 1);
        tuple_t tu;
        flow_tuple(o->seed, f, &tu, imix);
        uint32_t flen = 64;
        if (imix) {
            uint64_t x = mix64(k ^ o->seed) % 12;
            flen = x < 7 ? 64 : (x < 11 ? 594 : 1514);
        }
        uint32_t wire = flen - 4; /* FCS not captured */
        uint8_t *p = blk + bo + 16;
        memcpy(p, dir ? smac : cmac, 6);
        memcpy(p + 6, dir ? cmac : smac, 6);
        put16(p + 12, 0x0800);
        uint8_t *ip = p + 14;
        /* bench64: header-only TCP ACK / empty UDP datagram, Ethernet-padded to 60 bytes, so no
         * heuristic dissector ever sees filler; imix: frames carry payload up to their size */
        uint32_t iplen = imix ? wire - 14 : (tu.proto == 6 ? 40 : 28);
        if (!imix) memset(p + 14 + iplen, 0, wire - 14 - iplen);
        ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)iplen);
        put16(ip + 4, (uint16_t)k); put16(ip + 6, 0x4000);
        ip[8] = dir ? 52 : 64; ip[9] = tu.proto; ip[10] = ip[11] = 0;
        put32(ip + 12, dir ? tu.sip : tu.cip);
        put32(ip + 16, dir ? tu.cip : tu.sip);
        put16(ip + 10, ipcsum(ip));
        uint8_t *l4 = ip + 20;
        uint32_t l4len = iplen - 20;
        put16(l4, dir ? tu.sport : tu.cport);
        put16(l4 + 2, dir ? tu.cport : tu.sport);
        uint32_t hl;
        if (tu.proto == 6) {
            uint32_t *sq = &seqs[2 * f + dir];
            put32(l4 + 4, *sq);
            put32(l4 + 8, seqs[2 * f + !dir]);
            l4[12] = 0x50; l4[13] = imix ? 0x18 : 0x10; put16(l4 + 14, 1024); l4[16] = l4[17] = 0; l4[18] = l4[19] = 0;
            hl = 20;
            *sq += l4len - hl;
        } else {
            put16(l4 + 4, (uint16_t)l4len); l4[6] = l4[7] = 0;
            hl = 8;
        }
        memcpy(l4 + hl, pay + (k & 63), l4len - hl);
        if (tu.proto == 17 && (tu.sport == 53 || tu.sport == 443)) {
            /* keep DNS/QUIC dissectors quiet: payload as opaque data on these ports is still fine */
        }
        put16(l4 + (tu.proto == 6 ? 16 : 6), l4csum(ip, l4, l4len));
        uint32_t cap = wire < snap ? wire : snap;
        uint32_t hdr[4] = { (uint32_t)(t / NS_PER_S), (uint32_t)(t % NS_PER_S), cap, wire };
        memcpy(blk + bo, hdr, 16);
        bo += 16 + cap;
        w->npkts++;
        w->bytes_cap += cap;
        w->bytes_wire += wire;
        if (bo >= bsz) {
            fwrite(blk, 1, bo, w->f);
            bo = 0;
        }
        /* bench64: 10 Mpps; imix: 10 Gbit/s line rate incl. preamble + IFG + FCS */
        if (!imix) t += 100;
        else {
            tfrac += (flen + 20) * 0.8;
            uint64_t d = (uint64_t)tfrac;
            t += d;
            tfrac -= (double)d;
        }
    }
    fwrite(blk, 1, bo, w->f);
    free(blk);
    free(seqs);
    G.flows = flows < npk ? flows : npk;
    return 0;
}
