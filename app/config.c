/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — configuration: one key table serves the YAML file, --set,
 * `config get` and the documentation.
 *
 * The YAML file is loaded by libcyaml into a flat array of strings, one slot
 * per key, through a schema built from the key table at first use; libcyaml
 * rejects unknown keys and malformed YAML with the line. Values are then
 * parsed and range-checked by the same code that parses --set, so both report
 * errors the same way, naming the key.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "app/config.h"

enum key_type { K_STR, K_U32, K_BOOL, K_DUR, K_CIDRS, K_MODE };

struct key {
	const char *path;
	enum key_type type;
	size_t off;       /* into struct tw_config */
	size_t size;      /* for K_STR: buffer size */
	const char *def;
	uint64_t min, max; /* K_U32 / K_DUR (ns) */
	const char *help;
};

#define OFF(m) offsetof(struct tw_config, m), sizeof(((struct tw_config *)0)->m)
#define NS(s) ((uint64_t)(s) * 1000000000ull)

static const struct key keys[] = {
	{"sensor", K_STR, OFF(sensor), "tidewatch", 0, 0, "sensor name written in every record"},
	{"home_net", K_CIDRS, OFF(home_net), "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7", 0, 0,
	 "comma-separated CIDRs of the protected (internal) networks"},
	{"dataplane.workers", K_U32, OFF(dataplane.workers), "1", 1, TW_MAX_WORKERS,
	 "dataplane worker lcores"},
	{"dataplane.flow_table_size", K_U32, OFF(dataplane.flow_table_size), "262144", 1024, 1u << 26,
	 "flows per worker (preallocated)"},
	{"dataplane.frag_table_size", K_U32, OFF(dataplane.frag_table_size), "8192", 64, 1u << 22,
	 "fragmented datagrams per worker whose later fragments can be attributed to their flow"},
	{"dataplane.ring_size", K_U32, OFF(dataplane.ring_size), "16384", 64, 1u << 24,
	 "events per worker-to-analytics ring (rounded up to a power of two)"},
	{"dataplane.rx_ring_size", K_U32, OFF(dataplane.rx_ring_size), "4096", 64, 1u << 20,
	 "offline replay: packets queued per worker"},
	{"dataplane.offline_segment_size", K_U32, OFF(dataplane.offline_segment_size), "0", 0, 65535,
	 "offline replay: split frames into mbuf segments of at most this many bytes (0: whole mbufs)"},
	{"dataplane.mbufs", K_U32, OFF(dataplane.mbufs), "32767", 1023, 1u << 24, "mbufs in the packet pool"},
	{"dataplane.burst", K_U32, OFF(dataplane.burst), "32", 1, 256, "rx burst size"},
	{"dataplane.timeouts.tcp_new", K_DUR, OFF(dataplane.timeout_tcp_new_ns), "60s", NS(1), NS(86400),
	 "idle timeout of a TCP flow before its handshake completes"},
	{"dataplane.timeouts.tcp_established", K_DUR, OFF(dataplane.timeout_tcp_established_ns), "10m", NS(1),
	 NS(7 * 86400), "idle timeout of an established TCP flow"},
	{"dataplane.timeouts.tcp_closed", K_DUR, OFF(dataplane.timeout_tcp_closed_ns), "10s", 0, NS(86400),
	 "linger of a TCP flow after FIN/RST"},
	{"dataplane.timeouts.udp", K_DUR, OFF(dataplane.timeout_udp_ns), "60s", NS(1), NS(86400),
	 "idle timeout of a UDP flow"},
	{"dataplane.timeouts.icmp", K_DUR, OFF(dataplane.timeout_icmp_ns), "30s", NS(1), NS(86400),
	 "idle timeout of an ICMP flow"},
	{"dataplane.timeouts.other", K_DUR, OFF(dataplane.timeout_other_ns), "60s", NS(1), NS(86400),
	 "idle timeout of other IP protocols"},
	{"dataplane.update_interval", K_DUR, OFF(dataplane.update_interval_ns), "5m", NS(1), NS(86400),
	 "period of update events for long flows"},
	{"analytics.cores", K_U32, OFF(analytics.cores), "1", 1, TW_MAX_ANALYTICS, "analytics lcores"},
	{"analytics.max_hosts", K_U32, OFF(analytics.max_hosts), "65536", 64, 1u << 24,
	 "host models per analytics core (preallocated)"},
	{"analytics.threshold", K_U32, OFF(analytics.threshold), "50", 0, 100,
	 "minimum score of an emitted anomaly record"},
	{"analytics.learning_period", K_DUR, OFF(analytics.learning_period_ns), "2d", 0, NS(365 * 86400ull),
	 "time a host (and the network) is observed before it can alert"},
	{"analytics.merge_interval", K_DUR, OFF(analytics.merge_interval_ns), "1s", 1000000ull, NS(3600),
	 "wall-clock period of the network-wide sketch merge (with more than one analytics core)"},
	{"analytics.scan.window", K_DUR, OFF(analytics.scan_window_ns), "10m", NS(10), NS(86400),
	 "window over which distinct destinations are counted"},
	{"analytics.scan.min_distinct", K_U32, OFF(analytics.scan_min_distinct), "24", 2, 1u << 20,
	 "fewest distinct hosts or ports in a window that can be a scan"},
	{"analytics.rare.max_hosts", K_U32, OFF(analytics.rare_max_hosts), "1", 1, 1000,
	 "an external endpoint used by at most this many internal hosts is rare"},
	{"analytics.rare.min_connections", K_U32, OFF(analytics.rare_min_connections), "8", 1, 1u << 20,
	 "connections by one host to a rare endpoint before it is reported"},
	{"analytics.endpoints_expected", K_U32, OFF(analytics.endpoints_expected), "1000000", 1024, 1u << 28,
	 "distinct (host, endpoint) pairs the novelty filters are sized for"},
	{"output.file", K_STR, OFF(output.file), "records.json", 0, 0, "records file, '-' for stdout"},
	{"output.stats", K_STR, OFF(output.stats), "", 0, 0,
	 "write the final counters (as the stats command shows them) to this file at exit"},
	{"output.flows", K_BOOL, OFF(output.flows), "false", 0, 0, "also write a flow record per ended flow"},
	{"output.record_pool", K_U32, OFF(output.record_pool), "8192", 64, 1u << 22,
	 "records in flight from analytics to the writer"},
	{"control.enabled", K_BOOL, OFF(control.enabled), "true", 0, 0, "open the control socket"},
	{"control.socket", K_STR, OFF(control.socket), "/run/tidewatch/tidewatch.sock", 0, 0,
	 "control socket path"},
	{"control.mode", K_MODE, OFF(control.mode), "0660", 0, 0, "control socket file mode (octal)"},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

int
tw_parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	double v;
	uint64_t mul;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0)) /* also rejects NaN */
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mul = NS(1);
	else if (strcmp(end, "ms") == 0)
		mul = 1000000ull;
	else if (strcmp(end, "us") == 0)
		mul = 1000ull;
	else if (strcmp(end, "m") == 0)
		mul = NS(60);
	else if (strcmp(end, "h") == 0)
		mul = NS(3600);
	else if (strcmp(end, "d") == 0)
		mul = NS(86400);
	else if (strcmp(end, "w") == 0)
		mul = NS(7 * 86400);
	else
		return -1;
	if (v * (double)mul > 1.8e19)
		return -1;
	*ns = (uint64_t)(v * (double)mul + 0.5);
	return 0;
}

static const struct key *
find_key(const char *path)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].path, path) == 0)
			return &keys[i];
	return NULL;
}

/* Parse one value into cfg. `where` prefixes the message ("--set", file). */
static int
apply(struct tw_config *cfg, const struct key *k, const char *val, const char *where, char *err,
      size_t errlen)
{
	char *dst = (char *)cfg + k->off;
	char *end;

	switch (k->type) {
	case K_STR:
		if (strlen(val) >= k->size) {
			snprintf(err, errlen, "%s: %s: value longer than %zu bytes", where, k->path, k->size - 1);
			return -1;
		}
		memcpy(dst, val, strlen(val) + 1);
		return 0;
	case K_U32: {
		errno = 0;
		unsigned long long v = strtoull(val, &end, 0);
		if (errno || end == val || *end != '\0' || val[0] == '-') {
			snprintf(err, errlen, "%s: %s: '%s' is not a whole number", where, k->path, val);
			return -1;
		}
		if (v < k->min || v > k->max) {
			snprintf(err, errlen, "%s: %s: %llu is out of range %" PRIu64 "..%" PRIu64, where, k->path, v,
				 k->min, k->max);
			return -1;
		}
		uint32_t u = (uint32_t)v;
		memcpy(dst, &u, sizeof(u));
		return 0;
	}
	case K_BOOL: {
		bool b;
		if (!strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on") || !strcmp(val, "1"))
			b = true;
		else if (!strcmp(val, "false") || !strcmp(val, "no") || !strcmp(val, "off") || !strcmp(val, "0"))
			b = false;
		else {
			snprintf(err, errlen, "%s: %s: '%s' is not a boolean (true/false)", where, k->path, val);
			return -1;
		}
		memcpy(dst, &b, sizeof(b));
		return 0;
	}
	case K_DUR: {
		uint64_t ns;
		if (tw_parse_duration(val, &ns) != 0) {
			snprintf(err, errlen, "%s: %s: '%s' is not a duration (e.g. 90s, 15m, 6h, 2d)", where, k->path,
				 val);
			return -1;
		}
		if (ns < k->min || ns > k->max) {
			snprintf(err, errlen, "%s: %s: %s is out of range %gs..%gs", where, k->path, val,
				 (double)k->min / 1e9, (double)k->max / 1e9);
			return -1;
		}
		memcpy(dst, &ns, sizeof(ns));
		return 0;
	}
	case K_CIDRS: {
		char e2[160];
		struct tw_netset ns = {0}; /* parsed aside: a bad list leaves the old one */
		if (tw_netset_parse(val, &ns, e2, sizeof(e2)) != 0) {
			snprintf(err, errlen, "%s: %s: %s", where, k->path, e2);
			return -1;
		}
		if (ns.n == 0) {
			snprintf(err, errlen, "%s: %s: empty list", where, k->path);
			return -1;
		}
		cfg->home_net = ns;
		snprintf(cfg->home_net_str, sizeof(cfg->home_net_str), "%s", val);
		return 0;
	}
	case K_MODE: {
		errno = 0;
		unsigned long m = strtoul(val, &end, 8);
		if (errno || end == val || *end != '\0' || m > 0777) {
			snprintf(err, errlen, "%s: %s: '%s' is not an octal file mode", where, k->path, val);
			return -1;
		}
		uint32_t u = (uint32_t)m;
		memcpy(dst, &u, sizeof(u));
		return 0;
	}
	}
	return -1;
}

void
tw_config_defaults(struct tw_config *cfg)
{
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++)
		if (apply(cfg, &keys[i], keys[i].def, "default", err, sizeof(err)) != 0)
			abort(); /* a bad built-in default is a programming error */
}

int
tw_config_set(struct tw_config *cfg, const char *kv, char *err, size_t errlen)
{
	char path[128];
	const char *eq = strchr(kv, '=');
	const struct key *k;

	if (eq == NULL || eq == kv || (size_t)(eq - kv) >= sizeof(path)) {
		snprintf(err, errlen, "--set %s: expected KEY=VALUE", kv);
		return -1;
	}
	memcpy(path, kv, (size_t)(eq - kv));
	path[eq - kv] = '\0';
	k = find_key(path);
	if (k == NULL) {
		snprintf(err, errlen, "--set: unknown key '%s' (tidewatch --help-config lists them)", path);
		return -1;
	}
	return apply(cfg, k, eq + 1, "--set", err, errlen);
}

int
tw_config_get(const struct tw_config *cfg, const char *path, char *out, size_t outlen)
{
	const struct key *k = find_key(path);
	const char *src;

	if (k == NULL)
		return -1;
	src = (const char *)cfg + k->off;
	switch (k->type) {
	case K_STR:
		snprintf(out, outlen, "%s", src);
		break;
	case K_U32: {
		uint32_t u;
		memcpy(&u, src, sizeof(u));
		snprintf(out, outlen, "%u", u);
		break;
	}
	case K_BOOL: {
		bool b;
		memcpy(&b, src, sizeof(b));
		snprintf(out, outlen, "%s", b ? "true" : "false");
		break;
	}
	case K_DUR: {
		uint64_t ns;
		memcpy(&ns, src, sizeof(ns));
		/* exact, so that the text parses back to the same value */
		if (ns % 1000000000ull == 0)
			snprintf(out, outlen, "%" PRIu64 "s", (uint64_t)(ns / 1000000000ull));
		else if (ns % 1000000ull == 0)
			snprintf(out, outlen, "%" PRIu64 "ms", (uint64_t)(ns / 1000000ull));
		else if (ns % 1000ull == 0)
			snprintf(out, outlen, "%" PRIu64 "us", (uint64_t)(ns / 1000ull));
		else
			snprintf(out, outlen, "%.9gs", (double)ns / 1e9);
		break;
	}
	case K_CIDRS:
		snprintf(out, outlen, "%s", cfg->home_net_str);
		break;
	case K_MODE: {
		uint32_t u;
		memcpy(&u, src, sizeof(u));
		snprintf(out, outlen, "%04o", u);
		break;
	}
	}
	return 0;
}

void
tw_config_print_keys(void *fp)
{
	static const char *tn[] = {"string", "integer", "boolean", "duration", "CIDR list", "octal mode"};
	FILE *f = fp;

	for (size_t i = 0; i < NKEYS; i++)
		fprintf(f, "  %-34s %-10s default %-14s %s\n", keys[i].path, tn[keys[i].type], keys[i].def,
			keys[i].help);
}

int
tw_config_validate(struct tw_config *cfg, char *err, size_t errlen)
{
	if (cfg->dataplane.workers + cfg->analytics.cores + 1 > 128) {
		snprintf(err, errlen, "dataplane.workers + analytics.cores: too many lcores");
		return -1;
	}
	if (cfg->output.file[0] == '\0') {
		snprintf(err, errlen, "output.file: empty");
		return -1;
	}
	if (cfg->control.enabled && cfg->control.socket[0] == '\0') {
		snprintf(err, errlen, "control.socket: empty while control.enabled is true");
		return -1;
	}
	return 0;
}

/* ---- YAML file loading via a schema built from the key table ---- */

/* The file is loaded into one char * slot per key. Each mapping level is
 * given the same base (offset 0, the whole array as its size), and each leaf
 * its absolute slot offset, so that nested sections need no C structs. */
struct file_vals {
	char *v[NKEYS];
};

#define MAX_SCHEMA_FIELDS 128
static cyaml_schema_field_t schema_pool[MAX_SCHEMA_FIELDS];
static char name_pool[NKEYS * 2][64];
static unsigned schema_used, names_used;
static cyaml_schema_value_t top_schema;

/* Build the fields of the mapping whose dotted prefix is `prefix` (""
 * for the top level). Returns a pointer into schema_pool (CYAML_FIELD_END
 * terminated) or NULL if the pool is exhausted. */
static cyaml_schema_field_t *
build_mapping(const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *seen[NKEYS];
	unsigned nseen = 0;
	unsigned start = schema_used;

	/* count direct children first so that the array is contiguous */
	unsigned nchild = 0;
	for (size_t i = 0; i < NKEYS; i++) {
		const char *p = keys[i].path;
		if (plen && (strncmp(p, prefix, plen) != 0 || p[plen] != '.'))
			continue;
		const char *rest = plen ? p + plen + 1 : p;
		size_t clen = strcspn(rest, ".");
		bool dup = false;
		for (unsigned j = 0; j < nseen; j++)
			if (strcspn(seen[j], ".") == clen && strncmp(seen[j], rest, clen) == 0)
				dup = true;
		if (dup)
			continue;
		seen[nseen++] = rest;
		nchild++;
	}
	if (schema_used + nchild + 1 > MAX_SCHEMA_FIELDS)
		return NULL;
	schema_used += nchild + 1;

	for (unsigned c = 0; c < nchild; c++) {
		cyaml_schema_field_t *f = &schema_pool[start + c];
		const char *rest = seen[c];
		size_t clen = strcspn(rest, ".");
		char *name = name_pool[names_used++];

		snprintf(name, 64, "%.*s", (int)clen, rest);
		memset(f, 0, sizeof(*f));
		f->key = name;
		if (rest[clen] == '.') {
			char sub[128];
			snprintf(sub, sizeof(sub), "%s%s%s", prefix, plen ? "." : "", name);
			cyaml_schema_field_t *kids = build_mapping(sub);
			if (kids == NULL)
				return NULL;
			f->data_offset = 0;
			f->value.type = CYAML_MAPPING;
			f->value.flags = CYAML_FLAG_OPTIONAL;
			f->value.data_size = sizeof(struct file_vals);
			f->value.mapping.fields = kids;
		} else {
			size_t idx = (size_t)(find_key(rest - (plen ? plen + 1 : 0)) - keys);
			f->data_offset = idx * sizeof(char *);
			f->value.type = CYAML_STRING;
			f->value.flags = CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER;
			f->value.data_size = sizeof(char);
			f->value.string.min = 0;
			f->value.string.max = CYAML_UNLIMITED;
		}
	}
	memset(&schema_pool[start + nchild], 0, sizeof(cyaml_schema_field_t)); /* CYAML_FIELD_END */
	return &schema_pool[start];
}

struct logbuf {
	char *buf;
	size_t len;
	size_t used;
};

static void
yaml_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct logbuf *lb = ctx;
	char line[256];
	int n;

	if (level < CYAML_LOG_ERROR)
		return;
	n = vsnprintf(line, sizeof(line), fmt, args);
	if (n <= 0)
		return;
	/* strip the "Load: " prefix and trailing newline; join with "; " */
	char *s = line;
	if (strncmp(s, "Load: ", 6) == 0)
		s += 6;
	size_t sl = strcspn(s, "\n");
	if (lb->used + sl + 3 < lb->len) {
		if (lb->used)
			lb->used += (size_t)snprintf(lb->buf + lb->used, lb->len - lb->used, "; ");
		lb->used += (size_t)snprintf(lb->buf + lb->used, lb->len - lb->used, "%.*s", (int)sl, s);
	}
}

/* A first pass over the file with libyaml (which libcyaml itself uses):
 * libcyaml reports where it was, not which key was wrong, so this pass
 * names an unknown key by its dotted path and its own line, and records
 * the line of every known key for the value checks that follow. */
/* Dotted path of the keys on the stack, into full (>= 8 * 129 bytes). */
static const char *
path_of(char stack[][128], int depth, char *full)
{
	full[0] = '\0';
	for (int i = 0; i <= depth; i++)
		sprintf(full + strlen(full), "%s%s", i ? "." : "", stack[i]);
	return full;
}

static int
prescan(const char *path, unsigned *key_line, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	char stack[8][128], full[1100];
	bool expect_key[8];
	int depth = -1, rc = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		snprintf(err, errlen, "config %s: %s", path, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, errlen, "config %s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	for (bool done = false; !done && rc == 0;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			snprintf(err, errlen, "config %s:%zu:%zu: %s%s%s", path, parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1, parser.problem ? parser.problem : "malformed YAML",
				 parser.context ? " " : "", parser.context ? parser.context : "");
			rc = -1;
			break;
		}
		unsigned line = (unsigned)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
			if (depth >= 0 && !expect_key[depth] && find_key(path_of(stack, depth, full)) != NULL) {
				snprintf(err, errlen, "config %s:%u: '%s' takes a value, not a section", path, line, full);
				rc = -1;
				break;
			}
			if (depth + 1 >= 8) {
				snprintf(err, errlen, "config %s:%u: nested too deeply", path, line);
				rc = -1;
				break;
			}
			depth++;
			expect_key[depth] = true;
			break;
		case YAML_MAPPING_END_EVENT:
			depth--;
			if (depth >= 0)
				expect_key[depth] = true;
			break;
		case YAML_SCALAR_EVENT:
			if (depth < 0)
				break;
			if (expect_key[depth]) {
				snprintf(stack[depth], sizeof(stack[depth]), "%s", (const char *)ev.data.scalar.value);
				path_of(stack, depth, full);
				const struct key *k = find_key(full);
				bool section = false;
				size_t fl = strlen(full);
				for (size_t i = 0; i < NKEYS && !k; i++)
					if (strncmp(keys[i].path, full, fl) == 0 && keys[i].path[fl] == '.')
						section = true;
				if (k == NULL && !section) {
					snprintf(err, errlen, "config %s:%u: unknown key '%s' (tidewatch --help-config lists them)",
						 path, line, full);
					rc = -1;
					break;
				}
				if (k != NULL)
					key_line[k - keys] = line;
				expect_key[depth] = false;
			} else {
				if (find_key(path_of(stack, depth, full)) == NULL) {
					snprintf(err, errlen, "config %s:%u: '%s' is a section: it takes keys, not a value",
						 path, line, full);
					rc = -1;
					break;
				}
				expect_key[depth] = true;
			}
			break;
		case YAML_SEQUENCE_START_EVENT:
			if (depth >= 0) {
				snprintf(err, errlen, "config %s:%u: '%s' takes a value, not a list", path, line,
					 path_of(stack, depth, full));
				rc = -1;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

int
tw_config_load_file(struct tw_config *cfg, const char *path, char *err, size_t errlen)
{
	struct file_vals *fv = NULL;
	char msg[1024] = "";
	struct logbuf lb = {msg, sizeof(msg), 0};
	cyaml_config_t ycfg = {
		.log_fn = yaml_log,
		.log_ctx = &lb,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_DEFAULT,
	};
	cyaml_err_t e;
	int rc = 0;

	if (top_schema.type != CYAML_MAPPING) {
		cyaml_schema_field_t *top = build_mapping("");
		if (top == NULL) {
			snprintf(err, errlen, "internal: config schema too large");
			return -1;
		}
		top_schema.type = CYAML_MAPPING;
		top_schema.flags = CYAML_FLAG_POINTER_NULL; /* "---" alone: an empty document */
		top_schema.data_size = sizeof(struct file_vals);
		top_schema.mapping.fields = top;
	}

	unsigned key_line[NKEYS] = {0};
	if (prescan(path, key_line, err, errlen) != 0)
		return -1;

	e = cyaml_load_file(path, &ycfg, &top_schema, (cyaml_data_t **)&fv, NULL);
	if (e != CYAML_OK) {
		snprintf(err, errlen, "config %s: %s%s%s", path, cyaml_strerror(e), msg[0] ? ": " : "", msg);
		return -1;
	}
	if (fv == NULL) /* empty document: nothing to override */
		return 0;
	char where[TW_PATH_MAX + 16];
	snprintf(where, sizeof(where), "config %s", path);
	for (size_t i = 0; i < NKEYS && rc == 0; i++)
		if (fv->v[i] != NULL) {
			if (key_line[i])
				snprintf(where, sizeof(where), "config %s:%u", path, key_line[i]);
			else
				snprintf(where, sizeof(where), "config %s", path);
			rc = apply(cfg, &keys[i], fv->v[i], where, err, errlen);
		}
	cyaml_free(&ycfg, &top_schema, fv, 0);
	return rc;
}
