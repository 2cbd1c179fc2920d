/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — space-saving top-k heavy hitters (Metwally et al. 2005).
 *
 * Monitors at most k keys (64-bit; pass a hash or any unique id) with a
 * count and an error. When a new key arrives and all k slots are in use, the
 * key with the smallest count is replaced; the newcomer inherits that count
 * as its error. Implementation: binary min-heap on count plus an
 * open-addressing index (linear probing, backward-shift deletion) mapping
 * key -> heap slot: O(log k) per update, no allocation after create.
 *
 * Error bound (N = sum of all n added, saturating at UINT64_MAX): for every
 * monitored key, count - error <= true count <= count, and error <= N / k;
 * every key whose true count exceeds N / k is monitored. While at most k
 * distinct keys were added, counts are exact (error 0).
 *
 * Memory: tw_topk_bytes() = 64 + 32 * k + 16 * T bytes, T = the smallest
 * power of two >= 2k (so 64 + 64k .. 64 + 96k), one allocation at create;
 * e.g. k = 100: 64 + 3200 + 4096 = 7360 B.
 *
 * Thread safety: none; one writer, no concurrent readers.
 */
#ifndef TW_SKETCH_TOPK_H
#define TW_SKETCH_TOPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_TOPK_MAX_K (1u << 24)

struct tw_topk;

struct tw_topk_item {
	uint64_t key;
	uint64_t count;	/* >= true count */
	uint64_t error;	/* count - error <= true count */
};

/* 1 <= k <= TW_TOPK_MAX_K. NULL on a bad k or when memory is exhausted. */
struct tw_topk *tw_topk_create(unsigned k);

/* Free; NULL is a no-op. */
void tw_topk_free(struct tw_topk *t);

size_t tw_topk_bytes(const struct tw_topk *t);

/* Add n occurrences of key (saturating). n == 0 is a no-op. O(log k). */
void tw_topk_add(struct tw_topk *t, uint64_t key, uint64_t n);

/*
 * Copy the min(max, monitored) items with the largest counts into out,
 * sorted by count descending (ties: smaller error first, then key
 * ascending). Returns the number written. O(k log max), no allocation.
 * out may be NULL when max == 0.
 */
unsigned tw_topk_list(const struct tw_topk *t, struct tw_topk_item *out,
		      unsigned max);

/* Look up one key: true and *out filled when it is monitored. */
bool tw_topk_get(const struct tw_topk *t, uint64_t key,
		 struct tw_topk_item *out);

/* Number of monitored keys (<= k), and the total weight N added. */
unsigned tw_topk_size(const struct tw_topk *t);
uint64_t tw_topk_total(const struct tw_topk *t);

/* Forget everything (keeps k). O(k). */
void tw_topk_reset(struct tw_topk *t);

/*
 * Check the internal invariants (heap order, index <-> heap consistency).
 * For tests and fuzzing: O(k). Returns 0 or -EINVAL.
 */
int tw_topk_check(const struct tw_topk *t);

#endif /* TW_SKETCH_TOPK_H */
