/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — space-saving top-k (min-heap + key index). See topk.h.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/sketch/topk.h"
#include "analytics/sketch/hash.h"

#define SLOT_EMPTY UINT32_MAX

struct topk_ent {
	uint64_t key;
	uint64_t count;
	uint64_t error;
	uint32_t slot;		/* index in tab[] */
	uint32_t rsvd;
};

struct topk_slot {
	uint64_t key;
	uint32_t pos;		/* index in heap[], SLOT_EMPTY when free */
	uint32_t rsvd;
};

struct tw_topk {
	uint32_t k;
	uint32_t n;		/* monitored keys */
	uint32_t tmask;		/* table size - 1 */
	uint32_t rsvd;
	uint64_t total;
	struct topk_ent *heap;
	struct topk_slot *tab;
	uint8_t pad[24];
};

static_assert(sizeof(struct tw_topk) == 64, "tw_topk header is one line");
static_assert(sizeof(struct topk_ent) == 32, "heap entry");
static_assert(sizeof(struct topk_slot) == 16, "index slot");

static inline uint32_t
home_slot(const struct tw_topk *t, uint64_t key)
{
	return (uint32_t)tw_mix64(key) & t->tmask;
}

struct tw_topk *
tw_topk_create(unsigned k)
{
	struct tw_topk *t;
	size_t tsize = 1, bytes, i;

	if (k == 0 || k > TW_TOPK_MAX_K)
		return NULL;
	while (tsize < 2 * (size_t)k)
		tsize <<= 1;
	bytes = sizeof(*t) + (size_t)k * sizeof(struct topk_ent) +
		tsize * sizeof(struct topk_slot);
	t = aligned_alloc(64, bytes);
	if (t == NULL)
		return NULL;
	memset(t, 0, bytes);
	t->k = k;
	t->tmask = (uint32_t)(tsize - 1);
	t->heap = (struct topk_ent *)(t + 1);
	t->tab = (struct topk_slot *)(t->heap + k);
	for (i = 0; i < tsize; i++)
		t->tab[i].pos = SLOT_EMPTY;
	return t;
}

void
tw_topk_free(struct tw_topk *t)
{
	free(t);
}

size_t
tw_topk_bytes(const struct tw_topk *t)
{
	return sizeof(*t) + (size_t)t->k * sizeof(struct topk_ent) +
	       ((size_t)t->tmask + 1) * sizeof(struct topk_slot);
}

unsigned
tw_topk_size(const struct tw_topk *t)
{
	return t->n;
}

uint64_t
tw_topk_total(const struct tw_topk *t)
{
	return t->total;
}

void
tw_topk_reset(struct tw_topk *t)
{
	size_t i;

	t->n = 0;
	t->total = 0;
	memset(t->heap, 0, (size_t)t->k * sizeof(struct topk_ent));
	for (i = 0; i <= t->tmask; i++) {
		t->tab[i].key = 0;
		t->tab[i].pos = SLOT_EMPTY;
	}
}

/* Slot holding key, or SLOT_EMPTY. */
static uint32_t
tab_find(const struct tw_topk *t, uint64_t key)
{
	uint32_t i = home_slot(t, key);

	while (t->tab[i].pos != SLOT_EMPTY) {
		if (t->tab[i].key == key)
			return i;
		i = (i + 1) & t->tmask;
	}
	return SLOT_EMPTY;
}

/* Insert a key known to be absent; returns its slot. */
static uint32_t
tab_insert(struct tw_topk *t, uint64_t key, uint32_t pos)
{
	uint32_t i = home_slot(t, key);

	while (t->tab[i].pos != SLOT_EMPTY)
		i = (i + 1) & t->tmask;
	t->tab[i].key = key;
	t->tab[i].pos = pos;
	return i;
}

/* Remove slot i (backward-shift deletion keeps probe chains intact). */
static void
tab_remove(struct tw_topk *t, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		j = (j + 1) & t->tmask;
		if (t->tab[j].pos == SLOT_EMPTY)
			break;
		home = home_slot(t, t->tab[j].key);
		/* can the entry at j move back to i? (i within [home, j)) */
		if (((j - home) & t->tmask) >= ((j - i) & t->tmask)) {
			t->tab[i] = t->tab[j];
			t->heap[t->tab[i].pos].slot = i;
			i = j;
		}
	}
	t->tab[i].key = 0;
	t->tab[i].pos = SLOT_EMPTY;
}

static inline void
heap_set(struct tw_topk *t, uint32_t pos, const struct topk_ent *e)
{
	t->heap[pos] = *e;
	t->tab[e->slot].pos = pos;
}

static void
sift_down(struct tw_topk *t, uint32_t pos)
{
	struct topk_ent e = t->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= t->n)
			break;
		if (c + 1 < t->n && t->heap[c + 1].count < t->heap[c].count)
			c++;
		if (t->heap[c].count >= e.count)
			break;
		heap_set(t, pos, &t->heap[c]);
		pos = c;
	}
	heap_set(t, pos, &e);
}

static void
sift_up(struct tw_topk *t, uint32_t pos)
{
	struct topk_ent e = t->heap[pos];

	while (pos > 0) {
		uint32_t par = (pos - 1) / 2;

		if (t->heap[par].count <= e.count)
			break;
		heap_set(t, pos, &t->heap[par]);
		pos = par;
	}
	heap_set(t, pos, &e);
}

static inline uint64_t
sat_add64(uint64_t a, uint64_t b)
{
	uint64_t s = a + b;

	return s < a ? UINT64_MAX : s;
}

void
tw_topk_add(struct tw_topk *t, uint64_t key, uint64_t n)
{
	uint32_t slot;
	struct topk_ent *e;

	if (n == 0)
		return;
	t->total = sat_add64(t->total, n);
	slot = tab_find(t, key);
	if (slot != SLOT_EMPTY) {
		uint32_t pos = t->tab[slot].pos;

		t->heap[pos].count = sat_add64(t->heap[pos].count, n);
		sift_down(t, pos);
		return;
	}
	if (t->n < t->k) {
		uint32_t pos = t->n++;

		e = &t->heap[pos];
		e->key = key;
		e->count = n;
		e->error = 0;
		e->slot = tab_insert(t, key, pos);
		sift_up(t, pos);
		return;
	}
	/* replace the minimum: the newcomer inherits its count as error */
	e = &t->heap[0];
	tab_remove(t, e->slot);
	e->key = key;
	e->error = e->count;
	e->count = sat_add64(e->count, n);
	e->slot = tab_insert(t, key, 0);
	sift_down(t, 0);
}

bool
tw_topk_get(const struct tw_topk *t, uint64_t key, struct tw_topk_item *out)
{
	uint32_t slot = tab_find(t, key);
	const struct topk_ent *e;

	if (slot == SLOT_EMPTY)
		return false;
	e = &t->heap[t->tab[slot].pos];
	if (out != NULL) {
		out->key = e->key;
		out->count = e->count;
		out->error = e->error;
	}
	return true;
}

/* Output order: a before b when a ranks higher. */
static inline bool
item_before(const struct tw_topk_item *a, const struct tw_topk_item *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	if (a->error != b->error)
		return a->error < b->error;
	return a->key < b->key;
}

static int
item_cmp(const void *pa, const void *pb)
{
	const struct tw_topk_item *a = pa, *b = pb;

	if (item_before(a, b))
		return -1;
	return item_before(b, a) ? 1 : 0;
}

/* out[0..n) is a heap whose root is the lowest-ranked item. */
static void
out_sift_down(struct tw_topk_item *out, unsigned n, unsigned pos)
{
	struct tw_topk_item x = out[pos];

	for (;;) {
		unsigned c = 2 * pos + 1;

		if (c >= n)
			break;
		if (c + 1 < n && item_before(&out[c], &out[c + 1]))
			c++;
		if (!item_before(&x, &out[c]))
			break;
		out[pos] = out[c];
		pos = c;
	}
	out[pos] = x;
}

static void
out_sift_up(struct tw_topk_item *out, unsigned pos)
{
	struct tw_topk_item x = out[pos];

	while (pos > 0) {
		unsigned par = (pos - 1) / 2;

		if (!item_before(&out[par], &x))
			break;
		out[pos] = out[par];
		pos = par;
	}
	out[pos] = x;
}

unsigned
tw_topk_list(const struct tw_topk *t, struct tw_topk_item *out, unsigned max)
{
	unsigned i, n = 0;

	if (max == 0)
		return 0;
	for (i = 0; i < t->n; i++) {
		struct tw_topk_item it = {
			.key = t->heap[i].key,
			.count = t->heap[i].count,
			.error = t->heap[i].error,
		};

		if (n < max) {
			out[n] = it;
			out_sift_up(out, n);
			n++;
		} else if (item_before(&it, &out[0])) {
			out[0] = it;
			out_sift_down(out, n, 0);
		}
	}
	qsort(out, n, sizeof(*out), item_cmp);
	return n;
}

int
tw_topk_check(const struct tw_topk *t)
{
	uint32_t i, used = 0;

	if (t->n > t->k)
		return -EINVAL;
	for (i = 0; i < t->n; i++) {
		const struct topk_ent *e = &t->heap[i];

		if (i > 0 && t->heap[(i - 1) / 2].count > e->count)
			return -EINVAL;
		if (e->slot > t->tmask || t->tab[e->slot].pos != i ||
		    t->tab[e->slot].key != e->key)
			return -EINVAL;
		if (e->error > e->count)
			return -EINVAL;
		if (tab_find(t, e->key) != e->slot)
			return -EINVAL;
	}
	for (i = 0; i <= t->tmask; i++)
		if (t->tab[i].pos != SLOT_EMPTY)
			used++;
	return used == t->n ? 0 : -EINVAL;
}
