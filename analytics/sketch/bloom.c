/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — blocked (cache-line) Bloom filter, two-generation novelty
 * set. See bloom.h.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/sketch/bloom.h"
#include "analytics/sketch/hash.h"

#define TW_LN2 0.69314718055994530942

#define BLOCK_BITS 512
#define BLOCK_WORDS 8

struct tw_bloom {
	uint64_t nblocks;
	uint32_t k;
	uint32_t rsvd;
	uint64_t seed;		/* block selection */
	uint64_t seed2;		/* bit positions */
	uint64_t expected;
	double fp_rate;
	uint8_t pad[16];
	uint64_t bits[];	/* nblocks * 8 words, cache-line aligned */
};

static_assert(sizeof(struct tw_bloom) == 64, "tw_bloom header is one line");

struct tw_bloom2 {
	struct tw_bloom *cur;
	struct tw_bloom *prev;
	uint64_t rotations;
	uint8_t pad[40];
};

static_assert(sizeof(struct tw_bloom2) == 64, "tw_bloom2 is one line");

/*
 * Expected false-positive probability of a blocked filter with k bits per
 * key, lambda keys per block on average (Poisson block loads).
 */
static double
blocked_fp(unsigned k, double lambda)
{
	double sd = sqrt(lambda), sum = 0.0, q = log1p(-1.0 / BLOCK_BITS);
	double lo = floor(lambda - 12.0 * sd - 20.0);
	double hi = ceil(lambda + 12.0 * sd + 20.0);
	double j;

	if (lo < 0.0)
		lo = 0.0;
	for (j = lo; j <= hi; j += 1.0) {
		double lp = j * log(lambda) - lambda - lgamma(j + 1.0);
		double fill = -expm1(q * (double)k * j);

		sum += exp(lp) * pow(fill, (double)k);
	}
	return sum;
}

/* Smallest filter (nblocks, k) whose model fp rate at n items is <= p. */
static int
bloom_size(uint64_t n, double p, uint64_t *nblocks_out, unsigned *k_out)
{
	double bits = -(double)n * log(p) / (TW_LN2 * TW_LN2);
	double nb = ceil(bits / BLOCK_BITS);
	int iter;

	if (nb < 1.0)
		nb = 1.0;
	for (iter = 0; iter < 400; iter++) {
		double lambda = (double)n / nb, best = 2.0;
		unsigned k, bestk = 1;

		if (nb * 64.0 > (double)TW_BLOOM_MAX_BYTES)
			return -ENOMEM;
		for (k = 1; k <= TW_BLOOM_MAX_K; k++) {
			double fp = blocked_fp(k, lambda);

			if (fp < best) {
				best = fp;
				bestk = k;
			}
		}
		if (best <= p) {
			*nblocks_out = (uint64_t)nb;
			*k_out = bestk;
			return 0;
		}
		nb += ceil(nb / 32.0);
	}
	return -EINVAL;	/* fp_rate unreachable with k <= 16 */
}

struct tw_bloom *
tw_bloom_create(uint64_t expected_items, double fp_rate, uint64_t seed)
{
	struct tw_bloom *b;
	uint64_t nblocks;
	unsigned k;
	size_t bytes;

	if (expected_items == 0 || !(fp_rate > 0.0 && fp_rate < 1.0))
		return NULL;
	if (bloom_size(expected_items, fp_rate, &nblocks, &k) != 0)
		return NULL;
	if (nblocks > (SIZE_MAX - sizeof(*b)) / 64)
		return NULL;
	bytes = sizeof(*b) + (size_t)nblocks * 64;
	b = aligned_alloc(64, bytes);
	if (b == NULL)
		return NULL;
	memset(b, 0, bytes);
	b->nblocks = nblocks;
	b->k = k;
	b->seed = tw_mix64(seed ^ TW_HASH_P0);
	b->seed2 = tw_mix64(seed ^ TW_HASH_P2);
	b->expected = expected_items;
	b->fp_rate = fp_rate;
	return b;
}

void
tw_bloom_free(struct tw_bloom *b)
{
	free(b);
}

size_t
tw_bloom_bytes(const struct tw_bloom *b)
{
	return sizeof(*b) + (size_t)b->nblocks * 64;
}

unsigned
tw_bloom_k(const struct tw_bloom *b)
{
	return b->k;
}

uint64_t
tw_bloom_nblocks(const struct tw_bloom *b)
{
	return b->nblocks;
}

/* Block of the key and the mask of its k bits within the block. */
static inline uint64_t *
bloom_probe(const struct tw_bloom *b, uint64_t key_hash,
	    uint64_t mask[BLOCK_WORDS])
{
	uint64_t h = tw_mix64(key_hash ^ b->seed);
	uint64_t blk = tw_mulhi64(h, b->nblocks);
	uint64_t base = tw_mix64(h ^ b->seed2), r = base, round = 0;
	unsigned i, left = 64;

	memset(mask, 0, BLOCK_WORDS * sizeof(uint64_t));
	for (i = 0; i < b->k; i++) {
		unsigned pos;

		if (left < 9) {
			/* 7 positions per 64-bit word; then a fresh word */
			r = tw_mix64(base + ++round * TW_HASH_GOLDEN);
			left = 64;
		}
		pos = (unsigned)(r & (BLOCK_BITS - 1));
		r >>= 9;
		left -= 9;
		mask[pos >> 6] |= (uint64_t)1 << (pos & 63);
	}
	return (uint64_t *)&b->bits[blk * BLOCK_WORDS];
}

bool
tw_bloom_test(const struct tw_bloom *b, uint64_t key_hash)
{
	uint64_t mask[BLOCK_WORDS], miss = 0;
	const uint64_t *blk = bloom_probe(b, key_hash, mask);
	unsigned w;

	for (w = 0; w < BLOCK_WORDS; w++)
		miss |= mask[w] & ~blk[w];
	return miss == 0;
}

bool
tw_bloom_test_and_add(struct tw_bloom *b, uint64_t key_hash)
{
	uint64_t mask[BLOCK_WORDS], miss = 0;
	uint64_t *blk = bloom_probe(b, key_hash, mask);
	unsigned w;

	for (w = 0; w < BLOCK_WORDS; w++) {
		miss |= mask[w] & ~blk[w];
		blk[w] |= mask[w];
	}
	return miss == 0;
}

void
tw_bloom_reset(struct tw_bloom *b)
{
	memset(b->bits, 0, (size_t)b->nblocks * 64);
}

int
tw_bloom_merge(struct tw_bloom *dst, const struct tw_bloom *src)
{
	size_t i, n;

	if (dst->nblocks != src->nblocks || dst->k != src->k ||
	    dst->seed != src->seed || dst->seed2 != src->seed2)
		return -EINVAL;
	n = (size_t)dst->nblocks * BLOCK_WORDS;
	for (i = 0; i < n; i++)
		dst->bits[i] |= src->bits[i];
	return 0;
}

uint64_t
tw_bloom_count_estimate(const struct tw_bloom *b)
{
	size_t i, n = (size_t)b->nblocks * BLOCK_WORDS;
	uint64_t x = 0;
	double m = (double)b->nblocks * BLOCK_BITS, est;

	for (i = 0; i < n; i++)
		x += (uint64_t)__builtin_popcountll(b->bits[i]);
	if ((double)x >= m)
		return UINT64_MAX;
	est = -(m / b->k) * log1p(-(double)x / m);
	return (uint64_t)llround(est);
}

struct tw_bloom2 *
tw_bloom2_create(uint64_t expected_items_per_generation, double fp_rate,
		 uint64_t seed)
{
	struct tw_bloom2 *b2 = aligned_alloc(64, sizeof(*b2));

	if (b2 == NULL)
		return NULL;
	memset(b2, 0, sizeof(*b2));
	b2->cur = tw_bloom_create(expected_items_per_generation, fp_rate, seed);
	b2->prev = tw_bloom_create(expected_items_per_generation, fp_rate, seed);
	if (b2->cur == NULL || b2->prev == NULL) {
		tw_bloom2_free(b2);
		return NULL;
	}
	return b2;
}

void
tw_bloom2_free(struct tw_bloom2 *b2)
{
	if (b2 == NULL)
		return;
	tw_bloom_free(b2->cur);
	tw_bloom_free(b2->prev);
	free(b2);
}

size_t
tw_bloom2_bytes(const struct tw_bloom2 *b2)
{
	return sizeof(*b2) + tw_bloom_bytes(b2->cur) + tw_bloom_bytes(b2->prev);
}

bool
tw_bloom2_test_and_add(struct tw_bloom2 *b2, uint64_t key_hash)
{
	bool in_cur = tw_bloom_test_and_add(b2->cur, key_hash);

	return in_cur || tw_bloom_test(b2->prev, key_hash);
}

bool
tw_bloom2_test(const struct tw_bloom2 *b2, uint64_t key_hash)
{
	return tw_bloom_test(b2->cur, key_hash) ||
	       tw_bloom_test(b2->prev, key_hash);
}

void
tw_bloom2_rotate(struct tw_bloom2 *b2)
{
	struct tw_bloom *old = b2->prev;

	b2->prev = b2->cur;
	tw_bloom_reset(old);
	b2->cur = old;
	b2->rotations++;
}

void
tw_bloom2_reset(struct tw_bloom2 *b2)
{
	tw_bloom_reset(b2->cur);
	tw_bloom_reset(b2->prev);
}
