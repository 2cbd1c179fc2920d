#!/usr/bin/env python3
"""Replay every capture in ../shared/pcaps (when present): no crash, no
sanitizer report, exit 0, and the packet counter equals the capture's packet
count (from its MANIFEST)."""
import csv
import os
import sys
import twtest as t

root = t.SHARED_PCAPS
manifest = os.path.join(root, "MANIFEST.tsv")
if not root or not os.path.exists(manifest):
    print(f"SKIP: shared captures not found at '{root}' (../shared/pcaps is only present in CI and dev machines)")
    sys.exit(t.SKIP)

d = t.workdir()
rows = list(csv.DictReader(open(manifest), delimiter="\t"))
n_ok = 0
for row in rows:
    path = os.path.join(root, row["file"])
    if not os.path.exists(path):
        t.check(False, f"{row['file']} listed in MANIFEST but missing")
        continue
    p, _, st = t.run_tidewatch(path, d, "output.flows=true", name="c", timeout=120)
    if not t.check(p.returncode == 0, f"{row['file']}: exit {p.returncode}: {p.stderr[-1500:]}"):
        continue
    t.check("AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
            f"{row['file']}: sanitizer report: {p.stderr[-2500:]}")
    want = int(row["packet_count"])
    got = t.rx_packets(st)
    if t.check(got == want, f"{row['file']}: {got} packets counted, capture has {want}"):
        n_ok += 1
print(f"{n_ok}/{len(rows)} captures replayed cleanly")
t.finish()
