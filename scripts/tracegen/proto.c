/* tw-gen: application payload builders (TLS, DNS, Kerberos, LDAP, SMB2, NTP, SSH, PostgreSQL, RDP). */
#include "tracegen.h"

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static inline void put24(uint8_t *p, uint32_t v) { p[0] = v >> 16; p[1] = v >> 8; p[2] = (uint8_t)v; }
static inline void put32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = (uint8_t)v; }
static inline void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = v >> 8; }
static inline void le32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24; }
static inline void le64(uint8_t *p, uint64_t v) { le32(p, (uint32_t)v); le32(p + 4, (uint32_t)(v >> 32)); }

/* ================= TLS ================= */
static const uint16_t cs_chrome[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                      0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t cs_firefox[] = { 0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030,
                                       0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
static const uint16_t cs_schannel[] = { 0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027,
                                        0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c,
                                        0x0035, 0x002f, 0x000a };
static const uint16_t cs_go[] = { 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a,
                                  0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0xc012, 0x000a, 0x1301, 0x1302, 0x1303 };
static const uint16_t cs_curl[] = { 0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa,
                                    0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023, 0xc027, 0x0067,
                                    0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c, 0x003d,
                                    0x003c, 0x0035, 0x002f, 0x00ff };

static uint16_t grease(rng_t *r) { uint16_t g = (uint16_t)(rng_range(r, 16) << 4 | 0xa); return (uint16_t)(g << 8 | g); }

#define EXT_BEGIN(type) do { put16(b + o, (type)); o += 2; int _el = o; o += 2;
#define EXT_END put16(b + _el, (uint16_t)(o - _el - 2)); } while (0)

static int ext_alpn(uint8_t *b, int o, int h2)
{
    EXT_BEGIN(0x0010);
    int ll = o; o += 2;
    if (h2) { b[o++] = 2; memcpy(b + o, "h2", 2); o += 2; }
    b[o++] = 8; memcpy(b + o, "http/1.1", 8); o += 8;
    put16(b + ll, (uint16_t)(o - ll - 2));
    EXT_END;
    return o;
}

int build_client_hello(uint8_t *b, rng_t *r, int prof, const char *sni, int h2)
{
    int o = 0;
    b[o++] = 0x16; b[o++] = 3; b[o++] = 1; o += 2; /* record */
    int rec = o;
    b[o++] = 1; o += 3; /* handshake */
    int hs = o;
    b[o++] = 3; b[o++] = 3;
    rng_bytes(r, b + o, 32); o += 32;
    int tls13 = prof != TLSP_SCHANNEL;
    int gre = prof == TLSP_CHROME;
    if (prof == TLSP_SCHANNEL || prof == TLSP_GO) {
        b[o++] = 0;
    } else {
        b[o++] = 32; rng_bytes(r, b + o, 32); o += 32;
    }
    const uint16_t *cs; int ncs;
    switch (prof) {
    case TLSP_CHROME: cs = cs_chrome; ncs = sizeof cs_chrome / 2; break;
    case TLSP_FIREFOX: cs = cs_firefox; ncs = sizeof cs_firefox / 2; break;
    case TLSP_SCHANNEL: cs = cs_schannel; ncs = sizeof cs_schannel / 2; break;
    case TLSP_GO: cs = cs_go; ncs = sizeof cs_go / 2; break;
    default: cs = cs_curl; ncs = sizeof cs_curl / 2; break;
    }
    put16(b + o, (uint16_t)((ncs + gre) * 2)); o += 2;
    if (gre) { put16(b + o, grease(r)); o += 2; }
    for (int i = 0; i < ncs; i++) { put16(b + o, cs[i]); o += 2; }
    b[o++] = 1; b[o++] = 0; /* compression: null */
    int el = o; o += 2;
    if (gre) { EXT_BEGIN(grease(r)); EXT_END; }
    if (sni && *sni) {
        size_t n = strlen(sni);
        EXT_BEGIN(0x0000);
        put16(b + o, (uint16_t)(n + 3)); o += 2;
        b[o++] = 0; put16(b + o, (uint16_t)n); o += 2;
        memcpy(b + o, sni, n); o += (int)n;
        EXT_END;
    }
    if (prof != TLSP_GO) { EXT_BEGIN(0x0017); EXT_END; }
    { EXT_BEGIN(0xff01); b[o++] = 0; EXT_END; }
    {
        EXT_BEGIN(0x000a);
        int ll = o; o += 2;
        if (gre) { put16(b + o, grease(r)); o += 2; }
        put16(b + o, 0x001d); o += 2;
        put16(b + o, 0x0017); o += 2;
        put16(b + o, 0x0018); o += 2;
        if (prof == TLSP_FIREFOX) { put16(b + o, 0x0019); o += 2; put16(b + o, 0x0100); o += 2; }
        put16(b + ll, (uint16_t)(o - ll - 2));
        EXT_END;
    }
    { EXT_BEGIN(0x000b); b[o++] = 1; b[o++] = 0; EXT_END; }
    if (prof != TLSP_GO) { EXT_BEGIN(0x0023); EXT_END; }
    if (prof != TLSP_GO) o = ext_alpn(b, o, h2);
    if (prof == TLSP_CHROME || prof == TLSP_FIREFOX || prof == TLSP_SCHANNEL) {
        EXT_BEGIN(0x0005); b[o++] = 1; put16(b + o, 0); put16(b + o + 2, 0); o += 4; EXT_END;
    }
    {
        static const uint16_t sa[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201 };
        int nsa = prof == TLSP_CHROME ? 8 : 9;
        EXT_BEGIN(0x000d);
        put16(b + o, (uint16_t)(nsa * 2)); o += 2;
        for (int i = 0; i < nsa; i++) { put16(b + o, sa[i]); o += 2; }
        EXT_END;
    }
    if (prof == TLSP_CHROME) { EXT_BEGIN(0x0012); EXT_END; }
    if (tls13) {
        EXT_BEGIN(0x0033);
        int ll = o; o += 2;
        if (gre) { put16(b + o, grease(r)); o += 2; put16(b + o, 1); o += 2; b[o++] = 0; }
        put16(b + o, 0x001d); o += 2; put16(b + o, 32); o += 2;
        rng_bytes(r, b + o, 32); o += 32;
        put16(b + ll, (uint16_t)(o - ll - 2));
        EXT_END;
        EXT_BEGIN(0x002d); b[o++] = 1; b[o++] = 1; EXT_END;
        EXT_BEGIN(0x002b);
        int ll2 = o++;
        if (gre) { put16(b + o, grease(r)); o += 2; }
        put16(b + o, 0x0304); o += 2;
        put16(b + o, 0x0303); o += 2;
        b[ll2] = (uint8_t)(o - ll2 - 1);
        EXT_END;
    }
    if (prof == TLSP_CHROME) {
        EXT_BEGIN(0x001b); b[o++] = 2; put16(b + o, 2); o += 2; EXT_END;
        EXT_BEGIN(grease(r)); b[o++] = 0; EXT_END;
    }
    if (prof == TLSP_CHROME || prof == TLSP_FIREFOX) {
        /* pad the handshake to 512 bytes like BoringSSL/NSS do */
        int cur = o - hs + 4;
        if (cur < 508) {
            int pad = 508 - cur;
            EXT_BEGIN(0x0015); memset(b + o, 0, pad); o += pad; EXT_END;
        }
    }
    put16(b + el, (uint16_t)(o - el - 2));
    put24(b + hs - 3, (uint32_t)(o - hs));
    put16(b + rec - 2, (uint16_t)(o - rec));
    return o;
}

/* Server flight. TLS 1.3: ServerHello + CCS + encrypted records. TLS 1.2: abbreviated (resumed) handshake. */
int build_server_hello(uint8_t *b, rng_t *r, const uint8_t *ch, int tls13, int h2)
{
    int o = 0;
    /* echo client session id */
    const uint8_t *sid = ch + 5 + 4 + 2 + 32;
    int sidlen = sid[0];
    b[o++] = 0x16; b[o++] = 3; b[o++] = 3; o += 2;
    int rec = o;
    b[o++] = 2; o += 3;
    int hs = o;
    b[o++] = 3; b[o++] = 3;
    rng_bytes(r, b + o, 32); o += 32;
    if (tls13) {
        b[o++] = (uint8_t)sidlen; memcpy(b + o, sid + 1, sidlen); o += sidlen;
    } else {
        b[o++] = 32;
        if (sidlen == 32) memcpy(b + o, sid + 1, 32); else rng_bytes(r, b + o, 32);
        o += 32;
    }
    put16(b + o, tls13 ? 0x1301 : 0xc02f); o += 2;
    b[o++] = 0;
    int el = o; o += 2;
    if (tls13) {
        EXT_BEGIN(0x0033); put16(b + o, 0x001d); put16(b + o + 2, 32); o += 4; rng_bytes(r, b + o, 32); o += 32; EXT_END;
        EXT_BEGIN(0x002b); put16(b + o, 0x0304); o += 2; EXT_END;
    } else {
        EXT_BEGIN(0xff01); b[o++] = 0; EXT_END;
        EXT_BEGIN(0x0017); EXT_END;
        EXT_BEGIN(0x000b); b[o++] = 1; b[o++] = 0; EXT_END;
        if (h2 >= 0) {
            EXT_BEGIN(0x0010);
            if (h2) { put16(b + o, 3); b[o + 2] = 2; memcpy(b + o + 3, "h2", 2); o += 5; }
            else { put16(b + o, 9); b[o + 2] = 8; memcpy(b + o + 3, "http/1.1", 8); o += 11; }
            EXT_END;
        }
    }
    put16(b + el, (uint16_t)(o - el - 2));
    put24(b + hs - 3, (uint32_t)(o - hs));
    put16(b + rec - 2, (uint16_t)(o - rec));
    /* ChangeCipherSpec */
    b[o++] = 0x14; b[o++] = 3; b[o++] = 3; b[o++] = 0; b[o++] = 1; b[o++] = 1;
    if (tls13) {
        /* EncryptedExtensions+Certificate+CertificateVerify+Finished, encrypted */
        int n = 2400 + (int)rng_range(r, 2400);
        o += build_tls_appdata(b + o, r, n);
        o += build_tls_appdata(b + o, r, 53);
    } else {
        /* encrypted Finished */
        b[o++] = 0x16; b[o++] = 3; b[o++] = 3; b[o++] = 0; b[o++] = 40;
        rng_bytes(r, b + o, 40); o += 40;
    }
    return o;
}

int build_client_finish12(uint8_t *b, rng_t *r)
{
    int o = 0;
    b[o++] = 0x14; b[o++] = 3; b[o++] = 3; b[o++] = 0; b[o++] = 1; b[o++] = 1;
    b[o++] = 0x16; b[o++] = 3; b[o++] = 3; b[o++] = 0; b[o++] = 40;
    rng_bytes(r, b + o, 40); o += 40;
    return o;
}

int build_tls_appdata(uint8_t *b, rng_t *r, int len)
{
    b[0] = 0x17; b[1] = 3; b[2] = 3; put16(b + 3, (uint16_t)len);
    rng_bytes(r, b + 5, len);
    return len + 5;
}

/* ================= DNS ================= */
static int dns_name(uint8_t *b, const char *name)
{
    int o = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        int n = dot ? (int)(dot - name) : (int)strlen(name);
        if (n > 63) n = 63;
        b[o++] = (uint8_t)n;
        memcpy(b + o, name, n);
        o += n;
        name += n;
        if (*name == '.') name++;
    }
    b[o++] = 0;
    return o;
}

int dns_build_query(uint8_t *b, uint16_t id, const char *name, uint16_t qtype)
{
    put16(b, id); put16(b + 2, 0x0100); put16(b + 4, 1); put16(b + 6, 0); put16(b + 8, 0); put16(b + 10, 0);
    int o = 12 + dns_name(b + 12, name);
    put16(b + o, qtype); put16(b + o + 2, 1);
    return o + 4;
}

int dns_build_response(uint8_t *b, uint16_t id, const char *name, uint16_t qtype, int rcode,
                       const uint8_t *addr, int naddr, uint32_t ttl, const char *cname)
{
    int o = dns_build_query(b, id, name, qtype);
    put16(b + 2, (uint16_t)(0x8180 | (rcode & 0xf)));
    int an = 0;
    uint16_t target = 0xc00c;
    if (rcode == 0 && cname && naddr) {
        put16(b + o, 0xc00c); put16(b + o + 2, 5); put16(b + o + 4, 1); put32(b + o + 6, ttl);
        int rd = o + 10; o += 12;
        target = (uint16_t)(0xc000 | o);
        int n = dns_name(b + o, cname);
        o += n;
        put16(b + rd, (uint16_t)n);
        an++;
    }
    if (rcode == 0) {
        int alen = qtype == 28 ? 16 : 4;
        for (int i = 0; i < naddr; i++) {
            put16(b + o, target); put16(b + o + 2, qtype); put16(b + o + 4, 1); put32(b + o + 6, ttl);
            put16(b + o + 10, (uint16_t)alen);
            memcpy(b + o + 12, addr + i * alen, alen);
            o += 12 + alen;
            an++;
        }
    } else if (rcode == 3) {
        /* SOA in authority section for the negative answer */
        const char *dom = strchr(name, '.');
        dom = dom ? dom + 1 : name;
        put16(b + 8, 1);
        int n0 = o;
        o += dns_name(b + o, dom);
        put16(b + o, 6); put16(b + o + 2, 1); put32(b + o + 4, 900);
        int rdl = o + 8; o += 10;
        int rs = o;
        o += dns_name(b + o, "ns1.dnsprovider.net");
        o += dns_name(b + o, "hostmaster.dnsprovider.net");
        put32(b + o, 2026010501); put32(b + o + 4, 7200); put32(b + o + 8, 900); put32(b + o + 12, 1209600);
        put32(b + o + 16, 300); o += 20;
        put16(b + rdl, (uint16_t)(o - rs));
        (void)n0;
    }
    put16(b + 6, (uint16_t)an);
    return o;
}

/* ================= ASN.1 DER builder ================= */
typedef struct { uint8_t *b; int n; int st[24]; int sp; } der_t;
static void d_open(der_t *d, uint8_t tag) { d->b[d->n++] = tag; d->st[d->sp++] = d->n; }
static void d_close(der_t *d)
{
    int s = d->st[--d->sp];
    int len = d->n - s;
    int lb = len < 128 ? 1 : len < 256 ? 2 : 3;
    memmove(d->b + s + lb, d->b + s, len);
    if (lb == 1) d->b[s] = (uint8_t)len;
    else if (lb == 2) { d->b[s] = 0x81; d->b[s + 1] = (uint8_t)len; }
    else { d->b[s] = 0x82; d->b[s + 1] = (uint8_t)(len >> 8); d->b[s + 2] = (uint8_t)len; }
    d->n += lb;
}
static void d_prim(der_t *d, uint8_t tag, const void *p, int len) { d_open(d, tag); memcpy(d->b + d->n, p, len); d->n += len; d_close(d); }
static void d_str(der_t *d, uint8_t tag, const char *s) { d_prim(d, tag, s, (int)strlen(s)); }
static void d_int(der_t *d, int64_t v)
{
    uint8_t tmp[9];
    int n = 0;
    for (int i = 7; i >= 0; i--) tmp[n++] = (uint8_t)(v >> (i * 8));
    int s = 0;
    while (s < 7 && ((tmp[s] == 0 && !(tmp[s + 1] & 0x80)) || (tmp[s] == 0xff && (tmp[s + 1] & 0x80)))) s++;
    d_prim(d, 0x02, tmp + s, 8 - s);
}
static void d_ctx_int(der_t *d, int ctx, int64_t v) { d_open(d, (uint8_t)(0xa0 | ctx)); d_int(d, v); d_close(d); }
static void d_ctx_gs(der_t *d, int ctx, const char *s) { d_open(d, (uint8_t)(0xa0 | ctx)); d_str(d, 0x1b, s); d_close(d); }
static void d_principal(der_t *d, int ctx, int type, const char *a, const char *b2)
{
    d_open(d, (uint8_t)(0xa0 | ctx));
    d_open(d, 0x30);
    d_ctx_int(d, 0, type);
    d_open(d, 0xa1); d_open(d, 0x30);
    d_str(d, 0x1b, a);
    if (b2) d_str(d, 0x1b, b2);
    d_close(d); d_close(d);
    d_close(d);
    d_close(d);
}
static void d_encdata(der_t *d, int ctx, int etype, int kvno, rng_t *r, int len)
{
    uint8_t tmp[1024];
    rng_bytes(r, tmp, len);
    d_open(d, (uint8_t)(0xa0 | ctx));
    d_open(d, 0x30);
    d_ctx_int(d, 0, etype);
    if (kvno >= 0) d_ctx_int(d, 1, kvno);
    d_open(d, 0xa2); d_prim(d, 0x04, tmp, len); d_close(d);
    d_close(d);
    d_close(d);
}

/* ================= Kerberos (UDP 88) ================= */
static void krb_body(der_t *d, rng_t *r, const char *user, const char *realm, const char *s1, const char *s2)
{
    static const uint8_t kdcopt[] = { 0x00, 0x40, 0x81, 0x00, 0x10 };
    d_open(d, 0xa4); d_open(d, 0x30);
    d_open(d, 0xa0); d_prim(d, 0x03, kdcopt, 5); d_close(d);
    if (user) d_principal(d, 1, 1, user, NULL);
    d_ctx_gs(d, 2, realm);
    d_principal(d, 3, 2, s1, s2);
    d_open(d, 0xa5); d_str(d, 0x18, "20370913024805Z"); d_close(d);
    d_ctx_int(d, 7, (int64_t)(rng_next(r) & 0x7fffffff));
    d_open(d, 0xa8); d_open(d, 0x30);
    d_int(d, 18); d_int(d, 17); d_int(d, 23); d_int(d, 24); d_int(d, -135);
    d_close(d); d_close(d);
    d_close(d); d_close(d);
}

int krb_as_req(uint8_t *b, rng_t *r, const char *user, const char *realm, int preauth)
{
    der_t d = { .b = b };
    d_open(&d, 0x6a); d_open(&d, 0x30);
    d_ctx_int(&d, 1, 5);
    d_ctx_int(&d, 2, 10);
    if (preauth) {
        d_open(&d, 0xa3); d_open(&d, 0x30);
        d_open(&d, 0x30);
        d_ctx_int(&d, 1, 2); /* PA-ENC-TIMESTAMP */
        {
            uint8_t tmp[128];
            der_t e = { .b = tmp };
            d_open(&e, 0x30); d_ctx_int(&e, 0, 18);
            uint8_t c[52]; rng_bytes(r, c, sizeof c);
            d_open(&e, 0xa2); d_prim(&e, 0x04, c, sizeof c); d_close(&e);
            d_close(&e);
            d_open(&d, 0xa2); d_prim(&d, 0x04, tmp, e.n); d_close(&d);
        }
        d_close(&d);
        d_close(&d); d_close(&d);
    }
    krb_body(&d, r, user, realm, "krbtgt", realm);
    d_close(&d); d_close(&d);
    return d.n;
}

int krb_error_preauth(uint8_t *b, rng_t *r, const char *realm, uint64_t t)
{
    char ts[32];
    fmt_time(t, ts, sizeof ts);
    char gt[20];
    snprintf(gt, sizeof gt, "%.4s%.2s%.2s%.2s%.2s%.2sZ", ts, ts + 5, ts + 8, ts + 11, ts + 14, ts + 17);
    der_t d = { .b = b };
    d_open(&d, 0x7e); d_open(&d, 0x30);
    d_ctx_int(&d, 0, 5);
    d_ctx_int(&d, 1, 30);
    d_open(&d, 0xa4); d_str(&d, 0x18, gt); d_close(&d);
    d_ctx_int(&d, 5, (int64_t)rng_range(r, 999999));
    d_ctx_int(&d, 6, 25);
    d_ctx_gs(&d, 9, realm);
    d_principal(&d, 10, 2, "krbtgt", realm);
    d_close(&d); d_close(&d);
    return d.n;
}

int krb_as_rep(uint8_t *b, rng_t *r, const char *user, const char *realm, const char *s1, const char *s2, int tgs)
{
    der_t d = { .b = b };
    d_open(&d, tgs ? 0x6d : 0x6b); d_open(&d, 0x30);
    d_ctx_int(&d, 0, 5);
    d_ctx_int(&d, 1, tgs ? 13 : 11);
    d_ctx_gs(&d, 3, realm);
    d_principal(&d, 4, 1, user, NULL);
    d_open(&d, 0xa5);
    d_open(&d, 0x61); d_open(&d, 0x30);
    d_ctx_int(&d, 0, 5);
    d_ctx_gs(&d, 1, realm);
    d_principal(&d, 2, 2, s1, s2);
    d_encdata(&d, 3, 18, 2, r, 300 + (int)rng_range(r, 100));
    d_close(&d); d_close(&d);
    d_close(&d);
    d_encdata(&d, 6, 18, 3, r, 180 + (int)rng_range(r, 60));
    d_close(&d); d_close(&d);
    return d.n;
}

int krb_tgs_req(uint8_t *b, rng_t *r, const char *realm, const char *svc, const char *host)
{
    der_t d = { .b = b };
    d_open(&d, 0x6c); d_open(&d, 0x30);
    d_ctx_int(&d, 1, 5);
    d_ctx_int(&d, 2, 12);
    d_open(&d, 0xa3); d_open(&d, 0x30);
    d_open(&d, 0x30);
    d_ctx_int(&d, 1, 1); /* PA-TGS-REQ: AP-REQ */
    {
        uint8_t tmp[900];
        der_t e = { .b = tmp };
        d_open(&e, 0x6e); d_open(&e, 0x30);
        d_ctx_int(&e, 0, 5);
        d_ctx_int(&e, 1, 14);
        d_open(&e, 0xa2); { uint8_t z[5] = { 0, 0, 0, 0, 0 }; d_prim(&e, 0x03, z, 5); } d_close(&e);
        d_open(&e, 0xa3);
        d_open(&e, 0x61); d_open(&e, 0x30);
        d_ctx_int(&e, 0, 5);
        d_ctx_gs(&e, 1, realm);
        d_principal(&e, 2, 2, "krbtgt", realm);
        d_encdata(&e, 3, 18, 2, r, 320);
        d_close(&e); d_close(&e);
        d_close(&e);
        d_encdata(&e, 4, 18, -1, r, 120);
        d_close(&e); d_close(&e);
        d_open(&d, 0xa2); d_prim(&d, 0x04, tmp, e.n); d_close(&d);
    }
    d_close(&d);
    d_close(&d); d_close(&d);
    krb_body(&d, r, NULL, realm, svc, host);
    d_close(&d); d_close(&d);
    return d.n;
}

/* ================= LDAP ================= */
int ldap_search_req(uint8_t *b, int msgid, const char *base, const char *attr, const char *val)
{
    der_t d = { .b = b };
    d_open(&d, 0x30);
    d_int(&d, msgid);
    d_open(&d, 0x63);
    d_str(&d, 0x04, base);
    { uint8_t v = 2; d_prim(&d, 0x0a, &v, 1); }
    { uint8_t v = 0; d_prim(&d, 0x0a, &v, 1); }
    d_int(&d, 0);
    d_int(&d, 120);
    { uint8_t v = 0; d_prim(&d, 0x01, &v, 1); }
    d_open(&d, 0xa3); d_str(&d, 0x04, attr); d_str(&d, 0x04, val); d_close(&d);
    d_open(&d, 0x30); d_str(&d, 0x04, "cn"); d_str(&d, 0x04, "memberOf"); d_str(&d, 0x04, "userAccountControl"); d_close(&d);
    d_close(&d);
    d_close(&d);
    return d.n;
}

int ldap_search_res(uint8_t *b, rng_t *r, int msgid, const char *dn, int nattr)
{
    der_t d = { .b = b };
    d_open(&d, 0x30);
    d_int(&d, msgid);
    d_open(&d, 0x64);
    d_str(&d, 0x04, dn);
    d_open(&d, 0x30);
    d_open(&d, 0x30); d_str(&d, 0x04, "userAccountControl"); d_open(&d, 0x31); d_str(&d, 0x04, "512"); d_close(&d); d_close(&d);
    d_open(&d, 0x30); d_str(&d, 0x04, "memberOf"); d_open(&d, 0x31);
    for (int i = 0; i < nattr; i++) {
        char g[96];
        snprintf(g, sizeof g, "CN=Group-%02u,OU=Groups,DC=corp,DC=local", (unsigned)rng_range(r, 60));
        d_str(&d, 0x04, g);
    }
    d_close(&d); d_close(&d);
    d_close(&d);
    d_close(&d);
    d_close(&d);
    /* SearchResultDone */
    d_open(&d, 0x30);
    d_int(&d, msgid);
    d_open(&d, 0x65);
    { uint8_t v = 0; d_prim(&d, 0x0a, &v, 1); }
    d_str(&d, 0x04, "");
    d_str(&d, 0x04, "");
    d_close(&d);
    d_close(&d);
    return d.n;
}

int ldap_unbind(uint8_t *b, int msgid)
{
    der_t d = { .b = b };
    d_open(&d, 0x30);
    d_int(&d, msgid);
    d_prim(&d, 0x42, "", 0);
    d_close(&d);
    return d.n;
}

/* ================= SMB2 (over NBSS) ================= */
static int smb2_hdr(uint8_t *b, uint16_t cmd, int resp, uint64_t mid, uint32_t tid, uint64_t sid)
{
    memset(b, 0, 68);
    /* b[0..3] NBSS header filled by caller via smb2_fin */
    uint8_t *h = b + 4;
    h[0] = 0xfe; h[1] = 'S'; h[2] = 'M'; h[3] = 'B';
    le16(h + 4, 64);
    le16(h + 6, 1);
    le16(h + 12, cmd);
    le16(h + 14, resp ? 32 : 1);
    le32(h + 16, resp ? 1 : 0);
    le64(h + 24, mid);
    le32(h + 32, 0xfeff);
    le32(h + 36, tid);
    le64(h + 40, sid);
    return 68;
}
static int smb2_fin(uint8_t *b, int len) { b[0] = 0; put24(b + 1, (uint32_t)(len - 4)); return len; }
#define SMB_SID 0x0000640000000011ULL

int smb2_negotiate_req(uint8_t *b, rng_t *r, uint64_t mid)
{
    int o = smb2_hdr(b, 0, 0, mid, 0, 0);
    le16(b + o, 36); le16(b + o + 2, 4); le16(b + o + 4, 1); le16(b + o + 6, 0); le32(b + o + 8, 0x7f);
    rng_bytes(r, b + o + 12, 16); memset(b + o + 28, 0, 8);
    o += 36;
    le16(b + o, 0x0202); le16(b + o + 2, 0x0210); le16(b + o + 4, 0x0300); le16(b + o + 6, 0x0302);
    o += 8;
    return smb2_fin(b, o);
}

int smb2_negotiate_resp(uint8_t *b, rng_t *r, uint64_t mid, uint64_t t)
{
    int o = smb2_hdr(b, 0, 1, mid, 0, 0);
    memset(b + o, 0, 64);
    le16(b + o, 65); le16(b + o + 2, 1); le16(b + o + 4, 0x0302);
    memset(b + o + 8, 0x5a, 16); (void)r;
    le32(b + o + 24, 0x2f); le32(b + o + 28, 8388608); le32(b + o + 32, 8388608); le32(b + o + 36, 8388608);
    le64(b + o + 40, (t / 100) + 116444736000000000ULL);
    le64(b + o + 48, 0);
    le16(b + o + 56, 0x80); le16(b + o + 58, 0);
    o += 64;
    return smb2_fin(b, o);
}

int smb2_tree_req(uint8_t *b, uint64_t mid, const char *path)
{
    int o = smb2_hdr(b, 3, 0, mid, 0, SMB_SID);
    int n = (int)strlen(path);
    le16(b + o, 9); le16(b + o + 2, 0); le16(b + o + 4, 64 + 8); le16(b + o + 6, (uint16_t)(n * 2));
    o += 8;
    for (int i = 0; i < n; i++) { b[o++] = (uint8_t)path[i]; b[o++] = 0; }
    return smb2_fin(b, o);
}

int smb2_tree_resp(uint8_t *b, uint64_t mid, uint32_t tid)
{
    int o = smb2_hdr(b, 3, 1, mid, tid, SMB_SID);
    le16(b + o, 16); b[o + 2] = 1; b[o + 3] = 0; le32(b + o + 4, 0); le32(b + o + 8, 0); le32(b + o + 12, 0x1f01ff);
    o += 16;
    return smb2_fin(b, o);
}

int smb2_read_req(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len, uint64_t off, const uint8_t *fid)
{
    int o = smb2_hdr(b, 8, 0, mid, tid, SMB_SID);
    memset(b + o, 0, 49);
    le16(b + o, 49); b[o + 2] = 0x50; le32(b + o + 4, len); le64(b + o + 8, off); memcpy(b + o + 16, fid, 16);
    o += 49;
    return smb2_fin(b, o);
}

/* returns header length; caller appends len data bytes and the NBSS length covers them */
int smb2_read_resp_hdr(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len)
{
    int o = smb2_hdr(b, 8, 1, mid, tid, SMB_SID);
    memset(b + o, 0, 16);
    le16(b + o, 17); b[o + 2] = 0x50; le32(b + o + 4, len);
    o += 16;
    smb2_fin(b, o + (int)len);
    return o;
}

int smb2_write_req_hdr(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len, uint64_t off, const uint8_t *fid)
{
    int o = smb2_hdr(b, 9, 0, mid, tid, SMB_SID);
    memset(b + o, 0, 48);
    le16(b + o, 49); le16(b + o + 2, 0x70); le32(b + o + 4, len); le64(b + o + 8, off); memcpy(b + o + 16, fid, 16);
    o += 48;
    smb2_fin(b, o + (int)len);
    return o;
}

int smb2_write_resp(uint8_t *b, uint64_t mid, uint32_t tid, uint32_t len)
{
    int o = smb2_hdr(b, 9, 1, mid, tid, SMB_SID);
    memset(b + o, 0, 17);
    le16(b + o, 17); le32(b + o + 4, len);
    o += 16;
    return smb2_fin(b, o);
}

/* ================= NTP ================= */
int ntp_packet(uint8_t *b, int server, uint64_t t)
{
    memset(b, 0, 48);
    uint64_t secs = t / NS_PER_S + 2208988800ULL;
    uint32_t frac = (uint32_t)(((t % NS_PER_S) << 32) / NS_PER_S);
    if (!server) {
        b[0] = 0x23; /* LI 0, VN 4, client */
        b[2] = 10; b[3] = 0xe9;
        put32(b + 40, (uint32_t)secs); put32(b + 44, frac);
    } else {
        b[0] = 0x24; b[1] = 2; b[2] = 10; b[3] = 0xe7;
        put32(b + 4, 0x00000a5c); put32(b + 8, 0x000004d2);
        put32(b + 12, 0xc0a80001 ^ (uint32_t)secs >> 12);
        put32(b + 16, (uint32_t)secs - 37); put32(b + 20, frac);
        put32(b + 32, (uint32_t)secs); put32(b + 36, frac);
        put32(b + 40, (uint32_t)secs); put32(b + 44, frac + 40000);
    }
    return 48;
}

/* ================= SSH ================= */
static int ssh_wrap(uint8_t *b, int plen, rng_t *r)
{
    /* b+5 holds payload of plen bytes; add padding to a multiple of 8 */
    int pad = 8 - ((plen + 5) % 8);
    if (pad < 4) pad += 8;
    memset(b + 5 + plen, 0, pad);
    (void)r;
    put32(b, (uint32_t)(plen + pad + 1));
    b[4] = (uint8_t)pad;
    return 5 + plen + pad;
}
static int ssh_namelist(uint8_t *b, const char *s) { int n = (int)strlen(s); put32(b, (uint32_t)n); memcpy(b + 4, s, n); return 4 + n; }

int ssh_kexinit(uint8_t *b, rng_t *r, int server)
{
    uint8_t *p = b + 5;
    int o = 0;
    p[o++] = 20;
    rng_bytes(r, p + o, 16); o += 16;
    o += ssh_namelist(p + o, server ? "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256"
                                    : "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ext-info-c");
    o += ssh_namelist(p + o, "ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256");
    for (int i = 0; i < 2; i++) o += ssh_namelist(p + o, "chacha20-poly1305@openssh.com,aes128-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com");
    for (int i = 0; i < 2; i++) o += ssh_namelist(p + o, "umac-64-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-256");
    for (int i = 0; i < 2; i++) o += ssh_namelist(p + o, "none,zlib@openssh.com");
    o += ssh_namelist(p + o, "");
    o += ssh_namelist(p + o, "");
    p[o++] = 0;
    put32(p + o, 0); o += 4;
    return ssh_wrap(b, o, r);
}

int ssh_ecdh_init(uint8_t *b, rng_t *r)
{
    uint8_t *p = b + 5;
    p[0] = 30; put32(p + 1, 32); rng_bytes(r, p + 5, 32);
    return ssh_wrap(b, 37, r);
}

int ssh_ecdh_reply(uint8_t *b, rng_t *r)
{
    uint8_t *p = b + 5;
    int o = 0;
    p[o++] = 31;
    put32(p + o, 51); o += 4; /* K_S */
    o += ssh_namelist(p + o, "ssh-ed25519");
    put32(p + o, 32); o += 4; rng_bytes(r, p + o, 32); o += 32;
    put32(p + o, 32); o += 4; rng_bytes(r, p + o, 32); o += 32; /* Q_S */
    put32(p + o, 83); o += 4;
    o += ssh_namelist(p + o, "ssh-ed25519");
    put32(p + o, 64); o += 4; rng_bytes(r, p + o, 64); o += 64;
    return ssh_wrap(b, o, r);
}

int ssh_newkeys(uint8_t *b) { b[5] = 21; return ssh_wrap(b, 1, NULL); }

int ssh_encrypted(uint8_t *b, rng_t *r, int len) { rng_bytes(r, b, len); return len; }

/* ================= PostgreSQL ================= */
int pg_startup(uint8_t *b, const char *user, const char *db)
{
    int o = 8;
    put32(b + 4, 196608);
    o += sprintf((char *)b + o, "user") + 1;
    o += sprintf((char *)b + o, "%s", user) + 1;
    o += sprintf((char *)b + o, "database") + 1;
    o += sprintf((char *)b + o, "%s", db) + 1;
    o += sprintf((char *)b + o, "application_name") + 1;
    o += sprintf((char *)b + o, "erp-app") + 1;
    b[o++] = 0;
    put32(b, (uint32_t)o);
    return o;
}

int pg_auth_ok_ready(uint8_t *b)
{
    int o = 0;
    b[o++] = 'R'; put32(b + o, 8); put32(b + o + 4, 0); o += 8;
    const char *ps[][2] = { { "server_version", "15.5" }, { "client_encoding", "UTF8" }, { "DateStyle", "ISO, MDY" } };
    for (int i = 0; i < 3; i++) {
        b[o++] = 'S';
        int l = o; o += 4;
        o += sprintf((char *)b + o, "%s", ps[i][0]) + 1;
        o += sprintf((char *)b + o, "%s", ps[i][1]) + 1;
        put32(b + l, (uint32_t)(o - l));
    }
    b[o++] = 'K'; put32(b + o, 12); put32(b + o + 4, 4242); put32(b + o + 8, 0x5eed); o += 12;
    b[o++] = 'Z'; put32(b + o, 5); b[o + 4] = 'I'; o += 5;
    return o;
}

int pg_query(uint8_t *b, const char *sql)
{
    int n = (int)strlen(sql) + 1;
    b[0] = 'Q'; put32(b + 1, (uint32_t)(4 + n)); memcpy(b + 5, sql, n);
    return 5 + n;
}

int pg_result(uint8_t *b, rng_t *r, int rows)
{
    int o = 0;
    b[o++] = 'T';
    int l = o; o += 4;
    put16(b + o, 2); o += 2;
    const char *names[2] = { "id", "status" };
    const uint32_t oids[2] = { 23, 25 };
    for (int i = 0; i < 2; i++) {
        o += sprintf((char *)b + o, "%s", names[i]) + 1;
        put32(b + o, 16402); put16(b + o + 4, (uint16_t)(i + 1)); put32(b + o + 6, oids[i]);
        put16(b + o + 10, i ? 0xffff : 4); put32(b + o + 12, 0xffffffff); put16(b + o + 16, 0);
        o += 18;
    }
    put32(b + l, (uint32_t)(o - l));
    for (int i = 0; i < rows; i++) {
        char id[16], st[16];
        int a = snprintf(id, sizeof id, "%u", (unsigned)rng_range(r, 900000) + 1000);
        int c = snprintf(st, sizeof st, "%s", (rng_next(r) & 1) ? "open" : "shipped");
        b[o++] = 'D';
        put32(b + o, (uint32_t)(4 + 2 + 4 + a + 4 + c)); o += 4;
        put16(b + o, 2); o += 2;
        put32(b + o, (uint32_t)a); memcpy(b + o + 4, id, a); o += 4 + a;
        put32(b + o, (uint32_t)c); memcpy(b + o + 4, st, c); o += 4 + c;
    }
    char tag[32];
    int tl = snprintf(tag, sizeof tag, "SELECT %d", rows) + 1;
    b[o++] = 'C'; put32(b + o, (uint32_t)(4 + tl)); memcpy(b + o + 4, tag, tl); o += 4 + tl;
    b[o++] = 'Z'; put32(b + o, 5); b[o + 4] = 'I'; o += 5;
    return o;
}

/* ================= RDP (X.224 over TPKT) ================= */
int rdp_x224_cr(uint8_t *b, const char *user)
{
    int o = 4;
    int li = o++;
    b[o++] = 0xe0; put16(b + o, 0); put16(b + o + 2, 0); b[o + 4] = 0; o += 5;
    o += sprintf((char *)b + o, "Cookie: mstshash=%s\r\n", user);
    b[o++] = 1; b[o++] = 0; le16(b + o, 8); le32(b + o + 2, 0x0b); o += 6; /* RDP_NEG_REQ: TLS|CredSSP|RDSTLS */
    b[li] = (uint8_t)(o - li - 1);
    b[0] = 3; b[1] = 0; put16(b + 2, (uint16_t)o);
    return o;
}

int rdp_x224_cc(uint8_t *b)
{
    int o = 4;
    int li = o++;
    b[o++] = 0xd0; put16(b + o, 0); put16(b + o + 2, 0x1234); b[o + 4] = 0; o += 5;
    b[o++] = 2; b[o++] = 0x1f; le16(b + o, 8); le32(b + o + 2, 2); o += 6; /* RDP_NEG_RSP: CredSSP */
    b[li] = (uint8_t)(o - li - 1);
    b[0] = 3; b[1] = 0; put16(b + 2, (uint16_t)o);
    return o;
}
