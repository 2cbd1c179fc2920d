/* SPDX-License-Identifier: BSD-3-Clause
 * scan — far more distinct internal destinations (hosts, or ports) in a
 * window than the host's own history.
 *
 * Per host and per window (analytics.scan.window, aligned to packet time)
 * two HyperLogLogs count the distinct home-network hosts and the distinct
 * destination ports of the flows the host initiated towards the home
 * network. At the end of each active window the counts feed the host's
 * baseline: an EWMA mean/variance and a peak that decays with a half-life of
 * a week. The threshold for a window is
 *     max(scan.min_distinct, 2 × max(peak, mean + 3 sd))
 * so an administrator who touches dozens of servers every day, or an
 * authorised scanner that sweeps the network every night, has learned a
 * high peak and stays quiet, while a workstation that suddenly sweeps a
 * subnet stands out. The check runs as the count grows, so the record is
 * written while the scan is going on (once per window and metric).
 * Score: how far the count is above the host's own baseline (twice its
 * busiest window): 50 at the baseline, +10 per doubling beyond it.
 */
#include <math.h>
#include <stdio.h>

#include "analytics/lcore/analytics.h"
#include "analytics/sketch/hash.h"

#define PEAK_HALF_LIFE_NS (7.0 * 86400 * 1e9)
#define EWMA_ALPHA 0.05
#define SEED_HOSTS 0x5ca4
#define SEED_PORTS 0x90f7

static double
baseline(const struct tw_ewma *ew, double peak)
{
	return fmax(1.0, fmax(peak, ew->mean + 3.0 * tw_ewma_sd(ew)));
}

static uint32_t
threshold(const struct tw_analytics *a, const struct tw_ewma *ew, double peak)
{
	double thr = fmax((double)a->cfg->analytics.scan_min_distinct, 2.0 * baseline(ew, peak));
	return (uint32_t)ceil(thr);
}

/* Close the host's current window (if it had activity) into its baseline
 * and open the window that contains ts. */
static void
roll_window(struct tw_analytics *a, struct tw_host *h, uint64_t ts)
{
	uint64_t win = a->cfg->analytics.scan_window_ns;
	uint64_t start = ts - ts % win;

	/* Events from several workers interleave: one a little older than
	 * the current window counts in the current window (never roll back). */
	if (start <= h->win_start_ns)
		return;
	if (h->win_start_ns != 0 && h->win_flows > 0) {
		double nh = tw_hll_estimate(tw_host_hll(h->hll_hosts));
		double np = tw_hll_estimate(tw_host_hll(h->hll_ports));
		double decay = exp2(-(double)(start - h->win_start_ns) / PEAK_HALF_LIFE_NS);
		tw_ewma_update(&h->ew_hosts, nh, EWMA_ALPHA);
		tw_ewma_update(&h->ew_ports, np, EWMA_ALPHA);
		h->peak_hosts = fmax(h->peak_hosts * decay, nh);
		h->peak_ports = fmax(h->peak_ports * decay, np);
		h->windows++;
	}
	h->win_start_ns = start;
	h->win_flows = 0;
	h->scan_alerted = 0;
	tw_hll_reset(tw_host_hll(h->hll_hosts));
	tw_hll_reset(tw_host_hll(h->hll_ports));
	h->thr_hosts = threshold(a, &h->ew_hosts, h->peak_hosts);
	h->thr_ports = threshold(a, &h->ew_ports, h->peak_ports);
}

static void
report(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev, bool ports, double n)
{
	const struct tw_ewma *ew = ports ? &h->ew_ports : &h->ew_hosts;
	double peak = ports ? h->peak_ports : h->peak_hosts;
	uint32_t thr = ports ? h->thr_ports : h->thr_hosts;
	double excess = n / (2.0 * baseline(ew, peak));
	unsigned score = (unsigned)lround(fmin(100.0, 50.0 + 10.0 * log2(fmax(excess, 1.0))));
	double win_min = (double)a->cfg->analytics.scan_window_ns / 60e9;
	struct tw_record *r;

	r = tw_rec_begin(a, h, ev, "scan", ports ? "scan.ports" : "scan.hosts", score);
	if (r == NULL)
		return;
	snprintf(r->reason, sizeof(r->reason),
		 "contacted %.0f distinct internal %s in %.0f min; this host's busiest window so far: %.0f "
		 "(mean %.1f over %u windows), threshold %u",
		 n, ports ? "destination ports" : "hosts", win_min, peak, ew->mean, h->windows, thr);
	tw_record_obs(r, ports ? "distinct_ports" : "distinct_hosts", n, true);
	tw_record_obs(r, "window_s", (double)a->cfg->analytics.scan_window_ns / 1e9, true);
	tw_record_base(r, ports ? "peak_ports" : "peak_hosts", peak, false);
	tw_record_base(r, "mean", ew->mean, false);
	tw_record_base(r, "threshold", thr, true);
	tw_record_base(r, "windows", h->windows, true);
	tw_rec_emit(a, h, r);
}

void
tw_detect_scan(struct tw_analytics *a, struct tw_host *h, const struct tw_event *ev)
{
	roll_window(a, h, ev->ts_ns);
	h->win_flows++;
	if (!ev->server_home)
		return;

	bool learned = tw_host_learned(a, h);
	if (tw_hll_add(tw_host_hll(h->hll_hosts), tw_hash64(ev->server.b, 16, SEED_HOSTS)) && learned &&
	    !(h->scan_alerted & 1)) {
		double n = tw_hll_estimate(tw_host_hll(h->hll_hosts));
		if (n >= h->thr_hosts) {
			h->scan_alerted |= 1;
			report(a, h, ev, false, n);
		}
	}
	if (tw_hll_add(tw_host_hll(h->hll_ports), tw_hash_u64(ev->sport | (uint64_t)ev->proto << 16, SEED_PORTS)) &&
	    learned && !(h->scan_alerted & 2)) {
		double n = tw_hll_estimate(tw_host_hll(h->hll_ports));
		if (n >= h->thr_ports) {
			h->scan_alerted |= 2;
			report(a, h, ev, true, n);
		}
	}
}
