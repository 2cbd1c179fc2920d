#!/usr/bin/env python3
"""End to end: the generator's enterprise trace with injected behaviours.

The sensor must flag each injected host with the right category inside the
behaviour's time window, and write nothing about any other host — in
particular not about the benign traps (admins who touch many hosts, the
nightly vulnerability scanner, popular periodic pollers, backups)."""
import collections
import twtest as t

d = t.workdir()
pcap, labels_path = t.generate(d, "--seed", "11", "--days", "3", "--inject", "scan,device,rare")
labels = t.read_labels(labels_path)
p, records, stats = t.run_tidewatch(pcap, d, "output.flows=true", "analytics.learning_period=2d")
t.check(p.returncode == 0, f"tidewatch exit {p.returncode}: {p.stderr[-2000:]}")
t.check("ERROR: AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
        f"sanitizer report: {p.stderr[-3000:]}")

expected = t.pcap_count(pcap)
t.check(t.rx_packets(stats) == expected, f"rx_packets {t.rx_packets(stats)} != {expected} packets in the capture")
for w in stats.get("workers", []):
    t.check(w["events_dropped"] == 0, f"worker {w['worker']} dropped events in lossless replay")
    t.check(w["malformed"] == 0, f"generator packets decoded as malformed: {w.get('decode')}")

anoms = t.anomalies(records)
flows = [r for r in records if r.get("event_type") == "flow"]
t.check(len(flows) > 1000, f"only {len(flows)} flow records")
by_host = collections.defaultdict(list)
for r in anoms:
    by_host[r["host"]["ip"]].append(r)
    a = r["anomaly"]
    t.check(0 <= a["score"] <= 100 and a["score"] >= 50, f"score out of range: {r}")
    for k in ("category", "model", "reason", "observed", "baseline"):
        t.check(k in a, f"anomaly without {k}: {r}")
    if "flow" in r:  # a record's flow is a real flow, with its Community ID
        f = r["flow"]
        t.check(f.get("proto") in ("TCP", "UDP", "ICMP", "IPv6-ICMP") and f.get("dest_ip") not in (None, "::")
                and f.get("community_id", "").startswith("1:"), f"anomaly with a bogus flow: {r}")

injected = [l for l in labels if l.get("expect") != "no_alert"]
traps = [l for l in labels if l.get("expect") == "no_alert"]
t.check(len(injected) >= 3, f"labels file lists {len(injected)} injected behaviours")
for l in injected:
    hits = [r for r in by_host.get(l["host"], []) if r["anomaly"]["category"] == l["category"]]
    if not t.check(hits, f"no {l['category']} record for injected {l['behaviour']} host {l['host']}"):
        continue
    first = min(r["timestamp"] for r in hits)
    t.check(l["start"] <= first <= l["end"],
            f"{l['category']} record for {l['host']} at {first}, outside {l['start']}..{l['end']}")

injected_hosts = {l["host"] for l in injected}
for host, rs in by_host.items():
    if host not in injected_hosts:
        t.check(False, f"false positive on {host}: " + "; ".join(r["anomaly"]["reason"] for r in rs[:3]))
for l in traps:
    t.check(l["host"] not in by_host, f"benign trap {l['behaviour']} ({l['host']}) was flagged")
print(f"{len(anoms)} anomalies, {len(flows)} flow records, {expected} packets")
t.finish()
