/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — blocked Bloom filter and a two-generation decaying novelty set.
 *
 * Keys are pre-hashed 64-bit values (tw_hash64() of the key). Each key maps
 * to one 64-byte, 64-byte-aligned block (512 bits) and sets k bits inside
 * it, so a test or an insert touches exactly one cache line.
 *
 * Sizing: a blocked filter needs more bits than a classic one for the same
 * false-positive rate because block loads vary. tw_bloom_create() therefore
 * computes the blocked filter's exact expected false-positive rate (Poisson
 * mixture over the keys per block) and grows the filter (choosing the best
 * k <= 16 at each size) until that rate is <= fp_rate at expected_items.
 * Typical result: 1.05-1.2x the classic -n ln(p) / ln(2)^2 bits, e.g.
 * 1e5 items at 1 % -> 10.2 bits/item, k = 7 (classic: 9.6); 2e4 at 0.1 %
 * -> 15.8 bits/item, k = 9. Sizing costs ~2 ms at create time.
 * Error bound: no false negatives, ever. False-positive probability
 * <= fp_rate (model) while at most expected_items distinct keys were added;
 * it rises beyond that (check tw_bloom_count_estimate()).
 *
 * Memory: tw_bloom_bytes() = 64 + 64 * nblocks bytes, one cache-aligned
 * allocation made at create time.
 *
 * Thread safety: none; one writer, no concurrent readers. test/add are O(k)
 * on one cache line, never allocate, never syscall. reset, merge,
 * count_estimate and bloom2_rotate are O(size).
 */
#ifndef TW_SKETCH_BLOOM_H
#define TW_SKETCH_BLOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_BLOOM_MAX_K 16
#define TW_BLOOM_MAX_BYTES ((uint64_t)1 << 40)

struct tw_bloom;

/*
 * expected_items >= 1, 0 < fp_rate < 1. seed: only filters with the same
 * (expected_items, fp_rate, seed) can be merged.
 * Returns NULL on bad arguments, a filter above TW_BLOOM_MAX_BYTES, or when
 * memory is exhausted.
 */
struct tw_bloom *tw_bloom_create(uint64_t expected_items, double fp_rate,
				 uint64_t seed);

/* Free; NULL is a no-op. */
void tw_bloom_free(struct tw_bloom *b);

/* Total bytes allocated. */
size_t tw_bloom_bytes(const struct tw_bloom *b);

/* Number of bits set per key, and of 512-bit blocks. */
unsigned tw_bloom_k(const struct tw_bloom *b);
uint64_t tw_bloom_nblocks(const struct tw_bloom *b);

/*
 * Add the key; returns true when it was (probably) already present, false
 * when it certainly was not (then it is new: a novelty).
 */
bool tw_bloom_test_and_add(struct tw_bloom *b, uint64_t key_hash);

/* Membership without adding: false means certainly absent. */
bool tw_bloom_test(const struct tw_bloom *b, uint64_t key_hash);

/* Empty the filter. O(size). */
void tw_bloom_reset(struct tw_bloom *b);

/* dst := dst OR src. Returns 0, or -EINVAL if shape or seed differ. */
int tw_bloom_merge(struct tw_bloom *dst, const struct tw_bloom *src);

/*
 * Estimated number of distinct keys added, from the fraction of set bits
 * (Swamidass & Baldi): -(M / k) ln(1 - X / M). O(size). Returns UINT64_MAX
 * when every bit is set.
 */
uint64_t tw_bloom_count_estimate(const struct tw_bloom *b);

/*
 * Two-generation time-decaying novelty set: a key is "known" when it is in
 * the current or the previous generation. The caller rotates at its decay
 * period T: a key last seen within the current period is remembered for at
 * least one more period (between T and 2T after it was last seen), then
 * forgotten. A key is checked against two filters, so the false-positive
 * rate is up to ~2 * fp_rate when both generations are at design load.
 * Memory: tw_bloom2_bytes() = 64 + 2 * tw_bloom_bytes() of a filter sized
 * for expected_items_per_generation (three allocations at create time).
 */
struct tw_bloom2;

/* Arguments and errors as tw_bloom_create(), per generation. */
struct tw_bloom2 *tw_bloom2_create(uint64_t expected_items_per_generation,
				   double fp_rate, uint64_t seed);

void tw_bloom2_free(struct tw_bloom2 *b2);

size_t tw_bloom2_bytes(const struct tw_bloom2 *b2);

/*
 * True when the key is (probably) in the current or previous generation.
 * Always adds it to the current generation (refreshing it).
 */
bool tw_bloom2_test_and_add(struct tw_bloom2 *b2, uint64_t key_hash);

/* Membership in either generation, without adding. */
bool tw_bloom2_test(const struct tw_bloom2 *b2, uint64_t key_hash);

/* previous := current, current := empty. O(size of one generation). */
void tw_bloom2_rotate(struct tw_bloom2 *b2);

/* Forget both generations. */
void tw_bloom2_reset(struct tw_bloom2 *b2);

#endif /* TW_SKETCH_BLOOM_H */
