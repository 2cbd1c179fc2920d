/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "analytics/model/host.h"

struct tw_host_table {
	struct rte_hash *hash;
	struct tw_host *hosts;
	uint32_t capacity;
	uint32_t count;
};

struct tw_host_table *
tw_host_table_create(const char *name, uint32_t capacity, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = capacity,
		.key_len = sizeof(struct tw_addr),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0x4057,
		.socket_id = socket_id,
		/* lock-free readers: the control socket looks hosts up from the
		 * main lcore while the owning analytics core inserts */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE | RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct tw_host_table *t;

	if (tw_hll_size(TW_HOST_HLL_P) > TW_HOST_HLL_BYTES)
		return NULL;
	t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL)
		return NULL;
	t->capacity = capacity;
	t->hash = rte_hash_create(&hp);
	t->hosts = rte_zmalloc_socket(name, (size_t)capacity * sizeof(struct tw_host), RTE_CACHE_LINE_SIZE,
				      socket_id);
	if (t->hash == NULL || t->hosts == NULL) {
		tw_host_table_free(t);
		return NULL;
	}
	return t;
}

void
tw_host_table_free(struct tw_host_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->hash);
	rte_free(t->hosts);
	rte_free(t);
}

struct tw_host *
tw_host_find(struct tw_host_table *t, const struct tw_addr *a)
{
	int32_t pos = rte_hash_lookup(t->hash, a);
	return pos >= 0 ? &t->hosts[pos] : NULL;
}

struct tw_host *
tw_host_get(struct tw_host_table *t, const struct tw_addr *a, uint64_t now_ns, bool *created)
{
	int32_t pos = rte_hash_lookup(t->hash, a);
	struct tw_host *h;

	if (pos >= 0) {
		*created = false;
		return &t->hosts[pos];
	}
	pos = rte_hash_add_key(t->hash, a);
	if (pos < 0)
		return NULL;
	h = &t->hosts[pos];
	memset(h, 0, sizeof(*h));
	h->addr = *a;
	h->first_ns = now_ns;
	h->last_ns = now_ns;
	tw_ewma_init(&h->ew_hosts);
	tw_ewma_init(&h->ew_ports);
	tw_hll_init(tw_host_hll(h->hll_hosts), TW_HOST_HLL_P);
	tw_hll_init(tw_host_hll(h->hll_ports), TW_HOST_HLL_P);
	t->count++;
	*created = true;
	return h;
}

uint32_t
tw_host_count(const struct tw_host_table *t)
{
	return t->count;
}
