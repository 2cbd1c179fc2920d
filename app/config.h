/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — configuration.
 *
 * The YAML file (libcyaml) and `--set KEY=VALUE` overrides share one key
 * table (config.c): every key has a dotted path, a type, a default and a
 * range. Loading order: built-in defaults < file < --set. Every error names
 * the key (and, for YAML structure errors, the line) and maps to exit status 2.
 *
 * Not thread-safe; parsed once on the main lcore before any other lcore runs,
 * read-only afterwards.
 */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tw/addr.h"

#define TW_MAX_WORKERS 16
#define TW_MAX_ANALYTICS 16
#define TW_SENSOR_NAME_MAX 64
#define TW_PATH_MAX 512

struct tw_config {
	char sensor[TW_SENSOR_NAME_MAX];
	struct tw_netset home_net;
	char home_net_str[1024];

	struct {
		uint32_t workers;
		uint32_t flow_table_size;  /* per worker */
		uint32_t frag_table_size;  /* per worker: datagrams whose fragments are tracked */
		uint32_t ring_size;        /* events, per worker × analytics pair */
		uint32_t rx_ring_size;     /* offline replay: per worker rx queue */
		uint32_t offline_segment_size; /* offline replay: max bytes per mbuf segment, 0 = full */
		uint32_t mbufs;            /* mbuf pool size */
		uint32_t burst;
		uint64_t timeout_tcp_new_ns;
		uint64_t timeout_tcp_established_ns;
		uint64_t timeout_tcp_closed_ns;
		uint64_t timeout_udp_ns;
		uint64_t timeout_icmp_ns;
		uint64_t timeout_other_ns;
		uint64_t update_interval_ns;
	} dataplane;

	struct {
		uint32_t cores;
		uint32_t max_hosts;        /* per analytics core */
		uint32_t threshold;        /* 0..100 */
		uint64_t learning_period_ns;
		uint64_t merge_interval_ns; /* network-wide sketch merge, wall clock */
		uint64_t scan_window_ns;
		uint32_t scan_min_distinct;
		uint32_t rare_max_hosts;
		uint32_t rare_min_connections;
		uint32_t endpoints_expected; /* sizing of network-wide sketches */
	} analytics;

	struct {
		char file[TW_PATH_MAX];    /* records; "-" = stdout */
		char stats[TW_PATH_MAX];   /* final counters as JSON; "" = none */
		bool flows;
		uint32_t record_pool;      /* records in flight between analytics and writer */
	} output;

	struct {
		bool enabled;
		char socket[TW_PATH_MAX];
		uint32_t mode;
	} control;
};

/* Fill cfg with the built-in defaults. */
void tw_config_defaults(struct tw_config *cfg);

/* Load a YAML file over cfg. Returns 0, or -1 with err naming the key/line. */
int tw_config_load_file(struct tw_config *cfg, const char *path, char *err, size_t errlen);

/* Apply one "dotted.key=value" override. Returns 0, or -1 with err. */
int tw_config_set(struct tw_config *cfg, const char *kv, char *err, size_t errlen);

/* Cross-key checks after all sources are applied. Returns 0 or -1 with err. */
int tw_config_validate(struct tw_config *cfg, char *err, size_t errlen);

/* Print every key, its type, default and help (for --help-config). */
void tw_config_print_keys(void *file);

/* Look up a key's current value as text (for `config get`). Returns 0/-1. */
int tw_config_get(const struct tw_config *cfg, const char *key, char *out, size_t outlen);

/* Parse "90", "90s", "15m", "6h", "2d", "1w", "250ms" into ns. Returns 0/-1. */
int tw_parse_duration(const char *s, uint64_t *ns);

#endif
