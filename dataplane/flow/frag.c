/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "dataplane/flow/frag.h"

struct frag_key {
	struct tw_addr src;
	struct tw_addr dst;
	uint32_t id;
	uint8_t proto;
	uint8_t pad[3];
} __attribute__((aligned(8))); /* the CRC reads 8 bytes at a time */

struct tw_frag_table {
	struct rte_hash *hash;
	struct frag_key *fifo;  /* keys in insertion order */
	uint8_t *used;
	uint32_t capacity;
	uint32_t head;
	struct tw_frag_counters ctr;
};

struct tw_frag_table *
tw_frag_table_create(const char *name, uint32_t capacity, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity * 2, /* headroom so that adds never fail before the FIFO replaces */
		.key_len = sizeof(struct frag_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0xf7a9,
		.socket_id = socket_id,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct tw_frag_table *t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);

	if (t == NULL)
		return NULL;
	t->capacity = capacity;
	t->hash = rte_hash_create(&hp);
	t->fifo = rte_zmalloc_socket(name, sizeof(struct frag_key) * capacity, RTE_CACHE_LINE_SIZE, socket_id);
	t->used = rte_zmalloc_socket(name, capacity, 0, socket_id);
	if (t->hash == NULL || t->fifo == NULL || t->used == NULL) {
		tw_frag_table_free(t);
		return NULL;
	}
	return t;
}

void
tw_frag_table_free(struct tw_frag_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	rte_free(t->fifo);
	rte_free(t->used);
	rte_free(t);
}

static inline void
make_key(const struct tw_pkt *p, struct frag_key *k)
{
	memset(k, 0, sizeof(*k));
	k->src = p->src;
	k->dst = p->dst;
	k->id = p->frag_id;
	k->proto = p->proto;
}

bool
tw_frag_track(struct tw_frag_table *t, struct tw_pkt *p)
{
	struct frag_key k;
	void *data;

	make_key(p, &k);
	if (!(p->flags & TW_PKT_F_FRAG_LATER)) {
		uint32_t slot = t->head++ % t->capacity;
		if (t->used[slot]) {
			if (rte_hash_del_key(t->hash, &t->fifo[slot]) >= 0)
				t->ctr.replaced++;
		}
		uintptr_t ports = (uintptr_t)p->sport << 16 | p->dport;
		rte_hash_del_key(t->hash, &k); /* identification reused: newest wins */
		if (rte_hash_add_key_data(t->hash, &k, (void *)ports) == 0) {
			t->fifo[slot] = k;
			t->used[slot] = 1;
			t->ctr.first++;
		} else {
			t->used[slot] = 0;
		}
		return true;
	}
	if (rte_hash_lookup_data(t->hash, &k, &data) < 0) {
		t->ctr.unattributed++;
		return false;
	}
	uintptr_t ports = (uintptr_t)data;
	p->sport = (uint16_t)(ports >> 16);
	p->dport = (uint16_t)ports;
	t->ctr.attributed++;
	return true;
}

const struct tw_frag_counters *
tw_frag_counters(const struct tw_frag_table *t)
{
	return &t->ctr;
}
