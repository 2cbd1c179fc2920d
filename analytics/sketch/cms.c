/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — Count-Min sketch with conservative update. See cms.h.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/sketch/cms.h"
#include "analytics/sketch/hash.h"

#define TW_E 2.71828182845904523536

struct tw_cms {
	uint32_t width;		/* power of two */
	uint32_t depth;
	uint32_t mask;		/* width - 1 */
	uint32_t rsvd;
	uint64_t seed;
	uint64_t row_seed[TW_CMS_MAX_DEPTH];
	uint8_t pad[40];	/* cells start on a cache line */
	uint32_t cells[];	/* depth rows of width counters */
};

static_assert(sizeof(struct tw_cms) == 320, "tw_cms header is 5 lines");

static inline uint32_t
sat_add(uint32_t a, uint32_t b)
{
	uint32_t s = a + b;

	return s < a ? UINT32_MAX : s;
}

static inline uint32_t
row_index(const struct tw_cms *c, uint32_t row, uint64_t key_hash)
{
	return (uint32_t)tw_mix64(key_hash ^ c->row_seed[row]) & c->mask;
}

static size_t
cms_bytes(uint32_t width, uint32_t depth)
{
	return sizeof(struct tw_cms) + (size_t)width * depth * sizeof(uint32_t);
}

struct tw_cms *
tw_cms_create(uint32_t width, uint32_t depth, uint64_t seed)
{
	struct tw_cms *c;
	uint32_t w = 1, i;
	size_t bytes;

	if (width == 0 || width > TW_CMS_MAX_WIDTH || depth == 0 ||
	    depth > TW_CMS_MAX_DEPTH)
		return NULL;
	while (w < width)
		w <<= 1;
	if ((uint64_t)w * depth >
	    (SIZE_MAX - sizeof(struct tw_cms) - 63) / sizeof(uint32_t))
		return NULL;
	/* aligned_alloc wants a multiple of the alignment */
	bytes = (cms_bytes(w, depth) + 63) & ~(size_t)63;
	c = aligned_alloc(64, bytes);
	if (c == NULL)
		return NULL;
	memset(c, 0, bytes);
	c->width = w;
	c->depth = depth;
	c->mask = w - 1;
	c->seed = seed;
	for (i = 0; i < depth; i++)
		c->row_seed[i] = tw_mix64(seed + (uint64_t)(i + 1) * TW_HASH_GOLDEN);
	return c;
}

struct tw_cms *
tw_cms_create_eps(double epsilon, double delta, uint64_t seed)
{
	double w, d;

	if (!(epsilon > 0.0 && epsilon < 1.0) || !(delta > 0.0 && delta < 1.0))
		return NULL;
	w = ceil(TW_E / epsilon);
	d = ceil(log(1.0 / delta));
	if (d < 1.0)
		d = 1.0;
	if (w > (double)TW_CMS_MAX_WIDTH || d > (double)TW_CMS_MAX_DEPTH)
		return NULL;
	return tw_cms_create((uint32_t)w, (uint32_t)d, seed);
}

void
tw_cms_free(struct tw_cms *cms)
{
	free(cms);
}

size_t
tw_cms_bytes(const struct tw_cms *cms)
{
	return (cms_bytes(cms->width, cms->depth) + 63) & ~(size_t)63;
}

uint32_t
tw_cms_width(const struct tw_cms *cms)
{
	return cms->width;
}

uint32_t
tw_cms_depth(const struct tw_cms *cms)
{
	return cms->depth;
}

uint32_t
tw_cms_add(struct tw_cms *cms, uint64_t key_hash, uint32_t n)
{
	uint32_t *cell[TW_CMS_MAX_DEPTH];
	uint32_t i, min = UINT32_MAX, nv;

	for (i = 0; i < cms->depth; i++) {
		cell[i] = &cms->cells[(size_t)i * cms->width +
				      row_index(cms, i, key_hash)];
		if (*cell[i] < min)
			min = *cell[i];
	}
	nv = sat_add(min, n);
	for (i = 0; i < cms->depth; i++)
		if (*cell[i] < nv)
			*cell[i] = nv;
	return nv;
}

uint32_t
tw_cms_add_plain(struct tw_cms *cms, uint64_t key_hash, uint32_t n)
{
	uint32_t i, min = UINT32_MAX;

	for (i = 0; i < cms->depth; i++) {
		uint32_t *c = &cms->cells[(size_t)i * cms->width +
					  row_index(cms, i, key_hash)];

		*c = sat_add(*c, n);
		if (*c < min)
			min = *c;
	}
	return min;
}

uint32_t
tw_cms_estimate(const struct tw_cms *cms, uint64_t key_hash)
{
	uint32_t i, min = UINT32_MAX;

	for (i = 0; i < cms->depth; i++) {
		uint32_t v = cms->cells[(size_t)i * cms->width +
					row_index(cms, i, key_hash)];

		if (v < min)
			min = v;
	}
	return min;
}

int
tw_cms_merge(struct tw_cms *dst, const struct tw_cms *src)
{
	size_t i, n;

	if (dst->width != src->width || dst->depth != src->depth ||
	    dst->seed != src->seed)
		return -EINVAL;
	n = (size_t)dst->width * dst->depth;
	for (i = 0; i < n; i++)
		dst->cells[i] = sat_add(dst->cells[i], src->cells[i]);
	return 0;
}

int
tw_cms_copy(struct tw_cms *dst, const struct tw_cms *src)
{
	if (dst->width != src->width || dst->depth != src->depth)
		return -EINVAL;
	if (dst != src)
		memcpy(dst, src, cms_bytes(src->width, src->depth));
	return 0;
}

void
tw_cms_reset(struct tw_cms *cms)
{
	memset(cms->cells, 0, (size_t)cms->width * cms->depth * sizeof(uint32_t));
}
