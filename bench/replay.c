/* SPDX-License-Identifier: BSD-3-Clause
 * tidewatch — zero-copy dataplane replay benchmark (issue 3).
 *
 * Loads a pcap ONCE into mbufs (libpcap, dynamic fields set as
 * dataplane/port/offline.c sets them), then feeds the preloaded mbufs to
 * tw_worker_burst() in bursts of 32, pass after pass, on 1..N worker lcores,
 * with no copy and no NIC: the pktgen trace without a NIC.
 *
 *   replay --pcap FILE [--workers N] [--runs R] [--passes P] [--modes worker,empty]
 *          [--flow-table N] [--set KEY=VALUE]... [--gap SECONDS] [--no-thp] [--json FILE]
 *          [-- EAL-ARGS]
 *
 * Modes (alternating run by run, so drift hits both alike):
 *   worker  the real worker: decode, flow table, events (tw_worker_burst)
 *   empty   the capture ceiling of this harness: touch the first cache line
 *           of each packet and free the burst (same refcnt/timestamp
 *           bookkeeping as worker runs)
 * Per burst, and inside the timed region in both modes: one reference is
 * added to each mbuf (tw_worker_burst frees what it is given) and the
 * packet timestamp is moved on by the trace's span (+ --gap) per pass, so
 * packet time keeps running as in a pktgen loop: flows persist across passes
 * (with --gap larger than every timeout, every flow ends and restarts each
 * pass instead). The event ring (one per worker, n_analytics = 1) is drained
 * inline after each burst, outside the timed region.
 *
 * Built twice (bench/meson.build): `replay` against the normal dataplane
 * library (headline rates) and `replay-stages` against a copy built with
 * -DTW_STAGE_CYCLES (rdtsc per stage: expire, decode, flow, emit).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "app/config.h"
#include "dataplane/lcore/worker.h"
#include "dataplane/port/port.h"
#if __has_include("dataplane/flow/frag.h")
#include "dataplane/flow/frag.h" /* workers that attribute IP fragments need their table */
#define HAVE_FRAG 1
#endif

#define BURST 32
#define MAX_W 2
#define SMALL_ROOM 128 /* frames up to this many captured bytes go to the small pool */
#define MAX_RUNS 64

#ifdef TW_STAGE_CYCLES
#define VARIANT "stages"
#else
#define VARIANT "plain"
#endif

enum mode { M_WORKER = 0, M_EMPTY = 1, M__COUNT };
static const char *mode_name[M__COUNT] = {"worker", "empty"};

struct slice {
	struct rte_mbuf **pkts;
	uint32_t n;
	uint64_t wire_bytes; /* per pass */
};

struct wctx {
	unsigned idx;
	struct tw_worker *w;
	struct slice sl;
	struct rte_ring *ring;
	enum mode mode;
	unsigned passes;
	uint64_t shift_ns;    /* added to every timestamp per pass */
	/* results of one run */
	uint64_t busy_cyc;    /* timed region only (bookkeeping + burst) */
	uint64_t wall_cyc;    /* incl. the untimed ring drain */
	uint64_t packets;
	uint64_t bytes;
	uint64_t events;
	double cpu_share;     /* CPU time of the lcore's thread / wall time: < 1 when preempted */
	volatile uint64_t sink;
} __rte_cache_aligned;

static atomic_uint start_gate;
static atomic_bool quit, input_done;

static inline void
bookkeep(struct rte_mbuf **b, unsigned k, uint64_t shift)
{
	for (unsigned j = 0; j < k; j++) {
		struct rte_mbuf *m = b[j];
		rte_mbuf_refcnt_update(m, 1);
		*RTE_MBUF_DYNFIELD(m, tw_dyn_ts_off, uint64_t *) += shift;
	}
}

/* The empty worker: touch the first cache line of each frame, free. */
static inline uint64_t
empty_burst(struct rte_mbuf **pkts, unsigned n)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (unsigned i = 0; i < n; i++) {
		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		s += *rte_pktmbuf_mtod(pkts[i], volatile const uint8_t *);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	return s;
}

static unsigned n_running;

static int
run_slice(void *arg)
{
	struct wctx *c = arg;
	struct rte_mbuf **p = c->sl.pkts;
	uint32_t n = c->sl.n;
	uint64_t busy = 0, ev = 0, s = 0;
	struct tw_event drain_buf[64]; /* the sink's buffer */

	/* start together */
	atomic_fetch_add(&start_gate, 1);
	while (atomic_load(&start_gate) < n_running)
		rte_pause();
	struct rusage ru0, ru1;
	getrusage(RUSAGE_THREAD, &ru0);
	uint64_t t_begin = rte_rdtsc();
	for (unsigned pass = 0; pass < c->passes; pass++) {
		for (uint32_t i = 0; i < n; i += BURST) {
			unsigned k = n - i < BURST ? n - i : BURST;
			struct rte_mbuf *b[BURST];
			memcpy(b, p + i, k * sizeof(b[0]));
			uint64_t t0 = rte_rdtsc();
			bookkeep(b, k, c->shift_ns);
			if (c->mode == M_WORKER)
				tw_worker_burst(c->w, b, (uint16_t)k);
			else
				s += empty_burst(b, k);
			busy += rte_rdtsc() - t0;
			/* the sink: outside the timed region */
			unsigned got;
			while ((got = rte_ring_dequeue_burst_elem(c->ring, drain_buf, sizeof(struct tw_event),
								  RTE_DIM(drain_buf), NULL)) > 0)
				ev += got;
		}
	}
	c->wall_cyc = rte_rdtsc() - t_begin;
	getrusage(RUSAGE_THREAD, &ru1);
	double cpu = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
		     (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	c->cpu_share = cpu / ((double)c->wall_cyc / rte_get_tsc_hz());
	c->busy_cyc = busy;
	c->packets = (uint64_t)n * c->passes;
	c->bytes = c->sl.wire_bytes * c->passes;
	c->events = ev;
	c->sink = s;
	return 0;
}

/* ---- loading ---- */

struct scan {
	uint64_t n, small, large;
	uint32_t max_caplen;
	uint64_t first_ns, last_ns;
	int dlt;
};

static int
open_pcap(const char *path, pcap_t **pc)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	*pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (*pc == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, ebuf);
		return -1;
	}
	return 0;
}

static int
scan_pcap(const char *path, struct scan *s)
{
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;

	memset(s, 0, sizeof(*s));
	if (open_pcap(path, &pc) != 0)
		return -1;
	s->dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &h, &d)) >= 0) {
		if (rc == 0)
			continue;
		uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		if (s->n == 0)
			s->first_ns = ts;
		s->last_ns = ts;
		s->n++;
		if (h->caplen <= SMALL_ROOM)
			s->small++;
		else
			s->large++;
		if (h->caplen > s->max_caplen)
			s->max_caplen = h->caplen;
	}
	pcap_close(pc);
	return 0;
}

static enum tw_linktype
link_of(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return TW_LINK_ETHERNET;
	case DLT_NULL:
		return TW_LINK_NULL;
	case DLT_RAW:
		return TW_LINK_RAW;
	case DLT_LINUX_SLL:
		return TW_LINK_LINUX_SLL;
	default:
		return (enum tw_linktype)(1000 + dlt);
	}
}

static uint32_t
pool_room(uint32_t caplen)
{
	return RTE_ALIGN_CEIL(caplen, 64);
}

/* Read every frame into an mbuf of the matching pool; split among workers
 * by the symmetric address hash, as offline replay does. */
static int
load_pcap(const char *path, const struct scan *s, struct rte_mempool *small, struct rte_mempool *large,
	  enum tw_linktype link, unsigned nw, struct slice *sl, uint64_t *wire_total)
{
	pcap_t *pc;
	struct pcap_pkthdr *h;
	const u_char *d;
	int rc;
	uint64_t seq = 0;

	for (unsigned i = 0; i < nw; i++) {
		sl[i].pkts = malloc(sizeof(struct rte_mbuf *) * (s->n + 1));
		sl[i].n = 0;
		sl[i].wire_bytes = 0;
		if (sl[i].pkts == NULL)
			return -1;
	}
	if (open_pcap(path, &pc) != 0)
		return -1;
	*wire_total = 0;
	while ((rc = pcap_next_ex(pc, &h, &d)) >= 0) {
		if (rc == 0)
			continue;
		struct rte_mbuf *m = rte_pktmbuf_alloc(h->caplen <= SMALL_ROOM ? small : large);
		if (m == NULL) {
			fprintf(stderr, "replay: mbuf pool empty at packet %" PRIu64 "\n", seq + 1);
			pcap_close(pc);
			return -1;
		}
		uint32_t cap = h->caplen;
		if (cap > rte_pktmbuf_tailroom(m))
			cap = rte_pktmbuf_tailroom(m);
		memcpy(rte_pktmbuf_mtod(m, void *), d, cap);
		m->data_len = (uint16_t)cap;
		m->pkt_len = cap;
		uint32_t wire = h->len > h->caplen ? h->len : h->caplen;
		*RTE_MBUF_DYNFIELD(m, tw_dyn_ts_off, uint64_t *) =
			(uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		*RTE_MBUF_DYNFIELD(m, tw_dyn_wirelen_off, uint32_t *) = wire;
		*RTE_MBUF_DYNFIELD(m, tw_dyn_seq_off, uint64_t *) = ++seq;
		unsigned q = 0;
		if (nw > 1) {
			struct tw_pkt p;
			if (tw_decode(link, d, h->caplen, &p) == TW_DEC_OK)
				q = tw_sym_hash(&p) % nw;
		}
		sl[q].pkts[sl[q].n++] = m;
		sl[q].wire_bytes += wire;
		*wire_total += wire;
	}
	pcap_close(pc);
	return 0;
}

/* With --no-huge, DPDK 22.11's EAL backs its memory with a memfd
 * ("nohugemem"), i.e. shmem, which transparent huge pages leave alone here
 * (shmem_enabled = never). Failing that one memfd_create makes the EAL fall
 * back to an anonymous private mapping, which MADV_HUGEPAGE can back with
 * 2 MiB pages. This definition interposes on libc's for librte_eal only in
 * that case; --no-thp keeps the EAL as tidewatch --pcap runs it. */
static bool thp_wanted = true;

int memfd_create(const char *name, unsigned int flags);
int
memfd_create(const char *name, unsigned int flags)
{
	if (thp_wanted && name != NULL && strncmp(name, "nohuge", 6) == 0) {
		errno = ENOSYS;
		return -1;
	}
	return (int)syscall(SYS_memfd_create, name, flags);
}

/* Back the EAL's (no-huge, anonymous) memory with transparent huge pages
 * where the kernel allows it (THP "madvise"): a capture server runs on
 * hugepages, and 4 KiB pages put a TLB miss on every flow lookup. */
static int
thp_cb(const struct rte_memseg_list *msl, void *arg)
{
	size_t len = msl->len;
	if (msl->base_va == NULL || len == 0)
		return 0;
	uintptr_t b = RTE_ALIGN_CEIL((uintptr_t)msl->base_va, 2u << 20);
	uintptr_t e = RTE_ALIGN_FLOOR((uintptr_t)msl->base_va + len, 2u << 20);
	if (e > b && madvise((void *)b, e - b, MADV_HUGEPAGE) == 0)
		*(size_t *)arg += e - b;
	return 0;
}

static uint64_t
anon_huge_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	uint64_t kb = 0;
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %" SCNu64, &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	double t[MAX_RUNS];
	memcpy(t, v, n * sizeof(double));
	qsort(t, n, sizeof(double), cmp_d);
	return n == 0 ? 0 : (n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: replay --pcap FILE [--workers 1|2] [--runs R] [--passes P] [--modes worker,empty]\n"
		"              [--flow-table N] [--gap SECONDS] [--set KEY=VALUE]... [--no-thp] [--json FILE]\n"
		"              [-- EAL-ARGS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *pcap_path = NULL, *json_path = NULL;
	unsigned nw = 1, runs = 5, passes = 3, flow_table = 0;
	double gap_s = 0;
	bool modes[M__COUNT] = {true, true};
	struct tw_config cfg;
	char err[512];
	int eal_argc = 0;
	char **eal_extra = NULL;

	tw_config_defaults(&cfg);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			eal_extra = argv + i + 1;
			eal_argc = argc - i - 1;
			argc = i;
			break;
		}
	static const struct option lo[] = {
		{"pcap", required_argument, 0, 'p'},   {"workers", required_argument, 0, 'w'},
		{"runs", required_argument, 0, 'r'},   {"passes", required_argument, 0, 'P'},
		{"modes", required_argument, 0, 'M'},  {"flow-table", required_argument, 0, 'f'},
		{"set", required_argument, 0, 's'},    {"gap", required_argument, 0, 'g'},
		{"no-thp", no_argument, 0, 'T'},       {"json", required_argument, 0, 'j'},
		{"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': pcap_path = optarg; break;
		case 'w': nw = (unsigned)atoi(optarg); break;
		case 'r': runs = (unsigned)atoi(optarg); break;
		case 'P': passes = (unsigned)atoi(optarg); break;
		case 'f': flow_table = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'g': gap_s = atof(optarg); break;
		case 'T': thp_wanted = false; break;
		case 'j': json_path = optarg; break;
		case 'M':
			modes[M_WORKER] = strstr(optarg, "worker") != NULL;
			modes[M_EMPTY] = strstr(optarg, "empty") != NULL;
			break;
		case 's':
			if (tw_config_set(&cfg, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "replay: %s\n", err);
				return 2;
			}
			break;
		default: usage();
		}
	}
	if (pcap_path == NULL || nw < 1 || nw > MAX_W || runs < 1 || runs > MAX_RUNS || passes < 1 ||
	    !(modes[0] || modes[1]))
		usage();
	if (flow_table) {
		char kv[64];
		snprintf(kv, sizeof(kv), "dataplane.flow_table_size=%u", flow_table);
		if (tw_config_set(&cfg, kv, err, sizeof(err)) != 0) {
			fprintf(stderr, "replay: %s\n", err);
			return 2;
		}
	}
	if (tw_config_validate(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "replay: %s\n", err);
		return 2;
	}

	/* Size the EAL memory from the trace before starting the EAL. */
	struct scan sc;
	if (scan_pcap(pcap_path, &sc) != 0)
		return 2;
	if (sc.n == 0) {
		fprintf(stderr, "replay: %s: no packets\n", pcap_path);
		return 2;
	}
	uint32_t large_room = pool_room(sc.max_caplen > SMALL_ROOM ? sc.max_caplen : SMALL_ROOM + 1);
	uint64_t need = (sc.small + 1024) * (uint64_t)(sizeof(struct rte_mbuf) + RTE_PKTMBUF_HEADROOM + SMALL_ROOM + 64) +
			(sc.large + 1024) * (uint64_t)(sizeof(struct rte_mbuf) + RTE_PKTMBUF_HEADROOM + large_room + 64) +
			(uint64_t)nw * cfg.dataplane.flow_table_size * 260 +
			(uint64_t)nw * rte_align32pow2(cfg.dataplane.ring_size) * sizeof(struct tw_event) + (512ull << 20);
	char mem[32], lcores[16];
	snprintf(mem, sizeof(mem), "%" PRIu64, need >> 20);
	snprintf(lcores, sizeof(lcores), nw == 1 ? "0" : "0-%u", nw - 1);
	char *eal[64] = {"replay", "--no-huge", "-m", mem, "--no-pci", "--no-shconf", "--no-telemetry",
			 "--log-level=lib.eal:error", "-l", lcores};
	int ne = 10;
	for (int i = 0; i < eal_argc && ne < 63; i++)
		eal[ne++] = eal_extra[i];
	eal[ne] = NULL;
	if (rte_eal_init(ne, eal) < 0) {
		fprintf(stderr, "replay: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	size_t thp_bytes = 0;
	if (thp_wanted)
		rte_memseg_list_walk(thp_cb, &thp_bytes);
	if (rte_lcore_count() < nw) {
		fprintf(stderr, "replay: %u workers need %u lcores\n", nw, nw);
		return 2;
	}
	if (tw_port_dynfields_register() != 0) {
		fprintf(stderr, "replay: dynfields: %s\n", rte_strerror(rte_errno));
		return 1;
	}

	/* Pools sized to the trace: a small data room for the short frames. */
	struct rte_mempool *small = rte_pktmbuf_pool_create("rp_small", (unsigned)sc.small + 1024, 0, 0,
							    RTE_PKTMBUF_HEADROOM + SMALL_ROOM, 0);
	struct rte_mempool *large = NULL;
	if (sc.large)
		large = rte_pktmbuf_pool_create("rp_large", (unsigned)sc.large + 1024, 0, 0,
						(uint16_t)(RTE_PKTMBUF_HEADROOM + large_room), 0);
	if (small == NULL || (sc.large && large == NULL)) {
		fprintf(stderr, "replay: mbuf pools (%" PRIu64 "+%" PRIu64 "): %s\n", sc.small, sc.large,
			rte_strerror(rte_errno));
		return 1;
	}
	enum tw_linktype link = link_of(sc.dlt);
	struct slice sl[MAX_W];
	uint64_t wire_total;
	uint64_t t_load = rte_rdtsc();
	if (load_pcap(pcap_path, &sc, small, large, link, nw, sl, &wire_total) != 0)
		return 1;
	double load_s = (double)(rte_rdtsc() - t_load) / rte_get_tsc_hz();
	uint64_t span_ns = sc.last_ns - sc.first_ns + (sc.n > 1 ? (sc.last_ns - sc.first_ns) / (sc.n - 1) : 1) + 1;
	uint64_t shift_ns = span_ns + (uint64_t)(gap_s * 1e9);

	/* Workers, set up as app/main.c's setup_cores() does (offline, not
	 * lossless: a full ring drops), one event ring each (n_analytics 1). */
	struct tw_flow_timeouts to = {
		.tcp_new_ns = cfg.dataplane.timeout_tcp_new_ns,
		.tcp_established_ns = cfg.dataplane.timeout_tcp_established_ns,
		.tcp_closed_ns = cfg.dataplane.timeout_tcp_closed_ns,
		.udp_ns = cfg.dataplane.timeout_udp_ns,
		.icmp_ns = cfg.dataplane.timeout_icmp_ns,
		.other_ns = cfg.dataplane.timeout_other_ns,
		.update_interval_ns = cfg.dataplane.update_interval_ns,
	};
	struct tw_worker *ws = rte_zmalloc("rp_workers", sizeof(struct tw_worker) * nw, RTE_CACHE_LINE_SIZE);
	struct wctx *cx = rte_zmalloc("rp_ctx", sizeof(struct wctx) * nw, RTE_CACHE_LINE_SIZE);
	unsigned lc_of[MAX_W], nl = 0, lc;
	RTE_LCORE_FOREACH(lc) if (nl < MAX_W) lc_of[nl++] = lc;
	for (unsigned i = 0; i < nw; i++) {
		struct tw_worker *w = &ws[i];
		char name[RTE_RING_NAMESIZE];
		w->idx = i;
		w->lcore = lc_of[i];
		w->port = 0;
		w->queue = (uint16_t)i;
		w->link = link;
		w->lossless = false;
		w->live = false;
		w->burst = BURST;
		w->n_analytics = 1;
		w->n_workers = nw;
		w->reader_seq = NULL;
		w->cfg = &cfg;
		w->quit = &quit;
		w->input_done = &input_done;
		snprintf(name, sizeof(name), "rp_flows%u", i);
		w->ft = tw_flow_table_create(name, cfg.dataplane.flow_table_size, &to,
					     (int)rte_lcore_to_socket_id(w->lcore));
#ifdef HAVE_FRAG
		snprintf(name, sizeof(name), "rp_frags%u", i);
		w->frag = tw_frag_table_create(name, cfg.dataplane.frag_table_size,
					       (int)rte_lcore_to_socket_id(w->lcore));
		if (w->frag == NULL) {
			fprintf(stderr, "replay: worker %u: fragment table: %s\n", i, rte_strerror(rte_errno));
			return 1;
		}
#endif
		snprintf(name, sizeof(name), "rp_ev%u", i);
		w->ev_ring[0] = rte_ring_create_elem(name, sizeof(struct tw_event),
						     rte_align32pow2(cfg.dataplane.ring_size), SOCKET_ID_ANY,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->ft == NULL || w->ev_ring[0] == NULL) {
			fprintf(stderr, "replay: worker %u: flow table / ring: %s\n", i, rte_strerror(rte_errno));
			return 1;
		}
		cx[i].idx = i;
		cx[i].w = w;
		cx[i].sl = sl[i];
		cx[i].ring = w->ev_ring[0];
		cx[i].shift_ns = shift_ns;
	}

	double hz = (double)rte_get_tsc_hz();
	/* cost of one rte_rdtsc(): every stage counter includes about one */
	uint64_t t_cal = rte_rdtsc(), x = 0;
	for (int i = 0; i < 1000000; i++)
		x += rte_rdtsc();
	double rdtsc_cyc = (double)(rte_rdtsc() - t_cal) / 1e6;
	(void)x;
	printf("# replay (%s build): %s\n", VARIANT, pcap_path);
	printf("# trace: %" PRIu64 " packets (%" PRIu64 " <= %d B captured, %" PRIu64 " larger, max %u B), "
	       "%.3f GB wire, span %.3f s, loaded in %.2f s\n",
	       sc.n, sc.small, SMALL_ROOM, sc.large, sc.max_caplen, wire_total / 1e9, span_ns / 1e9, load_s);
	printf("# rte_rdtsc() costs %.1f cycles (stage counters include about one each)\n", rdtsc_cyc);
	printf("# workers %u (slices:", nw);
	for (unsigned i = 0; i < nw; i++)
		printf(" %u", sl[i].n);
	printf("), flow table %u per worker, ring %u, TSC %.3f GHz, THP %s (%zu MB advised, %" PRIu64
	       " MB huge after load), time shift per pass %.3f s\n",
	       cfg.dataplane.flow_table_size, rte_align32pow2(cfg.dataplane.ring_size), hz / 1e9,
	       thp_wanted ? "on" : "off", thp_bytes >> 20, anon_huge_kb() >> 10, shift_ns / 1e9);

	/* Warm-up: one untimed worker pass (creates the flows: the runs
	 * measure the steady state of a looping trace) and one empty pass. */
	for (int m = 0; m < M__COUNT; m++) {
		if (!modes[m])
			continue;
		n_running = nw;
		atomic_store(&start_gate, 0);
		for (unsigned i = 0; i < nw; i++) {
			cx[i].mode = (enum mode)m;
			cx[i].passes = 1;
		}
		for (unsigned i = 1; i < nw; i++)
			rte_eal_remote_launch(run_slice, &cx[i], lc_of[i]);
		run_slice(&cx[0]);
		rte_eal_mp_wait_lcore();
	}

	double mpps[M__COUNT][MAX_RUNS], gbps[M__COUNT][MAX_RUNS], l1[M__COUNT][MAX_RUNS],
		cpp[M__COUNT][MAX_RUNS], secs[M__COUNT][MAX_RUNS], pw_mpps[M__COUNT][MAX_W][MAX_RUNS];
	double stage[4][MAX_RUNS], evpp[MAX_RUNS], drops[MAX_RUNS];
	uint64_t pk_run[M__COUNT] = {0};
	printf("%-6s %3s %12s %8s %8s %9s %9s %8s", "mode", "run", "packets", "seconds", "Mpps", "Gbit/s", "L1Gbit/s",
	       "cyc/pkt");
	for (unsigned i = 0; i < nw; i++)
		printf("  w%u-Mpps", i);
	printf("\n");
	for (unsigned r = 0; r < runs; r++) {
		for (int m = 0; m < M__COUNT; m++) {
			if (!modes[m])
				continue;
			struct tw_worker_stats before[MAX_W];
			for (unsigned i = 0; i < nw; i++) {
				before[i] = ws[i].st;
				cx[i].mode = (enum mode)m;
				cx[i].passes = passes;
			}
			n_running = nw;
			atomic_store(&start_gate, 0);
			for (unsigned i = 1; i < nw; i++)
				rte_eal_remote_launch(run_slice, &cx[i], lc_of[i]);
			run_slice(&cx[0]);
			rte_eal_mp_wait_lcore();
			uint64_t pk = 0, by = 0, maxbusy = 0, busysum = 0, evs = 0, drop = 0;
			uint64_t st[4] = {0};
			for (unsigned i = 0; i < nw; i++) {
				pk += cx[i].packets;
				by += cx[i].bytes;
				busysum += cx[i].busy_cyc;
				if (cx[i].busy_cyc > maxbusy)
					maxbusy = cx[i].busy_cyc;
				evs += cx[i].events;
				drop += ws[i].st.events_dropped - before[i].events_dropped;
				st[0] += ws[i].st.cyc_expire - before[i].cyc_expire;
				st[1] += ws[i].st.cyc_decode - before[i].cyc_decode;
				st[2] += ws[i].st.cyc_flow - before[i].cyc_flow;
				st[3] += ws[i].st.cyc_emit - before[i].cyc_emit;
				pw_mpps[m][i][r] = cx[i].packets / (cx[i].busy_cyc / hz) / 1e6;
			}
			double s = maxbusy / hz;
			pk_run[m] = pk;
			secs[m][r] = s;
			mpps[m][r] = pk / s / 1e6;
			gbps[m][r] = by * 8.0 / s / 1e9;
			l1[m][r] = (by + pk * 24.0) * 8.0 / s / 1e9; /* + FCS 4 + preamble/SFD 8 + IFG 12 */
			cpp[m][r] = (double)busysum / pk;
			if (m == M_WORKER) {
				for (int k = 0; k < 4; k++)
					stage[k][r] = (double)st[k] / pk;
				evpp[r] = (double)evs / pk;
				drops[r] = (double)drop;
			}
			printf("%-6s %3u %12" PRIu64 " %8.3f %8.3f %9.3f %9.3f %8.1f", mode_name[m], r + 1, pk, s,
			       mpps[m][r], gbps[m][r], l1[m][r], cpp[m][r]);
			for (unsigned i = 0; i < nw; i++)
				printf("  %7.3f", pw_mpps[m][i][r]);
			printf("  cpu-share");
			for (unsigned i = 0; i < nw; i++)
				printf(" %.2f", cx[i].cpu_share);
			if (m == M_WORKER)
				printf("  events/pkt %.4f drops %" PRIu64, evpp[r], drop);
			printf("\n");
			fflush(stdout);
		}
	}

	printf("# medians over %u runs of %u passes\n", runs, passes);
	for (int m = 0; m < M__COUNT; m++) {
		if (!modes[m])
			continue;
		printf("median %-6s Mpps %.3f  Gbit/s %.3f  L1 Gbit/s %.3f  cycles/pkt %.1f", mode_name[m],
		       median(mpps[m], runs), median(gbps[m], runs), median(l1[m], runs), median(cpp[m], runs));
		for (unsigned i = 0; i < nw; i++)
			printf("  w%u %.3f Mpps", i, median(pw_mpps[m][i], runs));
		printf("\n");
	}
	double ratio = 0;
	if (modes[0] && modes[1]) {
		double rr[MAX_RUNS];
		for (unsigned r = 0; r < runs; r++)
			rr[r] = mpps[M_WORKER][r] / mpps[M_EMPTY][r];
		ratio = median(rr, runs);
		printf("median ratio worker/empty (pairs): %.3f\n", ratio);
	}
#ifdef TW_STAGE_CYCLES
	if (modes[0])
		printf("median stage cycles/pkt: expire %.1f  decode %.1f  flow %.1f  emit %.1f  (total cycles/pkt %.1f)\n",
		       median(stage[0], runs), median(stage[1], runs), median(stage[2], runs), median(stage[3], runs),
		       median(cpp[M_WORKER], runs));
#endif
	const struct tw_flow_counters *fc = tw_flow_counters(ws[0].ft);
	printf("# worker 0 flow table: active %" PRIu64 " created %" PRIu64 " ended %" PRIu64 " evicted %" PRIu64
	       " add_failed %" PRIu64 "; decode ok %" PRIu64 " of %" PRIu64 "; events sent %" PRIu64 " dropped %" PRIu64
	       " transit %" PRIu64 "\n",
	       fc->active, fc->created, fc->ended, fc->evicted, fc->add_failed, ws[0].st.decode[TW_DEC_OK],
	       ws[0].st.rx_packets, ws[0].st.events_sent, ws[0].st.events_dropped, ws[0].st.events_transit);

	if (json_path) {
		FILE *f = fopen(json_path, "w");
		if (f == NULL) {
			fprintf(stderr, "replay: %s: %s\n", json_path, strerror(errno));
			return 1;
		}
		fprintf(f, "{\"variant\":\"%s\",\"pcap\":\"%s\",\"packets\":%" PRIu64 ",\"wire_bytes\":%" PRIu64
			   ",\"workers\":%u,\"runs\":%u,\"passes\":%u,\"tsc_hz\":%.0f,\"thp_mb\":%" PRIu64 ",\"load_s\":%.3f,\"rdtsc_cycles\":%.1f",
			VARIANT, pcap_path, sc.n, wire_total, nw, runs, passes, hz, anon_huge_kb() >> 10, load_s, rdtsc_cyc);
		for (int m = 0; m < M__COUNT; m++) {
			if (!modes[m])
				continue;
			fprintf(f, ",\"%s\":{\"packets_per_run\":%" PRIu64, mode_name[m], pk_run[m]);
			const char *keys[] = {"mpps", "gbps", "l1_gbps", "cycles_per_pkt", "seconds"};
			double(*arrs[])[MAX_RUNS] = {mpps, gbps, l1, cpp, secs};
			for (int k = 0; k < 5; k++) {
				fprintf(f, ",\"%s\":[", keys[k]);
				for (unsigned r = 0; r < runs; r++)
					fprintf(f, "%s%.6f", r ? "," : "", arrs[k][m][r]);
				fprintf(f, "]");
			}
			fprintf(f, ",\"per_worker_mpps\":[");
			for (unsigned i = 0; i < nw; i++) {
				fprintf(f, "%s[", i ? "," : "");
				for (unsigned r = 0; r < runs; r++)
					fprintf(f, "%s%.6f", r ? "," : "", pw_mpps[m][i][r]);
				fprintf(f, "]");
			}
			fprintf(f, "]");
			if (m == M_WORKER) {
				const char *sk[] = {"cyc_expire", "cyc_decode", "cyc_flow", "cyc_emit"};
				for (int k = 0; k < 4; k++) {
					fprintf(f, ",\"%s\":[", sk[k]);
					for (unsigned r = 0; r < runs; r++)
						fprintf(f, "%s%.3f", r ? "," : "", stage[k][r]);
					fprintf(f, "]");
				}
				fprintf(f, ",\"events_per_pkt\":[");
				for (unsigned r = 0; r < runs; r++)
					fprintf(f, "%s%.5f", r ? "," : "", evpp[r]);
				fprintf(f, "],\"events_dropped\":[");
				for (unsigned r = 0; r < runs; r++)
					fprintf(f, "%s%.0f", r ? "," : "", drops[r]);
				fprintf(f, "]");
			}
			fprintf(f, "}");
		}
		fprintf(f, ",\"flow_table\":{\"capacity\":%u,\"active\":%" PRIu64 ",\"created\":%" PRIu64
			   ",\"ended\":%" PRIu64 ",\"evicted\":%" PRIu64 "}}\n",
			cfg.dataplane.flow_table_size, fc->active, fc->created, fc->ended, fc->evicted);
		fclose(f);
	}
	for (unsigned i = 0; i < nw; i++)
		tw_flow_table_free(ws[i].ft);
	rte_eal_cleanup();
	return 0;
}
