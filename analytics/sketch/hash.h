/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — 64-bit non-cryptographic hashing for the sketches.
 *
 * Header-only, no allocation, no syscalls, no global state: safe from any
 * thread. Plain C11 (uses unsigned __int128 when the compiler has it, a
 * portable 32x32 fallback otherwise).
 *
 * tw_hash64() is a multiply-fold hash in the wyhash family (64x64->128
 * multiplications folded with xor), written for this project:
 *   - bulk: 48 bytes per iteration on three independent lanes, then 16-byte
 *     steps, then the last 16 bytes (possibly overlapping) are read once more;
 *   - short keys (<= 16 bytes, the common case: addresses, ports, flow keys)
 *     take two overlapping loads and two multiplications;
 *   - all loads go through memcpy (any alignment) and are little-endian on
 *     every host, so hash values are stable across architectures and can be
 *     persisted in model snapshots. Changing this function invalidates every
 *     snapshot: bump the snapshot version if you do.
 * Every operand that input data can zero is xored with a seed-derived secret
 * first, so an attacker who does not know the seed cannot force the
 * "multiply by zero" state collapse of plain wyhash. Use a random per-sensor
 * seed (persisted with the models) where traffic is attacker-controlled.
 * This is NOT a MAC and NOT collision-resistant against an attacker who knows
 * the seed.
 *
 * tw_mix64() is the splitmix64 / murmur3-fmix64 style finalizer with the
 * Stafford "Mix13" constants: a bijection on 64-bit words with full
 * avalanche. Use it to derive independent sub-hashes from one pre-hashed key
 * (tw_mix64(h ^ seed_i) for independent seeds seed_i).
 */
#ifndef TW_SKETCH_HASH_H
#define TW_SKETCH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TW_HASH_P0 UINT64_C(0xa0761d6478bd642f)
#define TW_HASH_P1 UINT64_C(0xe7037ed1a0b428db)
#define TW_HASH_P2 UINT64_C(0x8ebc6af09c88c6e3)
#define TW_HASH_P3 UINT64_C(0x589965cc75374cc3)

/* Golden-ratio increment, for deriving a sequence of seeds from one seed. */
#define TW_HASH_GOLDEN UINT64_C(0x9e3779b97f4a7c15)

/* Strong 64-bit finalizer (bijective, full avalanche). */
static inline uint64_t
tw_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/* Full 64x64->128 product: *lo, *hi. */
static inline void
tw_mul128(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
#ifdef __SIZEOF_INT128__
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	*lo = (uint64_t)r;
	*hi = (uint64_t)(r >> 64);
#else
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;

	*lo = (mid << 32) | (uint32_t)ll;
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
#endif
}

/* High 64 bits of a*b: maps a uniform 64-bit a onto [0, b) without modulo. */
static inline uint64_t
tw_mulhi64(uint64_t a, uint64_t b)
{
	uint64_t lo, hi;

	tw_mul128(a, b, &lo, &hi);
	return hi;
}

/* Multiply and fold: the core mixing step. */
static inline uint64_t
tw__hash_mum(uint64_t a, uint64_t b)
{
	uint64_t lo, hi;

	tw_mul128(a, b, &lo, &hi);
	return lo ^ hi;
}

static inline uint64_t
tw__hash_rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t
tw__hash_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/*
 * Hash len bytes at data (any alignment; data may be NULL when len == 0)
 * with a 64-bit seed. Different seeds give independent hash functions.
 * Work is O(len), no branches on data values.
 */
static inline uint64_t
tw_hash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = (const uint8_t *)data;
	uint64_t s, k1, a, b, lo, hi;

	s = seed ^ tw__hash_mum(seed ^ TW_HASH_P0, TW_HASH_P1);
	k1 = s ^ TW_HASH_P1;
	if (len <= 16) {
		if (len >= 4) {
			size_t off = (len >> 3) << 2;

			a = (tw__hash_rd32(p) << 32) | tw__hash_rd32(p + off);
			b = (tw__hash_rd32(p + len - 4) << 32) |
			    tw__hash_rd32(p + len - 4 - off);
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) |
			    p[len - 1];
			b = 0;
		} else {
			a = 0;
			b = 0;
		}
	} else {
		size_t i = len;

		if (i > 48) {
			uint64_t k2 = s ^ TW_HASH_P2, k3 = s ^ TW_HASH_P3;
			uint64_t s1 = s, s2 = s;

			do {
				s = tw__hash_mum(tw__hash_rd64(p) ^ k1,
						 tw__hash_rd64(p + 8) ^ s);
				s1 = tw__hash_mum(tw__hash_rd64(p + 16) ^ k2,
						  tw__hash_rd64(p + 24) ^ s1);
				s2 = tw__hash_mum(tw__hash_rd64(p + 32) ^ k3,
						  tw__hash_rd64(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			s ^= s1 ^ s2;
		}
		while (i > 16) {
			s = tw__hash_mum(tw__hash_rd64(p) ^ k1,
					 tw__hash_rd64(p + 8) ^ s);
			p += 16;
			i -= 16;
		}
		/* last 16 bytes of the input (len > 16, so p + i - 16 is valid) */
		a = tw__hash_rd64(p + i - 16);
		b = tw__hash_rd64(p + i - 8);
	}
	tw_mul128(a ^ k1, b ^ s, &lo, &hi);
	return tw__hash_mum(lo ^ TW_HASH_P0 ^ (uint64_t)len, hi ^ TW_HASH_P1);
}

/*
 * Convenience: hash one 64-bit value (e.g. a peer id) with a seed; equal to
 * tw_hash64() over its 8 little-endian bytes on every host.
 */
static inline uint64_t
tw_hash_u64(uint64_t v, uint64_t seed)
{
	uint8_t b[8];

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(b, &v, sizeof(b));
	return tw_hash64(b, sizeof(b), seed);
}

#endif /* TW_SKETCH_HASH_H */
