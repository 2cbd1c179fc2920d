/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — attribution of IP fragments to their flow.
 *
 * Only the first fragment of a datagram carries the L4 header. When a first
 * fragment passes, its ports are remembered under (addresses, protocol,
 * identification); a later fragment of the same datagram takes them over,
 * so that it is counted in its flow instead of making a flow of its own.
 * A later fragment that arrives before its first one (reordering) is not
 * attributed and is counted.
 *
 * Per core, owned by one worker. Bounded: a FIFO of `capacity` entries
 * whose oldest entry is replaced when it is full (a datagram's fragments
 * arrive within milliseconds; the FIFO holds the most recent datagrams).
 * Memory: capacity × (44 B key + 8 B ports in rte_hash ≈ 100 B + 44 B FIFO).
 */
#ifndef TW_FRAG_H
#define TW_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "dataplane/decode/decode.h"

struct tw_frag_table;

struct tw_frag_counters {
	uint64_t first;        /* first fragments remembered */
	uint64_t attributed;   /* later fragments given their flow's ports */
	uint64_t unattributed; /* later fragments whose first fragment was not seen */
	uint64_t replaced;     /* entries replaced before their datagram ended (table full) */
};

/* Needs the EAL. NULL on failure. */
struct tw_frag_table *tw_frag_table_create(const char *name, uint32_t capacity, int socket_id);
void tw_frag_table_free(struct tw_frag_table *t);

/* For a fragment (TW_PKT_F_FRAG set): a first fragment is remembered; a
 * later one gets sport/dport from its first fragment. Returns false for a
 * later fragment that could not be attributed. */
bool tw_frag_track(struct tw_frag_table *t, struct tw_pkt *p);

const struct tw_frag_counters *tw_frag_counters(const struct tw_frag_table *t);

#endif
