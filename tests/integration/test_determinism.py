#!/usr/bin/env python3
"""Offline replay is deterministic: with one worker and one analytics core,
two runs over the same capture and config write byte-identical records; with
two workers (software distribution by a symmetric hash) the flow records and
the anomaly records are the same sets as with one: both directions of every
flow reached one worker, and the models saw the same event order."""
import hashlib
import json
import twtest as t

d = t.workdir()
pcap, _ = t.generate(d, "--seed", "5", "--days", "3", "--workstations", "30", "--inject", "scan,device,rare")


def digest(name, *sets):
    p, recs, st = t.run_tidewatch(pcap, d, "output.flows=true", *sets, name=name)
    t.check(p.returncode == 0, f"{name}: exit {p.returncode}: {p.stderr[-1500:]}")
    with open(f"{d}/{name}.json", "rb") as f:
        return hashlib.sha256(f.read()).hexdigest(), recs


h1, r1 = digest("run1")
h2, _ = digest("run2")
t.check(h1 == h2, f"two identical runs differ: {h1} vs {h2}")
t.check(len(t.anomalies(r1)) > 0, "no anomalies: the determinism check would be vacuous")

# Headers that span mbuf segments decode the same: split every frame into
# 40-byte segments and expect the very same records.
h4, _ = digest("segments", "dataplane.offline_segment_size=40", "dataplane.mbufs=131071")
t.check(h4 == h1, "records differ when frames are split into 40-byte mbuf segments")

_, r3 = digest("two_workers", "dataplane.workers=2")


def key(r):
    return json.dumps(r, sort_keys=True)


# Flow records are a function of each flow's own packets: the same set.
f1 = sorted(key(r) for r in r1 if r["event_type"] == "flow")
f3 = sorted(key(r) for r in r3 if r["event_type"] == "flow")
t.check(f1 == f3, f"flow records with 2 workers differ from 1 worker: {len(f1)} vs {len(f3)}")
# Anomaly records: analytics merges the workers' event streams in capture
# order, so the models see what they would see with one worker.
a1 = sorted(key(r) for r in t.anomalies(r1))
a3 = sorted(key(r) for r in t.anomalies(r3))
t.check(a1 == a3, f"anomalies with 2 workers differ from 1 worker: {len(a1)} vs {len(a3)}")
st = json.load(open(f"{d}/two_workers.stats.json"))
t.check(all(w["rx_packets"] > 0 for w in st["workers"]) and len(st["workers"]) == 2,
        f"packets not spread over both workers: {[w['rx_packets'] for w in st['workers']]}")
t.finish()
