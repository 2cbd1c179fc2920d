/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — HyperLogLog (sparse exact list + dense registers, Ertl's
 * improved estimator). See hll.h for the contract.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "analytics/sketch/hll.h"
#include "analytics/sketch/hash.h"

#define TW_LN2 0.69314718055994530942

size_t
tw_hll_size(unsigned p)
{
	if (p < TW_HLL_P_MIN || p > TW_HLL_P_MAX)
		return 0;
	return sizeof(struct tw_hll) + ((size_t)1 << p);
}

unsigned
tw_hll_sparse_cap(unsigned p)
{
	unsigned cap;

	if (p < TW_HLL_P_MIN || p > TW_HLL_P_MAX)
		return 0;
	cap = (1u << p) / 8;
	return cap < TW_HLL_SPARSE_MAX ? cap : TW_HLL_SPARSE_MAX;
}

double
tw_hll_rse(unsigned p)
{
	if (p < TW_HLL_P_MIN || p > TW_HLL_P_MAX)
		return 0.0;
	return 1.04 / sqrt((double)(1u << p));
}

int
tw_hll_init(struct tw_hll *h, unsigned p)
{
	size_t sz = tw_hll_size(p);

	if (h == NULL || sz == 0)
		return -EINVAL;
	memset(h, 0, sz);
	h->p = (uint8_t)p;
	h->nsparse = 0;
	return 0;
}

void
tw_hll_reset(struct tw_hll *h)
{
	memset(h->reg, 0, (size_t)1 << h->p);
	h->nsparse = 0;
}

static inline uint64_t
sparse_get(const struct tw_hll *h, unsigned i)
{
	return tw__hash_rd64(&h->reg[i * 8]);
}

static inline void
sparse_put(struct tw_hll *h, unsigned i, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(&h->reg[i * 8], &v, sizeof(v));
}

/* Register update; returns true when the register increased. */
static inline bool
dense_add(struct tw_hll *h, uint64_t hash)
{
	unsigned p = h->p;
	uint32_t idx = (uint32_t)(hash >> (64 - p));
	/* guard bit: rank <= 65 - p */
	uint64_t w = (hash << p) | ((uint64_t)1 << (p - 1));
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);

	if (h->reg[idx] >= rank)
		return false;
	h->reg[idx] = rank;
	return true;
}

/* Convert in place from the exact list to dense registers. */
static void
to_dense(struct tw_hll *h)
{
	uint64_t tmp[TW_HLL_SPARSE_MAX];
	unsigned i, n = h->nsparse;

	for (i = 0; i < n; i++)
		tmp[i] = sparse_get(h, i);
	memset(h->reg, 0, (size_t)1 << h->p);
	h->nsparse = TW_HLL_DENSE;
	for (i = 0; i < n; i++)
		dense_add(h, tmp[i]);
}

static bool
sparse_add(struct tw_hll *h, uint64_t hash)
{
	unsigned n = h->nsparse, i;

	for (i = 0; i < n; i++) {
		uint64_t v = sparse_get(h, i);

		if (v == hash)
			return false;
		if (v > hash)
			break;
	}
	if (n == tw_hll_sparse_cap(h->p)) {
		to_dense(h);
		dense_add(h, hash);
		return true;
	}
	memmove(&h->reg[(i + 1) * 8], &h->reg[i * 8], (size_t)(n - i) * 8);
	sparse_put(h, i, hash);
	h->nsparse = (uint8_t)(n + 1);
	return true;
}

bool
tw_hll_add(struct tw_hll *h, uint64_t hash)
{
	if (h->nsparse != TW_HLL_DENSE)
		return sparse_add(h, hash);
	return dense_add(h, hash);
}

/* Ertl 2017, sigma(x) for the zero-register correction. */
static double
ertl_sigma(double x)
{
	double y = 1.0, z = x, zp;

	if (x == 1.0)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

/* Ertl 2017, tau(x) for the saturated-register correction. */
static double
ertl_tau(double x)
{
	double y = 1.0, z, zp;

	if (x == 0.0 || x == 1.0)
		return 0.0;
	z = 1.0 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1.0 - x) * (1.0 - x) * y;
	} while (z != zp);
	return z / 3.0;
}

double
tw_hll_estimate(const struct tw_hll *h)
{
	uint32_t c[66] = { 0 };
	unsigned p = h->p, q = 64 - p, k;
	size_t m = (size_t)1 << p, i;
	double md = (double)m, z;

	if (h->nsparse != TW_HLL_DENSE)
		return (double)h->nsparse;

	for (i = 0; i < m; i++) {
		unsigned r = h->reg[i];

		c[r <= q + 1 ? r : q + 1]++;
	}
	if (c[0] == m)
		return 0.0;
	z = md * ertl_tau(1.0 - (double)c[q + 1] / md);
	for (k = q; k >= 1; k--)
		z = 0.5 * (z + (double)c[k]);
	z += md * ertl_sigma((double)c[0] / md);
	/* alpha_inf = 1 / (2 ln 2) */
	return (md * md / (2.0 * TW_LN2)) / z;
}

int
tw_hll_merge(struct tw_hll *dst, const struct tw_hll *src)
{
	size_t m, i;

	if (dst->p != src->p)
		return -EINVAL;
	if (dst == src)
		return 0;
	if (src->nsparse != TW_HLL_DENSE) {
		for (i = 0; i < src->nsparse; i++)
			tw_hll_add(dst, sparse_get(src, (unsigned)i));
		return 0;
	}
	if (dst->nsparse != TW_HLL_DENSE)
		to_dense(dst);
	m = (size_t)1 << dst->p;
	for (i = 0; i < m; i++)
		if (src->reg[i] > dst->reg[i])
			dst->reg[i] = src->reg[i];
	return 0;
}

int
tw_hll_check(const struct tw_hll *h, size_t size)
{
	size_t m, i;
	unsigned n;

	if (h == NULL || size < sizeof(struct tw_hll))
		return -EINVAL;
	if (tw_hll_size(h->p) == 0 || size != tw_hll_size(h->p))
		return -EINVAL;
	for (i = 0; i < sizeof(h->rsvd); i++)
		if (h->rsvd[i] != 0)
			return -EINVAL;
	m = (size_t)1 << h->p;
	if (h->nsparse == TW_HLL_DENSE) {
		for (i = 0; i < m; i++)
			if (h->reg[i] > 65 - h->p)
				return -EINVAL;
		return 0;
	}
	n = h->nsparse;
	if (n > tw_hll_sparse_cap(h->p))
		return -EINVAL;
	for (i = 1; i < n; i++)
		if (sparse_get(h, (unsigned)i - 1) >= sparse_get(h, (unsigned)i))
			return -EINVAL;
	for (i = (size_t)n * 8; i < m; i++)
		if (h->reg[i] != 0)
			return -EINVAL;
	return 0;
}
