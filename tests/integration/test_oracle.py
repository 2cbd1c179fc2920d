#!/usr/bin/env python3
"""tshark as the oracle for flow records: for every capture in
../shared/pcaps (when present), tidewatch's per-flow packet and byte counts
per direction, Community IDs, zones (VLAN/tunnel), initiators and first/last
times equal what tshark shows for the same TCP/UDP conversations
(tests/oracle/compare_tshark.py). Differences that are explained and not
tidewatch bugs are listed, each with its reason, in tests/oracle/allow.tsv;
any other difference fails the test."""
import os
import shutil
import subprocess
import sys
import twtest as t

root = t.SHARED_PCAPS
manifest = os.path.join(root, "MANIFEST.tsv")
if not root or not os.path.exists(manifest):
    print(f"SKIP: shared captures not found at '{root}' (../shared/pcaps is only present in CI and dev machines)")
    sys.exit(t.SKIP)
if shutil.which("tshark") is None:
    print("SKIP: tshark not installed (apt-get install tshark); it is the oracle of this test")
    sys.exit(t.SKIP)

here = os.path.dirname(os.path.abspath(__file__))
script = os.path.join(here, "..", "oracle", "compare_tshark.py")
cmd = [sys.executable, script, "--all", root, "--tidewatch", t.TIDEWATCH, "--jobs", "2", "--strict"]
print("running:", " ".join(cmd), flush=True)
p = subprocess.run(cmd, text=True, timeout=880)
t.check(p.returncode == 0,
        f"compare_tshark.py exit {p.returncode}: unexplained differences with tshark (MISMATCH lines above), "
        "a tool error, or a stale/invalid allow-list entry")
t.finish()
