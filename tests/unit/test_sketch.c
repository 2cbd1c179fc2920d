/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — unit tests for analytics/sketch: error bounds of every sketch
 * checked against exact counts computed here.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/sketch/bloom.h"
#include "analytics/sketch/cms.h"
#include "analytics/sketch/ewma.h"
#include "analytics/sketch/hash.h"
#include "analytics/sketch/hll.h"
#include "analytics/sketch/topk.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t
rng_next(uint64_t *s)
{
	*s += TW_HASH_GOLDEN;
	return tw_mix64(*s);
}

static double
rng_unit(uint64_t *s)
{
	return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

/* Zipf(s) over ranks 0..nkeys-1 by inverse CDF. */
struct zipf {
	double *cdf;
	uint32_t nkeys;
};

static void
zipf_init(struct zipf *z, uint32_t nkeys, double s)
{
	double sum = 0.0;
	uint32_t i;

	z->nkeys = nkeys;
	z->cdf = malloc(nkeys * sizeof(double));
	cr_assert_not_null(z->cdf);
	for (i = 0; i < nkeys; i++) {
		sum += 1.0 / pow((double)(i + 1), s);
		z->cdf[i] = sum;
	}
	for (i = 0; i < nkeys; i++)
		z->cdf[i] /= sum;
}

static uint32_t
zipf_draw(const struct zipf *z, uint64_t *rng)
{
	double u = rng_unit(rng);
	uint32_t lo = 0, hi = z->nkeys - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
zipf_fini(struct zipf *z)
{
	free(z->cdf);
}

/* Zipf stream of n draws (ranks) and exact counts per rank. */
static uint32_t *
zipf_stream(uint32_t nkeys, uint32_t n, double s, uint64_t seed,
	    uint32_t **exact)
{
	struct zipf z;
	uint32_t *st = malloc(n * sizeof(uint32_t)), i;

	cr_assert_not_null(st);
	*exact = calloc(nkeys, sizeof(uint32_t));
	cr_assert_not_null(*exact);
	zipf_init(&z, nkeys, s);
	for (i = 0; i < n; i++) {
		st[i] = zipf_draw(&z, &seed);
		(*exact)[st[i]]++;
	}
	zipf_fini(&z);
	return st;
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------- hash */

/*
 * Flip every input bit of random inputs of length len; every (input bit,
 * output bit) pair must flip with probability ~1/2.
 */
static void
avalanche_check(size_t len, uint64_t seed, unsigned samples)
{
	unsigned nbits = (unsigned)len * 8, s, i, o, eff = samples;
	unsigned *flips = calloc((size_t)nbits * 64, sizeof(unsigned));
	uint8_t buf[128];
	double worst = 0.0, total = 0.0;
	uint64_t rng = seed;

	cr_assert_not_null(flips);
	cr_assert(len <= sizeof(buf));
	/* 1- and 2-byte keys: enumerate the whole input space */
	if (len <= 2)
		samples = eff = 1u << nbits;
	for (s = 0; s < samples; s++) {
		uint64_t h0;

		for (i = 0; i < len; i++)
			buf[i] = len <= 2 ? (uint8_t)(s >> (8 * i)) :
					    (uint8_t)rng_next(&rng);
		h0 = tw_hash64(buf, len, seed);
		for (i = 0; i < nbits; i++) {
			uint64_t d;

			buf[i / 8] ^= (uint8_t)(1u << (i % 8));
			d = h0 ^ tw_hash64(buf, len, seed);
			buf[i / 8] ^= (uint8_t)(1u << (i % 8));
			for (o = 0; o < 64; o++)
				flips[i * 64 + o] += (unsigned)((d >> o) & 1);
		}
	}
	for (i = 0; i < nbits * 64; i++) {
		double p = (double)flips[i] / samples;

		total += p;
		if (fabs(p - 0.5) > worst)
			worst = fabs(p - 0.5);
	}
	total /= nbits * 64;
	/*
	 * sd of one cell is 0.5/sqrt(samples) (0.016 for 1000 samples, 0.031
	 * for the 256 1-byte keys); allow 6 sd over the <= 51200 cells.
	 */
	cr_assert(worst < 6.0 * 0.5 / sqrt(eff), "len %zu: worst bias %.3f",
		  len, worst);
	cr_assert(fabs(total - 0.5) < 0.005, "len %zu: mean flip %.4f", len,
		  total);
	free(flips);
}

Test(hash, avalanche_tw_hash64)
{
	static const size_t lens[] = { 1, 3, 4, 7, 8, 13, 16, 17, 33, 48, 49,
				       100 };
	unsigned i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		avalanche_check(lens[i], 0x1234 + i, 1000);
}

Test(hash, avalanche_mix64)
{
	unsigned flips[64][64] = { { 0 } }, s, i, o;
	uint64_t rng = 99;
	double worst = 0.0;

	for (s = 0; s < 2000; s++) {
		uint64_t x = rng_next(&rng), h = tw_mix64(x);

		for (i = 0; i < 64; i++) {
			uint64_t d = h ^ tw_mix64(x ^ ((uint64_t)1 << i));

			for (o = 0; o < 64; o++)
				flips[i][o] += (unsigned)((d >> o) & 1);
		}
	}
	for (i = 0; i < 64; i++)
		for (o = 0; o < 64; o++) {
			double p = flips[i][o] / 2000.0;

			if (fabs(p - 0.5) > worst)
				worst = fabs(p - 0.5);
		}
	cr_assert(worst < 0.08, "mix64 worst bias %.3f", worst);
	/* bijective finalizer: 0 maps to 0, and small inputs spread */
	cr_assert_eq(tw_mix64(0), 0);
	cr_assert_neq(tw_mix64(1), tw_mix64(2));
}

/* Different seeds: output bits of h(x, s1) and h(x, s2) are uncorrelated. */
Test(hash, seeds_independent)
{
	static const uint64_t pairs[][2] = {
		{ 0, 1 }, { 1, 2 }, { 0x1234, 0x1235 }, { 0, UINT64_C(1) << 63 },
		{ 42, 42 ^ TW_HASH_P0 },
	};
	unsigned p, o, i, n = 100000;

	for (p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		unsigned same[64] = { 0 };
		double worst = 0.0;

		for (i = 0; i < n; i++) {
			uint64_t d = tw_hash_u64(i, pairs[p][0]) ^
				     tw_hash_u64(i, pairs[p][1]);

			for (o = 0; o < 64; o++)
				same[o] += (unsigned)(!((d >> o) & 1));
		}
		for (o = 0; o < 64; o++) {
			double f = (double)same[o] / n;

			if (fabs(f - 0.5) > worst)
				worst = fabs(f - 0.5);
		}
		/* sd 0.0016: 0.01 is > 6 sd */
		cr_assert(worst < 0.01, "seed pair %u: bit agreement off by %.4f",
			  p, worst);
	}
	/* flipping any seed bit avalanches too */
	for (i = 0; i < 64; i++) {
		unsigned bits = 0, k;

		for (k = 0; k < 200; k++) {
			uint64_t d = tw_hash_u64(k, 7) ^
				     tw_hash_u64(k, 7 ^ ((uint64_t)1 << i));

			bits += (unsigned)__builtin_popcountll(d);
		}
		cr_assert(fabs(bits / (200.0 * 64) - 0.5) < 0.03,
			  "seed bit %u: %.3f", i, bits / (200.0 * 64));
	}
}

Test(hash, no_collisions_and_stability)
{
	size_t n = 1000000, i;
	uint64_t *h = malloc(n * sizeof(uint64_t));
	uint8_t buf[80], ubuf[81];
	uint64_t byl[65];

	cr_assert_not_null(h);
	for (i = 0; i < n; i++)
		h[i] = tw_hash_u64(i, 5);
	qsort(h, n, sizeof(*h), u64_cmp);
	for (i = 1; i < n; i++)
		cr_assert_neq(h[i - 1], h[i], "collision among sequential ints");

	/* 16-byte keys whose first word equals a hash constant still hash */
	for (i = 0; i < n / 10; i++) {
		uint64_t w[2] = { TW_HASH_P1, i };

		h[i] = tw_hash64(w, sizeof(w), 0);
	}
	qsort(h, n / 10, sizeof(*h), u64_cmp);
	for (i = 1; i < n / 10; i++)
		cr_assert_neq(h[i - 1], h[i], "zero-multiplication collapse");
	free(h);

	/* every prefix length differs; unaligned input hashes the same */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i <= 64; i++) {
		size_t j;

		byl[i] = tw_hash64(buf, i, 0);
		for (j = 0; j < i; j++)
			cr_assert_neq(byl[i], byl[j], "len %zu vs %zu", i, j);
	}
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 1);
	for (i = 0; i <= sizeof(buf); i++) {
		memcpy(ubuf + 1, buf, i);
		cr_assert_eq(tw_hash64(buf, i, 9), tw_hash64(ubuf + 1, i, 9));
	}
	cr_assert_eq(tw_hash64(NULL, 0, 3), tw_hash64(buf, 0, 3));
	/* tw_hash_u64 is tw_hash64 over the little-endian bytes */
	{
		uint8_t le[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };

		cr_assert_eq(tw_hash_u64(UINT64_C(0x0102030405060708), 11),
			     tw_hash64(le, 8, 11));
	}
}

/* -------------------------------------------------------------------- HLL */

static struct tw_hll *
hll_new(unsigned p)
{
	struct tw_hll *h = malloc(tw_hll_size(p));

	cr_assert_not_null(h);
	cr_assert_eq(tw_hll_init(h, p), 0);
	return h;
}

Test(hll, sizes_and_args)
{
	struct tw_hll *h;

	cr_assert_eq(tw_hll_size(3), 0);
	cr_assert_eq(tw_hll_size(17), 0);
	cr_assert_eq(tw_hll_size(4), 24);
	cr_assert_eq(tw_hll_size(8), 264);
	cr_assert_eq(tw_hll_size(14), 16392);
	cr_assert_eq(tw_hll_size(16), 65544);
	cr_assert_eq(tw_hll_sparse_cap(4), 2);
	cr_assert_eq(tw_hll_sparse_cap(8), 32);
	cr_assert_eq(tw_hll_sparse_cap(16), 32);
	cr_assert_eq(tw_hll_init(NULL, 8), -EINVAL);
	h = hll_new(8);
	cr_assert_eq(tw_hll_init(h, 3), -EINVAL);
	cr_assert_eq(tw_hll_init(h, 17), -EINVAL);
	cr_assert_eq(h->p, 8, "failed init leaves h untouched");
	cr_assert_float_eq(tw_hll_estimate(h), 0.0, 1e-12);
	cr_assert_eq(tw_hll_check(h, tw_hll_size(8)), 0);
	free(h);
}

/*
 * Estimate within 3 standard errors over the whole range, exact for small
 * counts, for p = 8, 10, 12, 14 and several hash seeds.
 */
Test(hll, accuracy_whole_range, .timeout = 60)
{
	static const unsigned ps[] = { 8, 10, 12, 14 };
	static const uint64_t checks[] = { 1, 2, 5, 10, 50, 100, 1000, 10000,
					   100000, 1000000 };
	const unsigned nseeds = 5, nchk = sizeof(checks) / sizeof(checks[0]);
	unsigned pi, s, c;

	for (pi = 0; pi < sizeof(ps) / sizeof(ps[0]); pi++) {
		unsigned p = ps[pi];
		double rse = tw_hll_rse(p), sq[10] = { 0 }, worst = 0.0;
		struct tw_hll *h = hll_new(p);

		for (s = 0; s < nseeds; s++) {
			uint64_t i = 0;

			tw_hll_reset(h);
			for (c = 0; c < nchk; c++) {
				double est, rel;

				for (; i < checks[c]; i++)
					tw_hll_add(h, tw_hash_u64(i, 1000 + s));
				est = tw_hll_estimate(h);
				rel = (est - (double)checks[c]) / (double)checks[c];
				sq[c] += rel * rel;
				if (fabs(rel) / rse > worst)
					worst = fabs(rel) / rse;
				cr_assert(fabs(rel) <= 3.0 * rse,
					  "p=%u seed=%u n=%llu: estimate %.1f (%.2f SE)",
					  p, s, (unsigned long long)checks[c],
					  est, fabs(rel) / rse);
				if (checks[c] <= 10)
					cr_assert(fabs(est - (double)checks[c]) <= 1.0,
						  "p=%u n=%llu: estimate %.2f",
						  p, (unsigned long long)checks[c],
						  est);
			}
		}
		/* the empirical RSE over all checks stays near 1.04/sqrt(m) */
		for (c = 0; c < nchk; c++)
			sq[c] = sqrt(sq[c] / nseeds);
		cr_log_info("hll p=%u: worst %.2f SE; rms rel. error at 1e3 %.4f"
			    " 1e4 %.4f 1e5 %.4f 1e6 %.4f (rse %.4f)\n", p, worst,
			    sq[6], sq[7], sq[8], sq[9], rse);
		free(h);
	}
}

/* Small counts at every precision, in and past the exact range. */
Test(hll, small_counts_every_p)
{
	unsigned p, n, s;

	for (p = TW_HLL_P_MIN; p <= TW_HLL_P_MAX; p++) {
		struct tw_hll *h = hll_new(p);

		for (s = 0; s < 20; s++) {
			tw_hll_reset(h);
			for (n = 1; n <= 200; n++) {
				double est;

				tw_hll_add(h, tw_hash_u64(n, 77 + s));
				est = tw_hll_estimate(h);
				if (n <= tw_hll_sparse_cap(p))
					cr_assert_float_eq(est, (double)n, 1e-9);
				/*
				 * p >= 8: 4 SE (13 p x 20 seeds x 200
				 * correlated checks). p < 8: the documented
				 * bound is 1.35 x rse with a heavy tail.
				 */
				cr_assert(fabs(est - n) <=
					  (p >= 8 ? 4.0 : 8.0 * 1.35) *
					  tw_hll_rse(p) * n + 0.5,
					  "p=%u n=%u est %.2f", p, n, est);
				if (p >= 5 && n == 3)
					cr_assert_float_eq(est, 3.0, 1e-9);
			}
		}
		cr_assert_eq(tw_hll_check(h, tw_hll_size(p)), 0);
		free(h);
	}
}

Test(hll, duplicates_change_nothing)
{
	unsigned p;

	for (p = 4; p <= 14; p += 2) {
		struct tw_hll *h = hll_new(p), *copy = hll_new(p);
		uint64_t i;

		for (i = 0; i < 5000; i++) {
			uint64_t x = tw_hash_u64(i, 3);
			bool first = tw_hll_add(h, x);

			memcpy(copy, h, tw_hll_size(p));
			cr_assert_not(tw_hll_add(h, x), "second add changed p=%u", p);
			cr_assert_eq(memcmp(copy, h, tw_hll_size(p)), 0);
			if (i == 0)
				cr_assert(first, "first add must change");
			if (i < tw_hll_sparse_cap(p))
				cr_assert(first, "new exact hash must change");
		}
		/* re-adding everything changes nothing */
		memcpy(copy, h, tw_hll_size(p));
		for (i = 0; i < 5000; i++)
			cr_assert_not(tw_hll_add(h, tw_hash_u64(i, 3)));
		cr_assert_eq(memcmp(copy, h, tw_hll_size(p)), 0);
		free(h);
		free(copy);
	}
}

/* merge(HLL(A), HLL(B)) is bit-identical to HLL(A u B), in every mode. */
Test(hll, merge_equals_union)
{
	static const struct {
		unsigned p;
		uint64_t a0, a1, b0, b1;
	} cases[] = {
		{ 12, 0, 60000, 40000, 100000 },	/* dense + dense */
		{ 8, 0, 10, 5, 20 },		/* sparse + sparse -> sparse */
		{ 8, 0, 20, 10, 40 },		/* sparse + sparse -> dense */
		{ 8, 0, 5, 0, 5000 },		/* sparse + dense */
		{ 10, 0, 5000, 4990, 5010 },	/* dense + sparse */
		{ 4, 0, 1, 1, 2 },		/* p = 4, cap 2 */
		{ 4, 0, 2, 1, 3 },
		{ 14, 0, 0, 0, 100 },		/* empty + sparse */
	};
	unsigned c;

	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned p = cases[c].p;
		struct tw_hll *a = hll_new(p), *b = hll_new(p), *u = hll_new(p);
		struct tw_hll *b2 = hll_new(p);
		uint64_t i;

		for (i = cases[c].a0; i < cases[c].a1; i++)
			tw_hll_add(a, tw_hash_u64(i, 8));
		for (i = cases[c].b0; i < cases[c].b1; i++)
			tw_hll_add(b, tw_hash_u64(i, 8));
		for (i = cases[c].b1; i-- > cases[c].b0;)	/* reverse order */
			tw_hll_add(u, tw_hash_u64(i, 8));
		for (i = cases[c].a0; i < cases[c].a1; i++)
			tw_hll_add(u, tw_hash_u64(i, 8));
		memcpy(b2, b, tw_hll_size(p));
		cr_assert_eq(tw_hll_merge(b, a), 0);
		cr_assert_eq(tw_hll_merge(a, b2), 0);
		cr_assert_eq(memcmp(a, u, tw_hll_size(p)), 0, "case %u: a|b", c);
		cr_assert_eq(memcmp(b, u, tw_hll_size(p)), 0, "case %u: b|a", c);
		cr_assert_eq(tw_hll_merge(a, a), 0);
		cr_assert_eq(memcmp(a, u, tw_hll_size(p)), 0);
		cr_assert_eq(tw_hll_check(a, tw_hll_size(p)), 0);
		free(a);
		free(b);
		free(b2);
		free(u);
	}
	{
		struct tw_hll *a = hll_new(8), *b = hll_new(9);

		tw_hll_add(a, 1);
		cr_assert_eq(tw_hll_merge(a, b), -EINVAL);
		cr_assert_eq(tw_hll_merge(b, a), -EINVAL);
		cr_assert_float_eq(tw_hll_estimate(a), 1.0, 1e-12);
		free(a);
		free(b);
	}
}

Test(hll, check_rejects_corruption)
{
	struct tw_hll *h = hll_new(8);
	size_t sz = tw_hll_size(8);

	tw_hll_add(h, 5);
	tw_hll_add(h, 3);
	cr_assert_eq(tw_hll_check(h, sz), 0);
	cr_assert_eq(tw_hll_check(h, sz - 1), -EINVAL);
	h->reg[0] ^= 0xff;	/* breaks the sort order (3 < 5) */
	cr_assert_eq(tw_hll_check(h, sz), -EINVAL);
	h->reg[0] ^= 0xff;
	h->reg[200] = 1;	/* garbage past the list */
	cr_assert_eq(tw_hll_check(h, sz), -EINVAL);
	h->reg[200] = 0;
	h->nsparse = 33;
	cr_assert_eq(tw_hll_check(h, sz), -EINVAL);
	h->nsparse = TW_HLL_DENSE;
	memset(h->reg, 0, 256);
	h->reg[7] = 58;		/* > 65 - p */
	cr_assert_eq(tw_hll_check(h, sz), -EINVAL);
	h->reg[7] = 57;
	cr_assert_eq(tw_hll_check(h, sz), 0);
	h->p = 20;
	cr_assert_eq(tw_hll_check(h, sz), -EINVAL);
	free(h);
}

/* --------------------------------------------------------------- Count-Min */

#define CMS_KEYS 100000
#define CMS_N 1000000

Test(cms, args_and_shape)
{
	struct tw_cms *c;

	cr_assert_null(tw_cms_create(0, 4, 1));
	cr_assert_null(tw_cms_create(16, 0, 1));
	cr_assert_null(tw_cms_create(16, TW_CMS_MAX_DEPTH + 1, 1));
	cr_assert_null(tw_cms_create(TW_CMS_MAX_WIDTH + 1, 1, 1));
	cr_assert_null(tw_cms_create_eps(0.0, 0.1, 1));
	cr_assert_null(tw_cms_create_eps(0.1, 1.0, 1));
	cr_assert_null(tw_cms_create_eps(NAN, 0.1, 1));
	cr_assert_null(tw_cms_create_eps(1e-12, 0.1, 1));
	c = tw_cms_create(1000, 3, 1);
	cr_assert_not_null(c);
	cr_assert_eq(tw_cms_width(c), 1024);
	cr_assert_eq(tw_cms_depth(c), 3);
	cr_assert_eq(tw_cms_bytes(c), 320 + 4 * 1024 * 3);
	tw_cms_free(c);
	c = tw_cms_create_eps(1e-3, 1e-2, 1);
	cr_assert_not_null(c);
	cr_assert_eq(tw_cms_width(c), 4096);	/* ceil(e/1e-3) = 2719 */
	cr_assert_eq(tw_cms_depth(c), 5);	/* ceil(ln 100) */
	cr_assert_eq(tw_cms_bytes(c), 82240);
	tw_cms_free(c);
	c = tw_cms_create(1, 1, 0);
	cr_assert_not_null(c);
	cr_assert_eq(tw_cms_add(c, 1, 3), 3);
	cr_assert_eq(tw_cms_add(c, 2, 4), 7);
	tw_cms_free(c);
	tw_cms_free(NULL);
}

/* Shared check of one sketch shape against exact Zipf counts. */
static void
cms_zipf_check(uint32_t width, uint32_t depth, double s)
{
	uint32_t *exact, *st = zipf_stream(CMS_KEYS, CMS_N, s, 31, &exact);
	struct tw_cms *cu = tw_cms_create(width, depth, 4242);
	struct tw_cms *pl = tw_cms_create(width, depth, 4242);
	double eps = M_E / tw_cms_width(cu), delta = exp(-(double)depth);
	uint32_t i, over_cu = 0, over_pl = 0;
	uint64_t err_cu = 0, err_pl = 0;

	cr_assert_not_null(cu);
	cr_assert_not_null(pl);
	for (i = 0; i < CMS_N; i++) {
		uint64_t kh = tw_hash_u64(st[i], 17);

		tw_cms_add(cu, kh, 1);
		tw_cms_add_plain(pl, kh, 1);
	}
	for (i = 0; i < CMS_KEYS; i++) {
		uint64_t kh = tw_hash_u64(i, 17);
		uint32_t e_cu = tw_cms_estimate(cu, kh), e_pl = tw_cms_estimate(pl, kh);

		cr_assert(e_cu >= exact[i], "key %u: cu %u < true %u", i, e_cu,
			  exact[i]);
		cr_assert(e_pl >= exact[i]);
		cr_assert(e_cu <= e_pl, "key %u: conservative %u > plain %u", i,
			  e_cu, e_pl);
		if (e_cu - exact[i] > eps * CMS_N)
			over_cu++;
		if (e_pl - exact[i] > eps * CMS_N)
			over_pl++;
		err_cu += e_cu - exact[i];
		err_pl += e_pl - exact[i];
	}
	cr_log_info("cms w=%u d=%u zipf %.1f: eps*N=%.0f over: cu %u plain %u "
		    "of %u (delta*keys %.0f); mean err cu %.2f plain %.2f\n",
		    tw_cms_width(cu), depth, s, eps * CMS_N, over_cu, over_pl,
		    CMS_KEYS, delta * CMS_KEYS, (double)err_cu / CMS_KEYS,
		    (double)err_pl / CMS_KEYS);
	/* margin: half the probability the bound allows */
	cr_assert(over_cu <= delta * CMS_KEYS / 2, "cu over bound: %u", over_cu);
	cr_assert(over_pl <= delta * CMS_KEYS, "plain over bound: %u", over_pl);
	cr_assert(err_cu <= err_pl);
	tw_cms_free(cu);
	tw_cms_free(pl);
	free(st);
	free(exact);
}

/* Sized by (epsilon, delta) = (1e-3, 1e-2): width 4096, depth 5. */
Test(cms, zipf_error_bound_eps, .timeout = 60)
{
	cms_zipf_check(2719, 5, 1.1);
}

/* Tighter: width 1024 (eps*N = 2655), depth 3 (delta = 5 %), flatter Zipf. */
Test(cms, zipf_error_bound_narrow, .timeout = 60)
{
	cms_zipf_check(1024, 3, 0.8);
}

Test(cms, merge_copy_reset_saturate)
{
	uint32_t *ea, *eb;
	uint32_t *sa = zipf_stream(CMS_KEYS, CMS_N / 4, 1.1, 1, &ea);
	uint32_t *sb = zipf_stream(CMS_KEYS, CMS_N / 4, 1.0, 2, &eb);
	struct tw_cms *a = tw_cms_create_eps(1e-3, 1e-2, 9);
	struct tw_cms *b = tw_cms_create_eps(1e-3, 1e-2, 9);
	struct tw_cms *other = tw_cms_create_eps(1e-3, 1e-2, 10);
	struct tw_cms *cp = tw_cms_create_eps(1e-3, 1e-2, 77);
	struct tw_cms *small = tw_cms_create(16, 2, 9);
	uint32_t i;

	for (i = 0; i < CMS_N / 4; i++) {
		tw_cms_add(a, tw_hash_u64(sa[i], 5), 1);
		tw_cms_add(b, tw_hash_u64(sb[i], 5), 1);
	}
	cr_assert_eq(tw_cms_merge(a, other), -EINVAL, "seed differs");
	cr_assert_eq(tw_cms_merge(a, small), -EINVAL, "shape differs");
	cr_assert_eq(tw_cms_copy(cp, small), -EINVAL);
	cr_assert_eq(tw_cms_copy(cp, a), 0);
	cr_assert_eq(tw_cms_merge(a, b), 0);
	for (i = 0; i < CMS_KEYS; i++) {
		uint64_t kh = tw_hash_u64(i, 5);

		cr_assert(tw_cms_estimate(a, kh) >= ea[i] + eb[i],
			  "merged estimate below the exact sum for key %u", i);
		cr_assert(tw_cms_estimate(cp, kh) >= ea[i]);
	}
	/* the copy took src's seeds: mergeable with a's seed family */
	cr_assert_eq(tw_cms_merge(cp, b), 0);
	tw_cms_reset(a);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(tw_cms_estimate(a, tw_hash_u64(i, 5)), 0);

	/* saturation */
	cr_assert_eq(tw_cms_add(small, 1, UINT32_MAX - 1), UINT32_MAX - 1);
	cr_assert_eq(tw_cms_add(small, 1, 5), UINT32_MAX);
	cr_assert_eq(tw_cms_add(small, 1, 5), UINT32_MAX);
	cr_assert_eq(tw_cms_add_plain(small, 1, 5), UINT32_MAX);
	cr_assert_eq(tw_cms_merge(small, small), 0);
	cr_assert_eq(tw_cms_estimate(small, 1), UINT32_MAX);
	cr_assert_eq(tw_cms_add(small, 2, 0), tw_cms_estimate(small, 2));

	tw_cms_free(a);
	tw_cms_free(b);
	tw_cms_free(other);
	tw_cms_free(cp);
	tw_cms_free(small);
	free(sa);
	free(sb);
	free(ea);
	free(eb);
}

/* Rows use independent hashes: two keys colliding in one row rarely
 * collide in another (width 64, depth 8). */
Test(cms, rows_independent)
{
	struct tw_cms *c = tw_cms_create(64, 8, 123);
	unsigned i, full = 0;

	cr_assert_not_null(c);
	/* one heavy key; count light keys whose estimate equals it, i.e.
	 * that collide with it in all 8 rows: expect 1e5 / 64^8 ~ 0 */
	tw_cms_add_plain(c, tw_hash_u64(0, 1), 1000000);
	for (i = 1; i < 100000; i++)
		if (tw_cms_estimate(c, tw_hash_u64(i, 1)) >= 1000000)
			full++;
	cr_assert_eq(full, 0, "%u keys share all rows with the heavy key", full);
	tw_cms_free(c);
}

/* ------------------------------------------------------------------ Bloom */

static void
bloom_fp_check(uint64_t n, double fp, uint64_t seed)
{
	struct tw_bloom *b = tw_bloom_create(n, fp, seed);
	uint64_t i, fps = 0, trials = 1000000, est;
	double rate;

	cr_assert_not_null(b);
	for (i = 0; i < n; i++)
		tw_bloom_test_and_add(b, tw_hash_u64(i, 1));
	for (i = 0; i < n; i++) {
		cr_assert(tw_bloom_test(b, tw_hash_u64(i, 1)), "false negative");
		cr_assert(tw_bloom_test_and_add(b, tw_hash_u64(i, 1)));
	}
	for (i = 0; i < trials; i++)
		fps += tw_bloom_test(b, tw_hash_u64(n + i, 1));
	rate = (double)fps / trials;
	est = tw_bloom_count_estimate(b);
	cr_log_info("bloom n=%llu fp=%g: %zu B (%.2f bits/item), k=%u, "
		    "measured fp %.5f, count estimate %llu\n",
		    (unsigned long long)n, fp, tw_bloom_bytes(b),
		    8.0 * tw_bloom_bytes(b) / n, tw_bloom_k(b), rate,
		    (unsigned long long)est);
	cr_assert(rate <= 2.0 * fp, "fp rate %.5f vs target %g", rate, fp);
	cr_assert(fabs((double)est - n) <= 0.05 * n + 1, "count estimate %llu",
		  (unsigned long long)est);
	cr_assert_eq(tw_bloom_bytes(b), 64 + 64 * tw_bloom_nblocks(b));
	tw_bloom_free(b);
}

Test(bloom, no_false_negatives_fp_at_design_load, .timeout = 60)
{
	bloom_fp_check(100000, 0.01, 1);
	bloom_fp_check(20000, 0.001, 2);
	bloom_fp_check(50000, 0.05, 3);
	bloom_fp_check(1000, 0.0001, 4);
	bloom_fp_check(10, 0.01, 5);
}

Test(bloom, args_merge_reset)
{
	struct tw_bloom *a, *b, *c;
	uint64_t i;

	cr_assert_null(tw_bloom_create(0, 0.01, 1));
	cr_assert_null(tw_bloom_create(10, 0.0, 1));
	cr_assert_null(tw_bloom_create(10, 1.0, 1));
	cr_assert_null(tw_bloom_create(10, NAN, 1));
	cr_assert_null(tw_bloom_create(UINT64_C(1) << 50, 0.01, 1));
	tw_bloom_free(NULL);
	a = tw_bloom_create(1000, 0.01, 7);
	b = tw_bloom_create(1000, 0.01, 7);
	c = tw_bloom_create(1000, 0.01, 8);
	cr_assert_eq(tw_bloom_count_estimate(a), 0);
	for (i = 0; i < 500; i++) {
		bool had = tw_bloom_test_and_add(a, tw_hash_u64(i, 2));

		if (i == 0)
			cr_assert_not(had, "empty filter reported a key");
		tw_bloom_test_and_add(b, tw_hash_u64(i + 500, 2));
	}
	cr_assert_eq(tw_bloom_merge(a, c), -EINVAL);
	cr_assert_eq(tw_bloom_merge(a, b), 0);
	for (i = 0; i < 1000; i++)
		cr_assert(tw_bloom_test(a, tw_hash_u64(i, 2)));
	tw_bloom_reset(a);
	for (i = 0; i < 1000; i++)
		cr_assert_not(tw_bloom_test(a, tw_hash_u64(i, 2)));
	tw_bloom_free(a);
	tw_bloom_free(b);
	tw_bloom_free(c);
}

Test(bloom, two_generation_decay)
{
	struct tw_bloom2 *b2 = tw_bloom2_create(10000, 1e-4, 3);
	uint64_t i, kept = 0, forgotten = 0;

	cr_assert_not_null(b2);
	cr_assert_null(tw_bloom2_create(0, 0.01, 3));
	cr_assert(tw_bloom2_bytes(b2) > 2 * 64);
	/* generation 0: items 0..999 */
	cr_assert_not(tw_bloom2_test(b2, tw_hash_u64(0, 4)));
	for (i = 0; i < 1000; i++)
		tw_bloom2_test_and_add(b2, tw_hash_u64(i, 4));
	for (i = 0; i < 1000; i++)
		cr_assert(tw_bloom2_test_and_add(b2, tw_hash_u64(i, 4)));
	tw_bloom2_rotate(b2);
	/* one rotation later: all remembered; refresh 0..99 only */
	for (i = 0; i < 1000; i++)
		cr_assert(tw_bloom2_test(b2, tw_hash_u64(i, 4)),
			  "item %llu forgotten after one rotation",
			  (unsigned long long)i);
	for (i = 0; i < 100; i++)
		cr_assert(tw_bloom2_test_and_add(b2, tw_hash_u64(i, 4)));
	tw_bloom2_rotate(b2);
	/* two rotations: 100..999 forgotten (bar false positives), the
	 * refreshed 0..99 remembered */
	for (i = 0; i < 100; i++)
		cr_assert(tw_bloom2_test(b2, tw_hash_u64(i, 4)));
	for (i = 100; i < 1000; i++)
		forgotten += !tw_bloom2_test(b2, tw_hash_u64(i, 4));
	cr_assert(forgotten >= 895, "only %llu of 900 forgotten",
		  (unsigned long long)forgotten);
	tw_bloom2_test_and_add(b2, tw_hash_u64(500, 4));
	cr_assert(tw_bloom2_test(b2, tw_hash_u64(500, 4)), "re-added item");
	tw_bloom2_rotate(b2);
	tw_bloom2_rotate(b2);
	for (i = 0; i < 1000; i++)
		kept += tw_bloom2_test(b2, tw_hash_u64(i, 4));
	cr_assert(kept <= 5, "%llu remembered after all rotations",
		  (unsigned long long)kept);
	tw_bloom2_test_and_add(b2, 1);
	tw_bloom2_reset(b2);
	cr_assert_not(tw_bloom2_test(b2, 1));
	tw_bloom2_free(b2);
	tw_bloom2_free(NULL);
}

/* ------------------------------------------------------------------- EWMA */

/*
 * Reference: the weights the estimator implies, computed directly.
 * n <= W: every sample 1/n. n > W: the first W samples (1/W)(1-a)^(n-W),
 * sample j > W: a (1-a)^(n-j). Mean and population variance two-pass.
 */
static void
ewma_reference(const double *x, unsigned n, double a, unsigned w,
	       double *mean, double *var)
{
	double m = 0.0, v = 0.0, wsum = 0.0;
	unsigned j;

	for (j = 1; j <= n; j++) {
		double wj;

		if (n <= w)
			wj = 1.0 / n;
		else if (j <= w)
			wj = pow(1.0 - a, n - w) / w;
		else
			wj = a * pow(1.0 - a, n - j);
		wsum += wj;
		m += wj * x[j - 1];
	}
	cr_assert(fabs(wsum - 1.0) < 1e-9);
	for (j = 1; j <= n; j++) {
		double wj, d = x[j - 1] - m;

		if (n <= w)
			wj = 1.0 / n;
		else if (j <= w)
			wj = pow(1.0 - a, n - w) / w;
		else
			wj = a * pow(1.0 - a, n - j);
		v += wj * d * d;
	}
	*mean = m;
	*var = v;
}

static void
ewma_check(double alpha, double offset, double scale, uint64_t seed)
{
	enum { N = 300 };
	double x[N];
	struct tw_ewma e;
	unsigned n, w = tw_ewma_warmup(alpha);
	uint64_t rng = seed;

	tw_ewma_init(&e);
	for (n = 1; n <= N; n++) {
		double m, v;

		/* a level shift half way to exercise the decay */
		x[n - 1] = offset + scale * (rng_unit(&rng) - 0.5) +
			   (n > N / 2 ? 5.0 * scale : 0.0);
		tw_ewma_update(&e, x[n - 1], alpha);
		ewma_reference(x, n, alpha, w, &m, &v);
		cr_assert_eq(e.n, n);
		cr_assert(fabs(e.mean - m) <= 1e-9 * (fabs(m) + scale),
			  "alpha %g n %u: mean %.12g vs %.12g", alpha, n, e.mean, m);
		/* rounding of x itself: ~ulp(offset) * scale */
		cr_assert(fabs(e.var - v) <= 1e-9 * v + 1e-12 * scale * scale +
			  16.0 * fabs(offset) * DBL_EPSILON * scale,
			  "alpha %g n %u: var %.12g vs %.12g", alpha, n, e.var, v);
		cr_assert(fabs(tw_ewma_sd(&e) - sqrt(v)) <= 1e-6 * (sqrt(v) + scale));
	}
}

Test(ewma, matches_exact_weighted_moments)
{
	cr_assert_eq(tw_ewma_warmup(0.1), 10);
	cr_assert_eq(tw_ewma_warmup(0.05), 20);
	cr_assert_eq(tw_ewma_warmup(1.0 / 3.0), 3);
	cr_assert_eq(tw_ewma_warmup(0.3), 4);
	cr_assert_eq(tw_ewma_warmup(1.0), 1);
	ewma_check(0.1, 0.0, 1.0, 1);
	ewma_check(0.05, 100.0, 10.0, 2);
	ewma_check(0.3, -3.0, 0.5, 3);
	ewma_check(1.0 / 3.0, 0.0, 1.0, 4);
	ewma_check(1.0, 7.0, 1.0, 5);
	ewma_check(0.01, 1e3, 1.0, 6);	/* warm-up longer than half the run */
	/*
	 * large offset, tiny spread: stays accurate (a sum-of-squares form
	 * would lose everything: x^2 ~ 1e12 has an ulp of 1e-4 >> var ~ 1e-7)
	 */
	ewma_check(0.1, 1e6, 1e-3, 7);
}

Test(ewma, warmup_is_exact_welford)
{
	struct tw_ewma e;
	double xs[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	unsigned i;

	tw_ewma_init(&e);
	cr_assert_float_eq(tw_ewma_sd(&e), 0.0, 1e-12);
	for (i = 0; i < 8; i++)
		tw_ewma_update(&e, xs[i], 0.1);
	cr_assert_float_eq(e.mean, 5.0, 1e-12);
	cr_assert_float_eq(e.var, 4.0, 1e-12);	/* population variance */
	cr_assert_float_eq(tw_ewma_sd(&e), 2.0, 1e-12);
	cr_assert_float_eq(tw_ewma_z(&e, 9.0), 2.0, 1e-12);
	/* constant input: zero variance, z = 0 */
	tw_ewma_init(&e);
	for (i = 0; i < 100; i++)
		tw_ewma_update(&e, 3.5, 0.2);
	cr_assert_float_eq(e.mean, 3.5, 1e-12);
	cr_assert_float_eq(e.var, 0.0, 1e-12);
	cr_assert_float_eq(tw_ewma_z(&e, 10.0), 0.0, 1e-12);
}

/* ------------------------------------------------------------------ top-k */

Test(topk, zipf_heavy_hitters, .timeout = 60)
{
	uint32_t *exact, *st = zipf_stream(CMS_KEYS, CMS_N, 1.1, 77, &exact);
	struct tw_topk *t = tw_topk_create(200);
	struct tw_topk_item out[200];
	uint32_t top[10], i, j, n;

	cr_assert_not_null(t);
	cr_assert_eq(tw_topk_bytes(t), 64 + 32 * 200 + 16 * 512);
	for (i = 0; i < CMS_N; i++)
		tw_topk_add(t, st[i], 1);
	cr_assert_eq(tw_topk_check(t), 0);
	cr_assert_eq(tw_topk_total(t), CMS_N);
	cr_assert_eq(tw_topk_size(t), 200);

	/* exact top-10 by count (ties are immaterial for Zipf heads) */
	for (j = 0; j < 10; j++) {
		uint32_t best = UINT32_MAX;

		for (i = 0; i < CMS_KEYS; i++) {
			bool taken = false;
			uint32_t q;

			for (q = 0; q < j; q++)
				taken |= top[q] == i;
			if (!taken && (best == UINT32_MAX || exact[i] > exact[best]))
				best = i;
		}
		top[j] = best;
	}
	n = tw_topk_list(t, out, 200);
	cr_assert_eq(n, 200);
	for (i = 0; i < n; i++) {
		cr_assert(out[i].count >= exact[out[i].key], "count below true");
		cr_assert(out[i].count - out[i].error <= exact[out[i].key],
			  "lower bound above true");
		cr_assert(out[i].error <= CMS_N / 200);
		if (i > 0)
			cr_assert(out[i - 1].count >= out[i].count, "not sorted");
	}
	/* the true top-10 are the first ten reported, in any order */
	for (j = 0; j < 10; j++) {
		bool found = false;

		for (i = 0; i < 10; i++)
			found |= out[i].key == top[j];
		cr_assert(found, "true top-%u key %u (count %u) not reported",
			  j + 1, top[j], exact[top[j]]);
	}
	/* a shorter list is the prefix of the full one */
	n = tw_topk_list(t, out + 100, 10);
	cr_assert_eq(n, 10);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(out[100 + i].key, out[i].key);
		cr_assert_eq(out[100 + i].count, out[i].count);
	}
	tw_topk_free(t);
	free(st);
	free(exact);
}

Test(topk, exact_when_few_keys_and_churn)
{
	struct tw_topk *t = tw_topk_create(16);
	struct tw_topk_item out[16], it;
	uint64_t rng = 5, i;
	unsigned n;

	cr_assert_null(tw_topk_create(0));
	cr_assert_null(tw_topk_create(TW_TOPK_MAX_K + 1));
	tw_topk_free(NULL);
	for (i = 0; i < 16; i++)
		tw_topk_add(t, 1000 + i, i + 1);
	tw_topk_add(t, 1003, 0);	/* no-op */
	n = tw_topk_list(t, out, 16);
	cr_assert_eq(n, 16);
	for (i = 0; i < 16; i++) {
		cr_assert_eq(out[i].key, 1015 - i);
		cr_assert_eq(out[i].count, 16 - i);
		cr_assert_eq(out[i].error, 0);
	}
	cr_assert(tw_topk_get(t, 1007, &it));
	cr_assert_eq(it.count, 8);
	cr_assert_not(tw_topk_get(t, 5, &it));
	cr_assert_eq(tw_topk_list(t, NULL, 0), 0);

	/* heavy churn exercises eviction and index deletion */
	for (i = 0; i < 200000; i++) {
		tw_topk_add(t, rng_next(&rng) % 5000, 1 + (i & 3));
		if ((i & 1023) == 0)
			cr_assert_eq(tw_topk_check(t), 0);
	}
	cr_assert_eq(tw_topk_check(t), 0);
	cr_assert_eq(tw_topk_size(t), 16);
	n = tw_topk_list(t, out, 16);
	for (i = 0; i < n; i++) {
		cr_assert(tw_topk_get(t, out[i].key, &it));
		cr_assert_eq(it.count, out[i].count);
		cr_assert(out[i].error <= tw_topk_total(t) / 16);
	}

	/* saturation */
	tw_topk_reset(t);
	cr_assert_eq(tw_topk_size(t), 0);
	tw_topk_add(t, 1, UINT64_MAX - 1);
	tw_topk_add(t, 1, 10);
	cr_assert(tw_topk_get(t, 1, &it));
	cr_assert_eq(it.count, UINT64_MAX);
	cr_assert_eq(tw_topk_total(t), UINT64_MAX);
	cr_assert_eq(tw_topk_check(t), 0);
	tw_topk_free(t);
}
