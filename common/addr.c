/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "tw/addr.h"

const char *
tw_addr_fmt(const struct tw_addr *a, char *buf, size_t len)
{
	if (tw_addr_is_v4(a)) {
		if (!inet_ntop(AF_INET, &a->b[12], buf, (socklen_t)len))
			snprintf(buf, len, "?");
	} else if (!inet_ntop(AF_INET6, a->b, buf, (socklen_t)len)) {
		snprintf(buf, len, "?");
	}
	return buf;
}

int
tw_addr_parse(const char *s, struct tw_addr *a)
{
	uint8_t tmp[16];

	if (inet_pton(AF_INET, s, tmp) == 1) {
		tw_addr_from_v4(a, tmp);
		return 0;
	}
	if (inet_pton(AF_INET6, s, tmp) == 1) {
		tw_addr_from_v6(a, tmp);
		return 0;
	}
	return -1;
}

int
tw_cidr_parse(const char *s, struct tw_cidr *c)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long bits;
	char *end;

	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (tw_addr_parse(buf, &c->net) != 0)
		return -1;
	int v4 = tw_addr_is_v4(&c->net) && strchr(buf, ':') == NULL;
	if (slash) {
		if (slash[1] == '\0')
			return -1;
		bits = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || bits > (v4 ? 32u : 128u))
			return -1;
	} else {
		bits = v4 ? 32 : 128;
	}
	c->bits = (uint8_t)(v4 ? bits + 96 : bits);
	/* clear host bits so that contains() is a plain masked compare */
	for (unsigned i = 0; i < 16; i++) {
		int keep = (int)c->bits - (int)(i * 8);
		if (keep <= 0)
			c->net.b[i] = 0;
		else if (keep < 8)
			c->net.b[i] &= (uint8_t)(0xff << (8 - keep));
	}
	return 0;
}

bool
tw_cidr_contains(const struct tw_cidr *c, const struct tw_addr *a)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->net.b, a->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a->b[full] & mask) == c->net.b[full];
}

int
tw_netset_parse(const char *list, struct tw_netset *ns, char *err, size_t errlen)
{
	char item[96];
	const char *p = list;

	ns->n = 0;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, ", ");
		if (n >= sizeof(item)) {
			snprintf(err, errlen, "CIDR too long: '%.*s...'", 32, p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (ns->n == TW_NETSET_MAX) {
			snprintf(err, errlen, "more than %d CIDRs", TW_NETSET_MAX);
			return -1;
		}
		if (tw_cidr_parse(item, &ns->c[ns->n]) != 0) {
			snprintf(err, errlen, "not a CIDR: '%s'", item);
			return -1;
		}
		ns->n++;
		p += n;
	}
	return 0;
}

bool
tw_netset_contains(const struct tw_netset *ns, const struct tw_addr *a)
{
	for (unsigned i = 0; i < ns->n; i++)
		if (tw_cidr_contains(&ns->c[i], a))
			return true;
	return false;
}
