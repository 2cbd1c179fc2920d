/* tw-gen: PRNG, pcap writer, time helpers, packet priority queue. */
#include "tracegen.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

gen_t G;

uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng_t *r, uint64_t seed)
{
    uint64_t z = seed;
    for (int i = 0; i < 4; i++) {
        z += 0x9e3779b97f4a7c15ULL;
        r->s[i] = mix64(z);
    }
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

double rng_exp(rng_t *r, double mean) { return -mean * log(1.0 - rng_u01(r)); }

double rng_normal(rng_t *r)
{
    double u1 = rng_u01(r), u2 = rng_u01(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rng_lognormal(rng_t *r, double median, double sigma) { return median * exp(sigma * rng_normal(r)); }

double rng_pareto(rng_t *r, double xm, double alpha) { return xm / pow(1.0 - rng_u01(r), 1.0 / alpha); }

void rng_bytes(rng_t *r, uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, n);
    }
}

/* ---------------- pcap ---------------- */
int pcapw_open(pcapw_t *w, const char *path, uint32_t snaplen)
{
    memset(w, 0, sizeof *w);
    w->f = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!w->f) return -1;
    setvbuf(w->f, NULL, _IOFBF, 1 << 22);
    w->snaplen = snaplen;
    /* classic pcap, nanosecond magic, v2.4, LINKTYPE_ETHERNET */
    uint32_t h[6] = { 0xa1b23c4d, 0x00040002, 0, 0, snaplen, 1 };
    fwrite(h, sizeof h, 1, w->f);
    return 0;
}

int pcapw_close(pcapw_t *w)
{
    int rc = 0;
    if (fflush(w->f)) rc = -1;
    if (w->f != stdout && fclose(w->f)) rc = -1;
    return rc;
}

/* ---------------- time ---------------- */
int parse_rfc3339(const char *s, uint64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int Y, M, D, h = 0, m = 0, sec = 0;
    int n = sscanf(s, "%d-%d-%dT%d:%d:%d", &Y, &M, &D, &h, &m, &sec);
    if (n != 3 && n != 6) return -1;
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t < 0) return -1;
    *out = (uint64_t)t * NS_PER_S;
    return 0;
}

void fmt_time(uint64_t t, char *buf, size_t n)
{
    time_t s = (time_t)(t / NS_PER_S);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)((t % NS_PER_S) / 1000));
}

int weekday_mon0(uint64_t t)
{
    uint64_t days = t / (86400ULL * NS_PER_S);
    return (int)((days + 3) % 7); /* 1970-01-01 was a Thursday */
}

/* ---------------- packet priority queue (min-heap on (t, seq)) ---------------- */
typedef struct pkt {
    uint64_t t, seq;
    uint32_t caplen, origlen;
    uint8_t data[];
} pkt_t;

static pkt_t **heap;
static size_t hn, hcap;

void pq_init(void)
{
    hcap = 1 << 16;
    heap = malloc(hcap * sizeof *heap);
    hn = 0;
}

static inline int pless(const pkt_t *a, const pkt_t *b) { return a->t < b->t || (a->t == b->t && a->seq < b->seq); }

void pq_push_frame(uint64_t t, const uint8_t *frame, uint32_t caplen, uint32_t origlen)
{
    pkt_t *p = malloc(sizeof *p + caplen);
    if (!p) { perror("malloc"); exit(1); }
    p->t = t;
    p->seq = G.seq++;
    p->caplen = caplen;
    p->origlen = origlen;
    memcpy(p->data, frame, caplen);
    if (hn == hcap) {
        hcap *= 2;
        heap = realloc(heap, hcap * sizeof *heap);
        if (!heap) { perror("realloc"); exit(1); }
    }
    size_t i = hn++;
    while (i) {
        size_t pa = (i - 1) / 2;
        if (!pless(p, heap[pa])) break;
        heap[i] = heap[pa];
        i = pa;
    }
    heap[i] = p;
    if (hn > G.heap_peak) G.heap_peak = hn;
}

int pq_empty(void) { return hn == 0; }
uint64_t pq_top_time(void) { return heap[0]->t; }

void pq_pop_write(pcapw_t *w)
{
    pkt_t *top = heap[0];
    pkt_t *last = heap[--hn];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= hn) break;
        size_t m = l;
        if (l + 1 < hn && pless(heap[l + 1], heap[l])) m = l + 1;
        if (!pless(heap[m], last)) break;
        heap[i] = heap[m];
        i = m;
    }
    if (hn) heap[i] = last;
    pcapw_write(w, top->t, top->data, top->caplen, top->origlen);
    free(top);
}
