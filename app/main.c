/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — the sensor process: configuration, EAL, lcore roles, the main
 * lcore loop (offline reader, record writer, control socket, sketch merge).
 *
 *   lcore 0 (main)      reader (offline) · writer · control socket · merge
 *   lcores 1..W         dataplane workers (one rx queue each)
 *   lcores W+1..W+A     analytics cores
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_version.h>
#include <rte_ring.h>

#include "analytics/lcore/analytics.h"
#include "analytics/output/record.h"
#include "app/config.h"
#include "app/stats.h"
#include "ctl/ctl.h"
#include "dataplane/flow/frag.h"
#include "dataplane/lcore/worker.h"
#include "dataplane/port/port.h"
#include "tw_build.h"

#define EXIT_USAGE 2

static atomic_bool quit;       /* stop everything now */
static atomic_bool input_done; /* offline: every packet is queued */
static volatile sig_atomic_t signals_seen;

static void
on_signal(int sig)
{
	(void)sig;
	signals_seen++;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"Usage: tidewatch [--config FILE] [--pcap FILE] [--out FILE|-] [--set KEY=VALUE]... [-- EAL-ARGS]\n"
		"\n"
		"Self-learning network detection and response sensor.\n"
		"\n"
		"  -c, --config FILE    YAML configuration (default: built-in defaults)\n"
		"  -r, --pcap FILE      replay a pcap/pcapng capture once (offline mode) and exit\n"
		"  -o, --out FILE       records file, '-' for stdout (overrides output.file)\n"
		"  -s, --set KEY=VALUE  override a configuration key by its dotted path\n"
		"  -q, --quiet          no progress line and no summary on stderr\n"
		"      --help-config    list every configuration key with its default\n"
		"  -h, --help           this help\n"
		"  -V, --version        print the version\n"
		"\n"
		"Everything after '--' goes to the DPDK EAL. Without EAL arguments tidewatch\n"
		"runs without hugepages or PCI devices (--no-huge -m 1024 --no-pci --no-shconf).\n"
		"\n"
		"Exit status: 0 success, 2 bad usage or configuration, 1 any other failure.\n");
}

struct app {
	struct tw_config cfg;
	const char *pcap;
	bool quiet;
	unsigned nw, na;
	struct rte_mempool *mbuf_pool;
	struct rte_mempool *rec_pool;
	struct rte_ring *rec_ring;
	struct tw_offline *off;
	uint16_t port;
	struct tw_worker *workers;
	struct tw_analytics *analytics;
	struct tw_netview net;
	struct tw_ctl *ctl;
	FILE *out;
	json_t *host_scores; /* ip -> max score, for the summary */
	uint64_t records_written;
	uint64_t flow_records_written;
	uint64_t write_errors;
	uint64_t by_category[TW_NCATEGORIES];
	unsigned analytics_done;
	struct timespec t_start;
};

static double
elapsed_s(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- EAL arguments ---- */

static int
build_eal_args(const struct app *app, int user_argc, char **user_argv, char ***out_argv)
{
	static char lcores[512], *argv[128];
	int n = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned total = 1 + app->nw + app->na;

	argv[n++] = "tidewatch";
	if (ncpu < 1)
		ncpu = 1;
	/* lcore i on CPU i % ncpu: roles get their own CPU where there are
	 * enough, and share (with idle back-off) where there are not */
	size_t off = 0;
	for (unsigned i = 0; i < total && off < sizeof(lcores) - 16; i++)
		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "%s%u@%ld", i ? "," : "", i,
					(long)i % ncpu);
	argv[n++] = "--lcores";
	argv[n++] = lcores;
	if (user_argc == 0) {
		argv[n++] = "--no-huge";
		argv[n++] = "-m";
		argv[n++] = "1024";
		argv[n++] = "--no-pci";
		argv[n++] = "--no-shconf";
		argv[n++] = "--no-telemetry";
		argv[n++] = "--log-level=lib.eal:error";
		argv[n++] = "--log-level=pmd.*:error";
	}
	for (int i = 0; i < user_argc && n < 126; i++)
		argv[n++] = user_argv[i];
	argv[n] = NULL;
	*out_argv = argv;
	return n;
}

/* ---- writer ---- */

static void
note_host_score(struct app *app, const struct tw_record *r)
{
	char ip[TW_ADDR_STRLEN];
	tw_addr_fmt(&r->host, ip, sizeof(ip));
	json_t *cur = json_object_get(app->host_scores, ip);
	char ts[40];

	tw_fmt_time(r->ts_ns, ts, sizeof(ts));
	if (cur == NULL) {
		cur = json_pack("{s:s,s:i,s:i,s:{},s:s,s:s}", "ip", ip, "max_score", 0, "records", 0, "categories",
				"first", ts, "last", ts);
		json_object_set_new(app->host_scores, ip, cur);
	}
	if (json_integer_value(json_object_get(cur, "max_score")) < r->score)
		json_object_set_new(cur, "max_score", json_integer(r->score));
	json_object_set_new(cur, "records", json_integer(json_integer_value(json_object_get(cur, "records")) + 1));
	json_object_set_new(cur, "last", json_string(ts));
	json_t *cats = json_object_get(cur, "categories");
	json_object_set_new(cats, r->category,
			    json_integer(json_integer_value(json_object_get(cats, r->category)) + 1));
}

static unsigned
drain_records(struct app *app, unsigned max)
{
	void *ptrs[64];
	unsigned total = 0;

	while (total < max) {
		unsigned n = rte_ring_sc_dequeue_burst(app->rec_ring, ptrs, 64, NULL);
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct tw_record *r = ptrs[i];
			if (r->kind == TW_REC_EOS) {
				app->analytics_done++;
			} else {
				json_t *o = tw_record_json(r, app->cfg.sensor);
				if (json_dumpf(o, app->out, JSON_COMPACT | JSON_REAL_PRECISION(12)) != 0 || fputc('\n', app->out) == EOF)
					app->write_errors++;
				json_decref(o);
				if (r->kind == TW_REC_ANOMALY) {
					app->records_written++;
					app->by_category[tw_category_index(r->category)]++;
					note_host_score(app, r);
				} else {
					app->flow_records_written++;
				}
			}
			rte_mempool_put(app->rec_pool, r);
		}
		total += n;
	}
	return total;
}

/* ---- control socket ---- */

static json_t *
cmd_stats(json_t *args, void *ctx, char *err, size_t errlen)
{
	struct app *app = ctx;
	(void)args;
	(void)err;
	(void)errlen;
	return tw_stats_json(app->pcap ? "offline" : "live", elapsed_s(&app->t_start), app->port, app->off,
			     app->workers, app->nw, app->analytics, app->na, app->records_written,
			     app->flow_records_written, app->write_errors);
}

static json_t *
cmd_shutdown(json_t *args, void *ctx, char *err, size_t errlen)
{
	(void)args;
	(void)ctx;
	(void)err;
	(void)errlen;
	atomic_store(&quit, true);
	return json_string("Closing tidewatch");
}

static int
cmp_host(const void *a, const void *b)
{
	const json_t *const *x = a, *const *y = b;
	json_int_t sx = json_integer_value(json_object_get(*x, "max_score"));
	json_int_t sy = json_integer_value(json_object_get(*y, "max_score"));
	if (sx != sy)
		return sx < sy ? 1 : -1;
	return strcmp(json_string_value(json_object_get(*x, "ip")), json_string_value(json_object_get(*y, "ip")));
}

/* hosts [limit=N]: the hosts with anomaly records, highest score first. */
static json_t *
cmd_hosts(json_t *args, void *ctx, char *err, size_t errlen)
{
	struct app *app = ctx;
	json_t *lim = json_object_get(args, "limit");
	json_int_t limit = 20;
	const char *k;
	json_t *v;
	size_t n = json_object_size(app->host_scores), i = 0;

	if (lim != NULL) {
		if (!json_is_integer(lim) || json_integer_value(lim) < 1) {
			snprintf(err, errlen, "limit must be a positive integer");
			return NULL;
		}
		limit = json_integer_value(lim);
	}
	json_t **rows = calloc(n ? n : 1, sizeof(*rows));
	if (rows == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_object_foreach(app->host_scores, k, v) rows[i++] = v;
	qsort(rows, n, sizeof(*rows), cmp_host);
	json_t *out = json_array();
	for (i = 0; i < n && (json_int_t)i < limit; i++)
		json_array_append(out, rows[i]);
	free(rows);
	return out;
}

/* host address=ADDR: one host's model, explained. */
static json_t *
cmd_host(json_t *args, void *ctx, char *err, size_t errlen)
{
	struct app *app = ctx;
	const char *s = json_string_value(json_object_get(args, "address"));
	struct tw_addr a;

	if (s == NULL || tw_addr_parse(s, &a) != 0) {
		snprintf(err, errlen, "host needs address=IP (an IPv4 or IPv6 address)");
		return NULL;
	}
	json_t *o = tw_analytics_host_json(app->analytics, app->na, &a);
	if (o == NULL) {
		snprintf(err, errlen, "no model for %s (not a home-network host that has sent a packet)", s);
		return NULL;
	}
	char canon[TW_ADDR_STRLEN];
	json_t *rec = json_object_get(app->host_scores, tw_addr_fmt(&a, canon, sizeof(canon)));
	if (rec != NULL)
		json_object_set(o, "records", rec);
	return o;
}

static json_t *
cmd_version(json_t *args, void *ctx, char *err, size_t errlen)
{
	(void)args;
	(void)ctx;
	(void)err;
	(void)errlen;
	return json_string("tidewatch " TW_VERSION);
}

static json_t *
cmd_config_get(json_t *args, void *ctx, char *err, size_t errlen)
{
	struct app *app = ctx;
	const char *key = json_string_value(json_object_get(args, "key"));
	char val[1024];

	if (key == NULL) {
		snprintf(err, errlen, "config-get needs \"key\"");
		return NULL;
	}
	if (tw_config_get(&app->cfg, key, val, sizeof(val)) != 0) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return NULL;
	}
	return json_pack("{s:s,s:s}", "key", key, "value", val);
}

/* ---- progress and summary ---- */

static void
progress(struct app *app)
{
	const struct tw_offline_stats *os = tw_offline_stats(app->off);
	struct tw_totals tot;
	tw_stats_totals(app->workers, app->nw, app->analytics, app->na, &tot);
	uint64_t done = tot.rx_packets;
	double t = elapsed_s(&app->t_start);
	double pct = os->file_size ? 100.0 * (double)os->file_bytes / (double)os->file_size : 0;
	fprintf(stderr, "\r%12lu packets  %7.3f Mpps  %5.1f%% of file  %8lu records ", (unsigned long)done,
		t > 0 ? (double)done / t / 1e6 : 0.0, pct, (unsigned long)app->records_written);
}

static int
cmp_score(const void *a, const void *b)
{
	const json_t *const *x = a, *const *y = b;
	json_int_t sx = json_integer_value(json_array_get(*x, 1)), sy = json_integer_value(json_array_get(*y, 1));
	if (sx != sy)
		return sx < sy ? 1 : -1;
	return strcmp(json_string_value(json_array_get(*x, 0)), json_string_value(json_array_get(*y, 0)));
}

static void
summary(struct app *app)
{
	struct tw_totals tot;
	tw_stats_totals(app->workers, app->nw, app->analytics, app->na, &tot);
	uint64_t pk = tot.rx_packets, by = tot.rx_bytes, dec_err = tot.malformed;
	double t = elapsed_s(&app->t_start);
	fprintf(stderr, "tidewatch: %lu packets (%.1f MB on the wire, %lu malformed) in %.2f s: %.3f Mpps\n",
		(unsigned long)pk, (double)by / 1e6, (unsigned long)dec_err, t, t > 0 ? (double)pk / t / 1e6 : 0);
	fprintf(stderr, "tidewatch: %lu anomaly records", (unsigned long)app->records_written);
	if (app->flow_records_written)
		fprintf(stderr, ", %lu flow records", (unsigned long)app->flow_records_written);
	fprintf(stderr, " -> %s\n", app->cfg.output.file);
	for (int c = 0; c < TW_NCATEGORIES; c++)
		if (app->by_category[c])
			fprintf(stderr, "  %-10s %lu\n", tw_categories[c], (unsigned long)app->by_category[c]);

	size_t n = json_object_size(app->host_scores);
	if (n == 0)
		return;
	json_t **rows = calloc(n, sizeof(*rows));
	const char *k;
	json_t *v;
	size_t i = 0;
	json_object_foreach(app->host_scores, k, v) rows[i++] =
		json_pack("[s,I]", k, json_integer_value(json_object_get(v, "max_score")));
	qsort(rows, n, sizeof(*rows), cmp_score);
	fprintf(stderr, "top hosts by score:\n");
	for (i = 0; i < n && i < 10; i++)
		fprintf(stderr, "  %-40s %3lld\n", json_string_value(json_array_get(rows[i], 0)),
			(long long)json_integer_value(json_array_get(rows[i], 1)));
	for (i = 0; i < n; i++)
		json_decref(rows[i]);
	free(rows);
}

/* ---- setup ---- */

static int
setup_port(struct app *app, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t port;
	int rc;

	memset(&conf, 0, sizeof(conf));
	if (app->pcap) {
		app->off = tw_offline_open(app->pcap, app->mbuf_pool, app->nw, app->cfg.dataplane.rx_ring_size, err,
					   errlen);
		if (app->off == NULL)
			return -1;
		tw_offline_set_segment_size(app->off, app->cfg.dataplane.offline_segment_size);
		port = tw_offline_port(app->off);
	} else {
		if (rte_eth_dev_count_avail() == 0) {
			snprintf(err, errlen,
				 "no capture port: give --pcap FILE, or a DPDK port after '--' (e.g. -- --vdev "
				 "net_pcap0,iface=eth0)");
			return -1;
		}
		RTE_ETH_FOREACH_DEV(port) break;
		if (rte_eth_dev_info_get(port, &info) != 0) {
			snprintf(err, errlen, "port %u: cannot get device info", port);
			return -1;
		}
		if (app->nw > info.max_rx_queues) {
			snprintf(err, errlen, "port %u has %u rx queues, dataplane.workers is %u", port,
				 info.max_rx_queues, app->nw);
			return -1;
		}
		if (app->nw > 1) {
			/* a repeated 0x6d5a key makes Toeplitz symmetric */
			static uint8_t sym_key[52];
			for (unsigned i = 0; i < sizeof(sym_key); i += 2) {
				sym_key[i] = 0x6d;
				sym_key[i + 1] = 0x5a;
			}
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_key = sym_key;
			conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size ? info.hash_key_size : 40;
			conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_IP & info.flow_type_rss_offloads;
		}
	}
	app->port = port;
	rc = rte_eth_dev_configure(port, (uint16_t)app->nw, 1, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: configure: %s", port, rte_strerror(-rc));
		return -1;
	}
	for (unsigned q = 0; q < app->nw; q++) {
		rc = rte_eth_rx_queue_setup(port, (uint16_t)q, 1024, (unsigned)rte_eth_dev_socket_id(port), NULL,
					    app->mbuf_pool);
		if (rc != 0) {
			snprintf(err, errlen, "port %u: rx queue %u: %s", port, q, rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_tx_queue_setup(port, 0, 512, (unsigned)rte_eth_dev_socket_id(port), NULL);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: tx queue: %s", port, rte_strerror(-rc));
		return -1;
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: start: %s", port, rte_strerror(-rc));
		return -1;
	}
	if (!app->pcap)
		rte_eth_promiscuous_enable(port);
	return 0;
}

static int
setup_cores(struct app *app, char *err, size_t errlen)
{
	const struct tw_config *cfg = &app->cfg;
	char name[RTE_RING_NAMESIZE];
	unsigned lcore_ids[TW_MAX_WORKERS + TW_MAX_ANALYTICS], nl = 0, lc;

	RTE_LCORE_FOREACH_WORKER(lc) lcore_ids[nl++] = lc;
	if (nl < app->nw + app->na) {
		snprintf(err, errlen, "need %u worker lcores (dataplane.workers + analytics.cores), EAL gave %u",
			 app->nw + app->na, nl);
		return -1;
	}
	app->workers = rte_zmalloc("tw_workers", sizeof(struct tw_worker) * app->nw, RTE_CACHE_LINE_SIZE);
	app->analytics = rte_zmalloc("tw_analytics", sizeof(struct tw_analytics) * app->na, RTE_CACHE_LINE_SIZE);
	if (app->workers == NULL || app->analytics == NULL) {
		snprintf(err, errlen, "out of memory for lcore contexts");
		return -1;
	}
	for (unsigned a = 0; a < app->na; a++) {
		struct tw_analytics *an = &app->analytics[a];
		an->idx = a;
		an->lcore = lcore_ids[app->nw + a];
		an->n_workers = app->nw;
		an->lossless = app->pcap != NULL;
		an->rec_ring = app->rec_ring;
		an->rec_pool = app->rec_pool;
		an->cfg = cfg;
		an->net = &app->net;
		an->quit = &quit;
		if (tw_analytics_init(an, err, errlen) != 0)
			return -1;
	}
	if (tw_netview_init(&app->net, app->analytics, app->na, err, errlen) != 0)
		return -1;
	struct tw_flow_timeouts to = {
		.tcp_new_ns = cfg->dataplane.timeout_tcp_new_ns,
		.tcp_established_ns = cfg->dataplane.timeout_tcp_established_ns,
		.tcp_closed_ns = cfg->dataplane.timeout_tcp_closed_ns,
		.udp_ns = cfg->dataplane.timeout_udp_ns,
		.icmp_ns = cfg->dataplane.timeout_icmp_ns,
		.other_ns = cfg->dataplane.timeout_other_ns,
		.update_interval_ns = cfg->dataplane.update_interval_ns,
	};
	for (unsigned w = 0; w < app->nw; w++) {
		struct tw_worker *wk = &app->workers[w];
		wk->idx = w;
		wk->lcore = lcore_ids[w];
		wk->port = app->port;
		wk->queue = (uint16_t)w;
		wk->link = app->off ? tw_offline_linktype(app->off) : TW_LINK_ETHERNET;
		wk->lossless = app->pcap != NULL;
		wk->live = app->pcap == NULL;
		wk->burst = cfg->dataplane.burst;
		wk->n_analytics = app->na;
		wk->cfg = cfg;
		wk->quit = &quit;
		wk->input_done = app->pcap ? &input_done : NULL;
		wk->n_workers = app->nw;
		wk->reader_seq = app->off ? tw_offline_seq(app->off) : NULL;
		snprintf(name, sizeof(name), "tw_flows%u", w);
		wk->ft = tw_flow_table_create(name, cfg->dataplane.flow_table_size, &to,
					      (int)rte_lcore_to_socket_id(wk->lcore));
		snprintf(name, sizeof(name), "tw_frags%u", w);
		wk->frag = tw_frag_table_create(name, cfg->dataplane.frag_table_size,
						(int)rte_lcore_to_socket_id(wk->lcore));
		if (wk->frag == NULL) {
			snprintf(err, errlen, "worker %u: fragment table of %u entries: %s", w,
				 cfg->dataplane.frag_table_size, rte_strerror(rte_errno));
			return -1;
		}
		if (wk->ft == NULL) {
			snprintf(err, errlen, "worker %u: flow table of %u flows: %s", w, cfg->dataplane.flow_table_size,
				 rte_strerror(rte_errno));
			return -1;
		}
		for (unsigned a = 0; a < app->na; a++) {
			snprintf(name, sizeof(name), "tw_ev%u_%u", w, a);
			struct rte_ring *r = rte_ring_create_elem(name, sizeof(struct tw_event),
								  rte_align32pow2(cfg->dataplane.ring_size),
								  SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL) {
				snprintf(err, errlen, "event ring %s: %s", name, rte_strerror(rte_errno));
				return -1;
			}
			wk->ev_ring[a] = r;
			app->analytics[a].in[w] = r;
		}
	}
	return 0;
}

static int
open_output(struct app *app, char *err, size_t errlen)
{
	if (strcmp(app->cfg.output.file, "-") == 0) {
		app->out = stdout;
		return 0;
	}
	app->out = fopen(app->cfg.output.file, "w");
	if (app->out == NULL) {
		snprintf(err, errlen, "output.file %s: %s", app->cfg.output.file, strerror(errno));
		return -1;
	}
	setvbuf(app->out, NULL, _IOFBF, 1 << 20);
	return 0;
}

static int
open_control(struct app *app, char *err, size_t errlen)
{
	if (!app->cfg.control.enabled)
		return 0;
	/* create the default directory (/run/tidewatch) when missing */
	char dir[TW_PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", app->cfg.control.socket);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0750);
	}
	app->ctl = tw_ctl_open(app->cfg.control.socket, app->cfg.control.mode, err, errlen);
	if (app->ctl == NULL)
		return -1;
	tw_ctl_register(app->ctl, "stats", "counters per port, worker and analytics core", cmd_stats, app);
	tw_ctl_register(app->ctl, "shutdown", "stop capture, flush flows and models, write records, exit",
			cmd_shutdown, app);
	tw_ctl_register(app->ctl, "version", "tidewatch version", cmd_version, app);
	tw_ctl_register(app->ctl, "host", "one host's model, explained: address=IP (tidewatchctl host IP)", cmd_host,
			app);
	tw_ctl_register(app->ctl, "hosts", "hosts with anomaly records, highest score first: [limit=N]", cmd_hosts,
			app);
	tw_ctl_register(app->ctl, "config-get", "value of a configuration key: key=dotted.path", cmd_config_get,
			app);
	return 0;
}

/* ---- main loop ---- */

static void
main_loop(struct app *app)
{
	struct timespec last_merge, last_progress;
	bool tty = isatty(STDERR_FILENO) && !app->quiet;
	bool reading = app->off != NULL;
	unsigned idle = 0;

	clock_gettime(CLOCK_MONOTONIC, &last_merge);
	last_progress = last_merge;
	while (app->analytics_done < app->na) {
		unsigned work = 0;

		if (signals_seen) {
			if (reading && signals_seen == 1) {
				/* first ^C in offline mode: stop reading, finish cleanly */
				reading = false;
				atomic_store_explicit(&input_done, true, memory_order_release);
			} else if (!reading || signals_seen > 1) {
				atomic_store(&quit, true);
			}
		}
		if (atomic_load(&quit) && reading) {
			reading = false;
			atomic_store_explicit(&input_done, true, memory_order_release);
		}
		if (reading) {
			int n = tw_offline_pump(app->off, 256);
			if (n > 0)
				work += (unsigned)n;
			if (tw_offline_done(app->off)) {
				reading = false;
				atomic_store_explicit(&input_done, true, memory_order_release);
			}
		}
		work += drain_records(app, 1024);
		if (app->ctl)
			tw_ctl_poll(app->ctl);
		if (elapsed_s(&last_merge) >= (double)app->cfg.analytics.merge_interval_ns / 1e9) {
			tw_netview_merge(&app->net, app->analytics, app->na);
			clock_gettime(CLOCK_MONOTONIC, &last_merge);
		}
		if (tty && app->off && elapsed_s(&last_progress) >= 0.5) {
			progress(app);
			clock_gettime(CLOCK_MONOTONIC, &last_progress);
		}
		if (work == 0) {
			if (++idle > 64)
				usleep(100);
		} else {
			idle = 0;
		}
	}
	if (tty && app->off)
		progress(app), fputc('\n', stderr);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'}, {"pcap", required_argument, NULL, 'r'},
		{"out", required_argument, NULL, 'o'},    {"set", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},      {"help-config", no_argument, NULL, 1},
		{NULL, 0, NULL, 0},
	};
	static struct app app;
	const char *config_path = NULL, *out_path = NULL;
	char *sets[256];
	unsigned nsets = 0;
	char err[1024];
	int opt, rc = 0, fail_rc = 1;

	tw_config_defaults(&app.cfg);
	while ((opt = getopt_long(argc, argv, "c:r:o:s:qhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'r':
			app.pcap = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 's':
			if (nsets == 256) {
				fprintf(stderr, "tidewatch: too many --set options\n");
				return EXIT_USAGE;
			}
			sets[nsets++] = optarg;
			break;
		case 'q':
			app.quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tidewatch %s (%s)\n", TW_VERSION, rte_version());
			return 0;
		case 1:
			printf("Configuration keys (YAML nesting = dotted path; --set KEY=VALUE):\n");
			tw_config_print_keys(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	int eal_argc = argc - optind;
	char **eal_user = argv + optind;
	if (optind > 0 && strcmp(argv[optind - 1], "--") != 0 && eal_argc > 0) {
		fprintf(stderr, "tidewatch: unexpected argument '%s' (EAL arguments go after '--')\n", argv[optind]);
		return EXIT_USAGE;
	}

	if (config_path && tw_config_load_file(&app.cfg, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "tidewatch: %s\n", err);
		return EXIT_USAGE;
	}
	for (unsigned i = 0; i < nsets; i++)
		if (tw_config_set(&app.cfg, sets[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "tidewatch: %s\n", err);
			return EXIT_USAGE;
		}
	if (out_path)
		snprintf(app.cfg.output.file, sizeof(app.cfg.output.file), "%s", out_path);
	if (tw_config_validate(&app.cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "tidewatch: %s\n", err);
		return EXIT_USAGE;
	}
	if (app.pcap && access(app.pcap, R_OK) != 0) {
		fprintf(stderr, "tidewatch: --pcap %s: %s\n", app.pcap, strerror(errno));
		return EXIT_USAGE;
	}
	app.nw = app.cfg.dataplane.workers;
	app.na = app.cfg.analytics.cores;

	char **eal_argv;
	int n_eal = build_eal_args(&app, eal_argc, eal_user, &eal_argv);
	if (rte_eal_init(n_eal, eal_argv) < 0) {
		fprintf(stderr, "tidewatch: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &app.t_start);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	if (tw_port_dynfields_register() != 0) {
		snprintf(err, sizeof(err), "mbuf dynamic fields: %s", rte_strerror(rte_errno));
		goto fail;
	}
	app.mbuf_pool = rte_pktmbuf_pool_create("tw_mbufs", app.cfg.dataplane.mbufs, 256, 0,
						 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	app.rec_pool = rte_mempool_create("tw_records", app.cfg.output.record_pool, sizeof(struct tw_record), 64, 0,
					  NULL, NULL, NULL, NULL, (int)rte_socket_id(), 0);
	app.rec_ring = rte_ring_create("tw_records", rte_align32pow2(app.cfg.output.record_pool + 1),
				       (int)rte_socket_id(), RING_F_SC_DEQ);
	if (app.mbuf_pool == NULL || app.rec_pool == NULL || app.rec_ring == NULL) {
		snprintf(err, sizeof(err), "memory pools: %s (raise -m after '--' or lower dataplane.mbufs)",
			 rte_strerror(rte_errno));
		goto fail;
	}
	app.host_scores = json_object();
	/* a bad output path, capture file or control socket is the user's to
	 * fix (exit 2); running out of resources is not (exit 1) */
	fail_rc = EXIT_USAGE;
	if (open_output(&app, err, sizeof(err)) != 0 || setup_port(&app, err, sizeof(err)) != 0)
		goto fail;
	fail_rc = 1;
	if (setup_cores(&app, err, sizeof(err)) != 0)
		goto fail;
	fail_rc = EXIT_USAGE;
	if (open_control(&app, err, sizeof(err)) != 0)
		goto fail;

	tw_stats_telemetry_register(app.workers, app.nw, app.analytics, app.na);
	if (app.off && tw_offline_warning(app.off))
		fprintf(stderr, "tidewatch: warning: %s\n", tw_offline_warning(app.off));
	for (unsigned a = 0; a < app.na; a++)
		rte_eal_remote_launch(tw_analytics_main, &app.analytics[a], app.analytics[a].lcore);
	for (unsigned w = 0; w < app.nw; w++)
		rte_eal_remote_launch(tw_worker_main, &app.workers[w], app.workers[w].lcore);

	main_loop(&app);
	rte_eal_mp_wait_lcore();
	drain_records(&app, UINT32_MAX);
	if (app.out != stdout && fclose(app.out) != 0)
		app.write_errors++;
	else if (app.out == stdout)
		fflush(stdout);
	app.out = NULL;

	if (app.cfg.output.stats[0]) {
		json_t *st = cmd_stats(NULL, &app, err, sizeof(err));
		if (json_dump_file(st, app.cfg.output.stats, JSON_INDENT(2)) != 0) {
			fprintf(stderr, "tidewatch: output.stats %s: cannot write\n", app.cfg.output.stats);
			rc = 1;
		}
		json_decref(st);
	}
	if (app.off && tw_offline_error(app.off))
		fprintf(stderr, "tidewatch: warning: capture ended early: %s (every packet before it was processed)\n",
			tw_offline_error(app.off));
	if (!app.quiet)
		summary(&app);
	if (app.write_errors) {
		fprintf(stderr, "tidewatch: %lu errors writing %s\n", (unsigned long)app.write_errors,
			app.cfg.output.file);
		rc = 1;
	}
	if (app.ctl)
		tw_ctl_close(app.ctl);
	if (app.off)
		rte_eth_dev_stop(app.port);
	rte_eal_cleanup();
	return rc;

fail:
	fprintf(stderr, "tidewatch: %s\n", err);
	if (app.ctl)
		tw_ctl_close(app.ctl);
	atomic_store(&quit, true);
	rte_eal_mp_wait_lcore();
	rte_eal_cleanup();
	return fail_rc;
}
