/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — HyperLogLog distinct counter in caller memory.
 *
 * Counts distinct pre-hashed 64-bit items (hash them with tw_hash64() and a
 * seed that is the same for every HLL you intend to merge).
 *
 * Layout and memory cost: a struct tw_hll is an 8-byte header followed by
 * m = 2^p one-byte registers, i.e. tw_hll_size(p) = 8 + 2^p bytes:
 *     p = 4: 24 B    p = 8: 264 B    p = 10: 1032 B    p = 12: 4104 B
 *     p = 14: 16392 B    p = 16: 65544 B
 * It never allocates: embed it in a host model (as the last member, or in a
 * buffer of tw_hll_size(p) bytes). Byte-alignment suffices.
 *
 * Small counts are exact: while at most tw_hll_sparse_cap(p) = min(2^p/8, 32)
 * distinct hashes have been added, the register bytes hold the sorted list of
 * those full 64-bit hashes ("sparse" mode, as in HLL++) and the estimate is
 * their number (exact up to 64-bit hash collisions, ~n^2/2^65). The first
 * add beyond that converts, in place, to the dense registers; the result is
 * bit-identical to an HLL that was dense from the start. A host that
 * contacted 3 peers reads exactly 3 for every p >= 5.
 *
 * Dense estimate: Ertl's improved raw estimator ("New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017, algorithm 6), which
 * has no bias and no range switches from 0 to 2^64 and degrades gracefully to
 * linear counting at small loads.
 * Error bound: relative standard error 1.04 / sqrt(2^p)
 * (p = 8: 6.5 %, p = 10: 3.25 %, p = 12: 1.63 %, p = 14: 0.81 %) for
 * p >= 8; the unit tests check 3 standard errors from 1 to 1e6 at
 * p = 8..14. Below p = 8 the asymptotic formula is optimistic: measured RSE
 * p = 6 ~ 0.135 (rse 0.13), p = 4 ~ 0.31-0.35 with a +5..12 % bias and a
 * heavy tail (rse 0.26); use p >= 8 where the number matters.
 *
 * The representation is canonical: two HLLs (same p) that saw the same set
 * of hashes, in any order and through any sequence of merges, are
 * memcmp-equal over tw_hll_size(p) bytes — snapshots are deterministic.
 *
 * Thread safety: none; one writer, and no readers concurrently with a writer.
 * Functions on distinct HLLs are independent.
 * Cost: tw_hll_add() is O(1) when dense, at most 32 compares + a 256-byte
 * move when sparse, and one O(2^p) conversion in the HLL's lifetime; it never
 * allocates or syscalls. tw_hll_estimate() is O(2^p) (+ ~60 iterations):
 * re-estimate only when tw_hll_add() returned true.
 */
#ifndef TW_SKETCH_HLL_H
#define TW_SKETCH_HLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_HLL_P_MIN 4
#define TW_HLL_P_MAX 16
#define TW_HLL_SPARSE_MAX 32	/* cap on exact (sparse) hashes */
#define TW_HLL_DENSE 0xff	/* value of nsparse once dense */

struct tw_hll {
	uint8_t p;		/* precision, TW_HLL_P_MIN..TW_HLL_P_MAX */
	uint8_t nsparse;	/* hashes held while sparse, or TW_HLL_DENSE */
	uint8_t rsvd[6];	/* zero */
	uint8_t reg[];		/* 2^p registers (dense) or sorted LE hashes */
};

/* Bytes needed for precision p (the whole struct); 0 if p is out of range. */
size_t tw_hll_size(unsigned p);

/* Exact (sparse) capacity for precision p: min(2^p / 8, 32); 0 for a bad p. */
unsigned tw_hll_sparse_cap(unsigned p);

/* Relative standard error 1.04 / sqrt(2^p); 0 for a bad p. */
double tw_hll_rse(unsigned p);

/*
 * Initialise (empty) tw_hll_size(p) bytes at h.
 * Returns 0, or -EINVAL if h is NULL or p is out of range (h untouched).
 */
int tw_hll_init(struct tw_hll *h, unsigned p);

/*
 * Add a pre-hashed item. Precondition: h initialised.
 * Returns true when the sketch changed (a register increased, a new exact
 * hash was recorded, or the sketch went dense), i.e. when the estimate may
 * have changed; false when the item changes nothing (e.g. a repeat).
 */
bool tw_hll_add(struct tw_hll *h, uint64_t hash);

/* Estimated number of distinct items (0.0 when empty). */
double tw_hll_estimate(const struct tw_hll *h);

/*
 * dst := dst UNION src (register-wise max). Both initialised.
 * Returns 0, or -EINVAL when the precisions differ (dst untouched).
 * dst == src is allowed (no-op).
 */
int tw_hll_merge(struct tw_hll *dst, const struct tw_hll *src);

/* Forget everything (keeps p). */
void tw_hll_reset(struct tw_hll *h);

/* True while the sketch holds exact hashes (small counts). */
static inline bool
tw_hll_is_sparse(const struct tw_hll *h)
{
	return h->nsparse != TW_HLL_DENSE;
}

/*
 * Validate an image of size bytes (e.g. restored from a snapshot) before
 * using it: p in range, size == tw_hll_size(p), reserved bytes zero, sparse
 * list strictly sorted and within capacity, registers <= 65 - p, unused
 * bytes zero. Returns 0 or -EINVAL. Never reads beyond size bytes.
 */
int tw_hll_check(const struct tw_hll *h, size_t size);

#endif /* TW_SKETCH_HLL_H */
