/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — IP addresses as used by every layer.
 *
 * One 16-byte representation for IPv4 and IPv6: IPv4 is stored IPv4-mapped
 * (::ffff:a.b.c.d), so a flow key, a host key and a sketch item hash the same
 * bytes whatever the family. Network byte order throughout.
 * Header-only; no EAL, no allocation; safe from any thread.
 */
#ifndef TW_ADDR_H
#define TW_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tw_addr {
	uint8_t b[16];
};

#define TW_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

static inline void
tw_addr_from_v4(struct tw_addr *a, const void *be4)
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(&a->b[12], be4, 4);
}

static inline void
tw_addr_from_v6(struct tw_addr *a, const void *be16)
{
	memcpy(a->b, be16, 16);
}

static inline bool
tw_addr_is_v4(const struct tw_addr *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, pfx, 12) == 0;
}

static inline int
tw_addr_cmp(const struct tw_addr *x, const struct tw_addr *y)
{
	return memcmp(x->b, y->b, 16);
}

static inline bool
tw_addr_eq(const struct tw_addr *x, const struct tw_addr *y)
{
	return memcmp(x->b, y->b, 16) == 0;
}

static inline bool
tw_addr_is_zero(const struct tw_addr *a)
{
	static const uint8_t z[16];
	return memcmp(a->b, z, 16) == 0;
}

/* Format as dotted quad (IPv4-mapped) or RFC 5952 IPv6. buf >= TW_ADDR_STRLEN. */
const char *tw_addr_fmt(const struct tw_addr *a, char *buf, size_t len);

#define TW_MAC_STRLEN 18

/* Format a MAC address as 02:00:0a:14:01:23. buf >= TW_MAC_STRLEN. */
static inline const char *
tw_mac_fmt(const uint8_t mac[6], char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (len < TW_MAC_STRLEN) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	for (unsigned i = 0; i < 6; i++) {
		buf[i * 3] = hex[mac[i] >> 4];
		buf[i * 3 + 1] = hex[mac[i] & 0xf];
		buf[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
	return buf;
}

/* Parse "a.b.c.d" or an IPv6 literal. Returns 0 or -1. */
int tw_addr_parse(const char *s, struct tw_addr *a);

/* A CIDR prefix in the 16-byte space (IPv4 prefixes are stored with +96 bits). */
struct tw_cidr {
	struct tw_addr net;
	uint8_t bits; /* 0..128 */
};

/* Parse "10.0.0.0/8", "fc00::/7" or a bare address. Returns 0 or -1. */
int tw_cidr_parse(const char *s, struct tw_cidr *c);
bool tw_cidr_contains(const struct tw_cidr *c, const struct tw_addr *a);

/* A bounded list of prefixes: the home networks. */
#define TW_NETSET_MAX 64
struct tw_netset {
	unsigned n;
	struct tw_cidr c[TW_NETSET_MAX];
};

/* Parse a comma-separated CIDR list. On error returns -1 and names the bad
 * element in err. */
int tw_netset_parse(const char *list, struct tw_netset *ns, char *err, size_t errlen);
bool tw_netset_contains(const struct tw_netset *ns, const struct tw_addr *a);

#endif
