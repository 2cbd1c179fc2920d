/* SPDX-License-Identifier: BSD-3-Clause
 * Measure the memory cost of a flow and of a host model as the running code
 * allocates them: the rte_malloc heap before and after creating a flow table
 * and a host table of N entries.
 *   memcost [N]   (default 262144)
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "analytics/model/host.h"
#include "dataplane/flow/flow.h"

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;
	rte_malloc_get_socket_stats(0, &st);
	return st.heap_allocsz_bytes;
}

int
main(int argc, char **argv)
{
	char *eal[] = {"memcost", "--no-huge", "-m", "2048", "--no-pci", "--no-shconf", "--no-telemetry",
		       "--log-level=lib.eal:error", "-l", "0", NULL};
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 262144;
	struct tw_flow_timeouts to = {1, 1, 1, 1, 1, 1, 1};

	if (rte_eal_init(10, eal) < 0)
		return 1;
	size_t before = heap_used();
	struct tw_flow_table *ft = tw_flow_table_create("memcost_flows", n, &to, 0);
	size_t flows = heap_used() - before;
	before = heap_used();
	struct tw_host_table *ht = tw_host_table_create("memcost_hosts", n, 0);
	size_t hosts = heap_used() - before;
	if (ft == NULL || ht == NULL) {
		fprintf(stderr, "memcost: allocation failed (raise -m)\n");
		return 1;
	}
	printf("entries: %u\n", n);
	printf("flow table: %zu bytes = %.1f bytes per flow (struct tw_flow %zu B + rte_hash)\n", flows,
	       (double)flows / n, sizeof(struct tw_flow));
	printf("host table: %zu bytes = %.1f bytes per host (struct tw_host %zu B + rte_hash)\n", hosts,
	       (double)hosts / n, sizeof(struct tw_host));
	tw_flow_table_free(ft);
	tw_host_table_free(ht);
	rte_eal_cleanup();
	return 0;
}
