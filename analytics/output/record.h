/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — records: what analytics hands the writer, and their JSON form.
 *
 * Analytics cores fill a fixed-size struct tw_record taken from a mempool
 * and enqueue a pointer to it on the multi-producer/single-consumer record
 * ring; the writer (main lcore) turns it into one EVE-style JSON line
 * (DESIGN §7) with jansson and returns it to the pool. Nothing here runs on
 * a worker.
 */
#ifndef TW_RECORD_H
#define TW_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "tw/addr.h"
#include "tw/event.h"

enum tw_record_kind {
	TW_REC_ANOMALY = 1,
	TW_REC_FLOW = 2,
	TW_REC_EOS = 3, /* an analytics core is finished */
};

#define TW_REC_KV_MAX 4

struct tw_kv {
	char key[32];
	double val;
	bool is_int;
};

struct tw_record {
	uint64_t ts_ns;
	uint8_t kind;
	uint8_t score;
	uint8_t has_mac;
	uint8_t has_peer;
	uint8_t has_peer_port;
	uint8_t has_flow;
	uint8_t n_obs;
	uint8_t n_base;
	uint16_t peer_port;
	uint16_t analytics_core;
	char category[16];
	char model[48];
	char reason[256];
	struct tw_addr host;
	uint8_t mac[6];
	struct tw_addr peer;
	struct tw_kv obs[TW_REC_KV_MAX];
	struct tw_kv base[TW_REC_KV_MAX];
	struct tw_event flow; /* tuple for anomalies; everything for flow records */
};

/* Format as RFC 3339 UTC with microseconds: 2026-01-08T10:15:02.123456Z */
void tw_fmt_time(uint64_t ts_ns, char *buf, size_t len);

/* Community ID v1 (seed 0) of a flow tuple: "1:<base64 sha1>". */
void tw_community_id(const struct tw_event *ev, char *buf, size_t len);

/* Build the JSON object of a record (new reference). sensor is the
 * configured sensor name. */
json_t *tw_record_json(const struct tw_record *r, const char *sensor);

/* Add an observed/baseline pair. */
void tw_record_obs(struct tw_record *r, const char *key, double v, bool is_int);
void tw_record_base(struct tw_record *r, const char *key, double v, bool is_int);

/* Category names of DESIGN §7, and their index (for per-category counters). */
#define TW_NCATEGORIES 14
extern const char *const tw_categories[TW_NCATEGORIES];
int tw_category_index(const char *name);

#endif
