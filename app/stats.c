/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "analytics/lcore/analytics.h"
#include "app/stats.h"
#include "dataplane/flow/frag.h"
#include "dataplane/lcore/worker.h"
#include "dataplane/port/port.h"

#define U(x) json_integer((json_int_t)(x))

json_t *
tw_stats_json(const char *mode, double uptime_s, uint16_t port, const struct tw_offline *off,
	      const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an, unsigned na,
	      uint64_t records_written, uint64_t flow_records_written, uint64_t write_errors)
{
	json_t *o = json_object();
	json_object_set_new(o, "mode", json_string(mode));
	json_object_set_new(o, "uptime_s", json_real(uptime_s));

	json_t *ports = json_array();
	struct rte_eth_stats es;
	json_t *p = json_object();
	char name[RTE_ETH_NAME_MAX_LEN] = "";
	rte_eth_dev_get_name_by_port(port, name);
	json_object_set_new(p, "port", U(port));
	json_object_set_new(p, "name", json_string(name));
	if (rte_eth_stats_get(port, &es) == 0) {
		json_object_set_new(p, "rx_packets", U(es.ipackets));
		json_object_set_new(p, "rx_bytes", U(es.ibytes));
		json_object_set_new(p, "rx_missed", U(es.imissed));
		json_object_set_new(p, "rx_errors", U(es.ierrors));
		json_object_set_new(p, "rx_nombuf", U(es.rx_nombuf));
	}
	if (off != NULL) {
		const struct tw_offline_stats *os = tw_offline_stats(off);
		json_object_set_new(p, "file_packets", U(os->packets));
		json_object_set_new(p, "file_wire_bytes", U(os->bytes_wire));
		json_object_set_new(p, "file_truncated_pkts", U(os->truncated));
		json_object_set_new(p, "file_oversize_pkts", U(os->oversize));
		json_object_set_new(p, "file_bad_orig_len", U(os->bad_orig_len));
		json_object_set_new(p, "reader_waits", U(os->ring_full_waits));
		json_object_set_new(p, "file_progress_pct",
				    json_real(os->file_size ? 100.0 * (double)os->file_bytes / (double)os->file_size : 0));
		if (tw_offline_error(off))
			json_object_set_new(p, "file_error", json_string(tw_offline_error(off)));
	}
	json_array_append_new(ports, p);
	json_object_set_new(o, "ports", ports);

	json_t *ws = json_array();
	for (unsigned i = 0; i < nw; i++) {
		const struct tw_worker *w = &workers[i];
		const struct tw_flow_counters *fc = tw_flow_counters(w->ft);
		json_t *j = json_object();
		uint64_t malformed = 0;
		json_t *dec = json_object();
		for (unsigned r = 0; r < TW_DEC__COUNT; r++) {
			if (r >= TW_DEC_ERR_FIRST)
				malformed += w->st.decode[r];
			if (r != TW_DEC_OK && w->st.decode[r])
				json_object_set_new(dec, tw_decode_result_name(r), U(w->st.decode[r]));
		}
		json_object_set_new(j, "worker", U(i));
		json_object_set_new(j, "lcore", U(w->lcore));
		json_object_set_new(j, "rx_packets", U(w->st.rx_packets));
		json_object_set_new(j, "rx_bytes", U(w->st.rx_bytes));
		json_object_set_new(j, "decoded", U(w->st.decode[TW_DEC_OK]));
		json_object_set_new(j, "malformed", U(malformed));
		json_object_set_new(j, "flows_active", U(fc->active));
		json_object_set_new(j, "flows_created", U(fc->created));
		json_object_set_new(j, "flows_timed_out", U(fc->ended));
		json_object_set_new(j, "flows_evicted", U(fc->evicted));
		json_object_set_new(j, "flow_table_full", U(fc->add_failed));
		json_object_set_new(j, "events_sent", U(w->st.events_sent));
		json_object_set_new(j, "events_dropped", U(w->st.events_dropped));
		json_object_set_new(j, "event_ring_waits", U(w->st.event_waits));
		json_object_set_new(j, "multiseg_pkts", U(w->st.multiseg));
		json_object_set_new(j, "watermark_ticks", U(w->st.ticks));
		json_object_set_new(j, "neighbour_events", U(w->st.neigh_events));
		const struct tw_frag_counters *fr = tw_frag_counters(w->frag);
		json_object_set_new(j, "fragments_first", U(fr->first));
		json_object_set_new(j, "fragments_attributed", U(fr->attributed));
		json_object_set_new(j, "fragments_unattributed", U(fr->unattributed));
		json_object_set_new(j, "fragment_entries_replaced", U(fr->replaced));
		if (w->st.cyc_decode) { /* a TW_STAGE_CYCLES build */
			json_object_set_new(j, "cycles_expire", U(w->st.cyc_expire));
			json_object_set_new(j, "cycles_decode", U(w->st.cyc_decode));
			json_object_set_new(j, "cycles_flow", U(w->st.cyc_flow));
			json_object_set_new(j, "cycles_emit", U(w->st.cyc_emit));
		}
		json_object_set_new(j, "decode", dec);
		json_array_append_new(ws, j);
	}
	json_object_set_new(o, "workers", ws);

	json_t *as = json_array();
	for (unsigned i = 0; i < na; i++) {
		const struct tw_analytics *a = &an[i];
		json_t *j = json_object();
		json_object_set_new(j, "core", U(i));
		json_object_set_new(j, "lcore", U(a->lcore));
		json_object_set_new(j, "events", U(a->st.events_in));
		json_object_set_new(j, "hosts", U(a->st.hosts));
		json_object_set_new(j, "host_table_full", U(a->st.host_table_full));
		json_object_set_new(j, "records", U(a->st.records));
		json_object_set_new(j, "below_threshold", U(a->st.records_below));
		json_object_set_new(j, "record_waits", U(a->st.record_waits));
		json_object_set_new(j, "records_dropped", U(a->st.records_dropped));
		json_array_append_new(as, j);
	}
	json_object_set_new(o, "analytics", as);

	json_t *out = json_object();
	json_object_set_new(out, "records_written", U(records_written));
	json_object_set_new(out, "flow_records_written", U(flow_records_written));
	json_object_set_new(out, "write_errors", U(write_errors));
	json_object_set_new(o, "output", out);
	return o;
}

/* ---- DPDK telemetry: /tidewatch/stats ---- */

static struct {
	const struct tw_worker *workers;
	unsigned nw;
	const struct tw_analytics *an;
	unsigned na;
} tel;

void
tw_stats_totals(const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an, unsigned na,
		struct tw_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < nw; i++) {
		const struct tw_worker *w = &workers[i];
		const struct tw_flow_counters *fc = tw_flow_counters(w->ft);
		t->rx_packets += w->st.rx_packets;
		t->rx_bytes += w->st.rx_bytes;
		for (unsigned r = TW_DEC_ERR_FIRST; r < TW_DEC__COUNT; r++)
			t->malformed += w->st.decode[r];
		t->flows_active += fc->active;
		t->flows_created += fc->created;
		t->flows_evicted += fc->evicted;
		t->flow_table_full += fc->add_failed;
		t->events_sent += w->st.events_sent;
		t->events_dropped += w->st.events_dropped;
	}
	for (unsigned i = 0; i < na; i++) {
		t->hosts += an[i].st.hosts;
		t->records += an[i].st.records;
		t->records_dropped += an[i].st.records_dropped;
	}
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct tw_totals t;

	(void)cmd;
	(void)params;
	tw_stats_totals(tel.workers, tel.nw, tel.an, tel.na, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx_packets", t.rx_packets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", t.rx_bytes);
	rte_tel_data_add_dict_u64(d, "malformed", t.malformed);
	rte_tel_data_add_dict_u64(d, "flows_active", t.flows_active);
	rte_tel_data_add_dict_u64(d, "flows_created", t.flows_created);
	rte_tel_data_add_dict_u64(d, "flows_evicted", t.flows_evicted);
	rte_tel_data_add_dict_u64(d, "flow_table_full", t.flow_table_full);
	rte_tel_data_add_dict_u64(d, "events_sent", t.events_sent);
	rte_tel_data_add_dict_u64(d, "events_dropped", t.events_dropped);
	rte_tel_data_add_dict_u64(d, "hosts", t.hosts);
	rte_tel_data_add_dict_u64(d, "records", t.records);
	rte_tel_data_add_dict_u64(d, "records_dropped", t.records_dropped);
	return 0;
}

void
tw_stats_telemetry_register(const struct tw_worker *workers, unsigned nw, const struct tw_analytics *an,
			    unsigned na)
{
	tel.workers = workers;
	tel.nw = nw;
	tel.an = an;
	tel.na = na;
	/* help text: at most 63 characters (DPDK telemetry's limit) */
	if (rte_telemetry_register_cmd("/tidewatch/stats", tel_stats, "tidewatch totals (per core: ctl stats)") != 0)
		fprintf(stderr, "tidewatch: warning: cannot register /tidewatch/stats with telemetry\n");
}
