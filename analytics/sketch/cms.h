/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — Count-Min sketch with conservative update.
 *
 * Frequency estimates for pre-hashed 64-bit keys (tw_hash64() of the key).
 * depth rows of width 32-bit saturating counters; row i indexes with
 * tw_mix64(key_hash ^ row_seed[i]) & (width - 1), the row seeds being derived
 * from the creation seed by splitmix64, so rows are independent hash
 * functions (no shared bits, no h1 + i*h2).
 *
 * Error bound (N = sum of all n added, while nothing saturates): for every
 * key, true <= estimate, and estimate <= true + epsilon * N with probability
 * >= 1 - delta, where epsilon = e / width and delta = exp(-depth).
 * Conservative update (tw_cms_add) never gives a larger estimate than the
 * plain update (tw_cms_add_plain) on the same stream and is usually much
 * tighter for the light keys of a skewed stream. Counters saturate at
 * UINT32_MAX (estimates then read UINT32_MAX, still >= true count).
 *
 * Memory: tw_cms_bytes() = 320 + 4 * width * depth bytes (width after
 * rounding up to a power of two), one cache-aligned allocation made by
 * tw_cms_create*(); e.g. epsilon = 1e-3, delta = 1e-2 -> width 4096,
 * depth 5 -> 82240 B.
 *
 * Thread safety: none; one writer, no concurrent readers. Updates are
 * O(depth), never allocate, never syscall.
 */
#ifndef TW_SKETCH_CMS_H
#define TW_SKETCH_CMS_H

#include <stddef.h>
#include <stdint.h>

#define TW_CMS_MAX_DEPTH 32
#define TW_CMS_MAX_WIDTH (UINT32_C(1) << 30)

struct tw_cms;

/*
 * width: 1..2^30 counters per row, rounded up to a power of two;
 * depth: 1..TW_CMS_MAX_DEPTH rows. seed: any value; only sketches created
 * with the same (width, depth, seed) can be merged.
 * Returns NULL on bad arguments or when memory is exhausted.
 */
struct tw_cms *tw_cms_create(uint32_t width, uint32_t depth, uint64_t seed);

/*
 * Sized for an additive error epsilon * N with probability 1 - delta:
 * width = ceil(e / epsilon) (then rounded up to a power of two),
 * depth = max(1, ceil(ln(1 / delta))). 0 < epsilon < 1, 0 < delta < 1.
 * Returns NULL on bad arguments (or a shape beyond the limits above) or
 * when memory is exhausted.
 */
struct tw_cms *tw_cms_create_eps(double epsilon, double delta, uint64_t seed);

/* Free; NULL is a no-op. */
void tw_cms_free(struct tw_cms *cms);

/* Total bytes allocated for this sketch. */
size_t tw_cms_bytes(const struct tw_cms *cms);

uint32_t tw_cms_width(const struct tw_cms *cms);
uint32_t tw_cms_depth(const struct tw_cms *cms);

/*
 * Count n more occurrences of the key (conservative update: each of the
 * key's counters is raised to at most min + n). Returns the new estimate.
 * n == 0 only reads.
 */
uint32_t tw_cms_add(struct tw_cms *cms, uint64_t key_hash, uint32_t n);

/*
 * Plain Count-Min update (every counter += n, saturating). Provided for
 * comparison and for callers that need linearity (e.g. later subtraction);
 * do not mix with tw_cms_add() on one sketch if you rely on either's bound
 * (mixing keeps estimate >= true). Returns the new estimate.
 */
uint32_t tw_cms_add_plain(struct tw_cms *cms, uint64_t key_hash, uint32_t n);

/* Estimated count of the key (>= true count). */
uint32_t tw_cms_estimate(const struct tw_cms *cms, uint64_t key_hash);

/*
 * dst := dst + src, cell-wise saturating. The estimate of every key stays
 * >= the sum of its true counts in both. Returns 0, or -EINVAL when width,
 * depth or seed differ (dst untouched). dst == src doubles every counter.
 */
int tw_cms_merge(struct tw_cms *dst, const struct tw_cms *src);

/*
 * dst := src (counters and seeds). Returns 0, or -EINVAL when width or
 * depth differ (dst untouched).
 */
int tw_cms_copy(struct tw_cms *dst, const struct tw_cms *src);

/* Zero every counter (keeps shape and seed). O(width * depth). */
void tw_cms_reset(struct tw_cms *cms);

#endif /* TW_SKETCH_CMS_H */
