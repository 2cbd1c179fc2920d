/* SPDX-License-Identifier: BSD-3-Clause
 * rare — repeated use of an external endpoint that (almost) no other
 * internal host has ever used.
 *
 * Novelty: a two-generation Bloom filter remembers which (host, endpoint)
 * pairs were ever seen (forgotten after one to two decay periods). A pair
 * first seen during the host's own learning period is part of its baseline
 * and never reported. Popularity: when a pair is new, the endpoint's count
 * of distinct internal hosts is incremented in this core's Count-Min sketch;
 * with several analytics cores the network-wide count is the larger of this
 * core's and the merged global view. One-off visits to the long tail of the
 * web are not reported: the host must come back to the endpoint
 * (analytics.rare.min_connections connections) while it stays rare
 * (analytics.rare.max_hosts hosts at most).
 * Score: 40 + 25 × rarity + 30 × persistence, where rarity is 1 for an
 * endpoint only this host uses and persistence grows with the number of
 * connections up to 4 × min_connections.
 */
#include <math.h>
#include <stdio.h>

#include "analytics/lcore/analytics.h"
#include "analytics/sketch/bloom.h"
#include "analytics/sketch/cms.h"
#include "analytics/sketch/hash.h"

#define SEED_PAIR 0x9a12
#define SEED_EP 0xe9d0

static uint32_t
endpoint_hosts(struct tw_analytics *a, uint64_t ep)
{
	uint32_t n = tw_cms_estimate(a->ep_hosts, ep);
	struct tw_cms *g = atomic_load_explicit(&a->net->ep_hosts, memory_order_acquire);

	if (g != NULL) {
		uint32_t gn = tw_cms_estimate(g, ep);
		if (gn > n)
			n = gn;
	}
	return n;
}

void
tw_detect_rare(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev)
{
	uint8_t key[32];
	uint64_t ep = tw_hash64(ev->server.b, 16, SEED_EP);

	memcpy(key, h->addr.b, 16);
	memcpy(key + 16, ev->server.b, 16);
	uint64_t pair = tw_hash64(key, sizeof(key), SEED_PAIR);

	if (!tw_bloom2_test_and_add(a->pair_seen, pair)) {
		tw_cms_add(a->ep_hosts, ep, 1);
		if (tw_host_learned(a, h))
			tw_bloom2_test_and_add(a->pair_fresh, pair);
	}
	if (!tw_net_learned(a) || !tw_host_learned(a, h) || !tw_bloom2_test(a->pair_fresh, pair))
		return;

	uint32_t conns = tw_cms_add(a->pair_conns, pair, 1);
	uint32_t hosts = endpoint_hosts(a, ep);
	uint32_t max_hosts = a->cfg->analytics.rare_max_hosts;
	uint32_t min_conns = a->cfg->analytics.rare_min_connections;

	if (hosts > max_hosts || conns < min_conns || tw_bloom_test(a->pair_reported, pair))
		return;
	tw_bloom_test_and_add(a->pair_reported, pair);

	uint64_t total = atomic_load_explicit(&a->net->hosts_total, memory_order_relaxed);
	double rarity = 1.0 - (double)(hosts - 1) / (double)max_hosts;
	double persistence = fmin(1.0, (double)conns / (4.0 * min_conns));
	unsigned score = (unsigned)lround(40.0 + 25.0 * rarity + 30.0 * persistence);
	char ip[TW_ADDR_STRLEN];
	struct tw_record *r = tw_rec_begin(a, h, ev, "rare", "rare.external_endpoint", score);

	if (r == NULL)
		return;
	r->peer = ev->server;
	r->has_peer = 1;
	if (ev->proto == 6 || ev->proto == 17) {
		r->peer_port = ev->sport;
		r->has_peer_port = 1;
	}
	snprintf(r->reason, sizeof(r->reason),
		 "%u connections to external endpoint %s, first used after this host's learning period; "
		 "%u of %lu internal hosts ever used it",
		 conns, tw_addr_fmt(&ev->server, ip, sizeof(ip)), hosts, (unsigned long)total);
	tw_record_obs(r, "connections", conns, true);
	tw_record_base(r, "hosts_seen", hosts, true);
	tw_record_base(r, "hosts_total", (double)total, true);
	tw_rec_emit(a, h, r);
}

void
tw_detect_rare_rotate(struct tw_analytics *a)
{
	tw_bloom2_rotate(a->pair_seen);
	tw_bloom2_rotate(a->pair_fresh);
}
