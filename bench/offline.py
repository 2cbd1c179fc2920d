#!/usr/bin/env python3
"""Offline pipeline benchmark: the whole `tidewatch --pcap` process on a
generated enterprise trace, against ndpiReader on the same file in the same
run (alternating, so machine drift hits both alike).

    bench/offline.py [--runs 5] [--build build-release] [--days 3] [--workstations 60]

Reports medians of packets/s (Mpps), wire Gbit/s and, for tidewatch, the
pipeline's own elapsed time (from EAL init to the last record written), plus
the ratio tidewatch/ndpiReader per pair of runs. Whole-process figures
include reading the file from the page cache and copying it into mbufs."""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--build", default=os.path.join(root, "build-release"))
ap.add_argument("--days", default="3")
ap.add_argument("--workstations", default="60")
ap.add_argument("--seed", default="11")
ap.add_argument("--workers", default="1")
args = ap.parse_args()

if not os.path.exists(os.path.join(args.build, "build.ninja")):
    subprocess.run(["meson", "setup", args.build, "-Dbuildtype=release", "-Dtests=false"], check=True, cwd=root)
subprocess.run(["ninja", "-C", args.build], check=True, stdout=subprocess.DEVNULL)

work = os.path.join(root, "out", "bench")
os.makedirs(work, exist_ok=True)
pcap = os.path.join(work, f"enterprise-s{args.seed}-d{args.days}-w{args.workstations}.pcap")
if not os.path.exists(pcap):
    subprocess.run([os.path.join(args.build, "scripts/tracegen/tw-gen"), "--seed", args.seed, "--days", args.days,
                    "--workstations", args.workstations, "--out", pcap], check=True)
size = os.path.getsize(pcap)

tw = [os.path.join(args.build, "app/tidewatch"), "--pcap", pcap, "--out", os.path.join(work, "records.json"),
      "--set", f"control.socket={work}/bench.sock", "--set", f"output.stats={work}/stats.json",
      "--set", f"dataplane.workers={args.workers}"]
ndpi = ["ndpiReader", "-i", pcap, "-q", "-n", "1"]


def timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {p.stderr[-2000:]}")
    return wall, p.stderr


# warm the page cache and both binaries
timed(tw)
timed(ndpi)
rows = []
for i in range(args.runs):
    w_tw, err = timed(tw)
    m = re.search(r"(\d+) packets \(([\d.]+) MB on the wire.*in ([\d.]+) s", err)
    pkts, mb, inner = int(m.group(1)), float(m.group(2)), float(m.group(3))
    recs = int(re.search(r"(\d+) anomaly records", err).group(1))
    w_nd, _ = timed(ndpi)
    rows.append((w_tw, inner, w_nd, pkts, mb, recs))

med = lambda xs: statistics.median(xs)
pkts, mb, recs = rows[0][3], rows[0][4], rows[0][5]
tw_wall = med([r[0] for r in rows])
tw_inner = med([r[1] for r in rows])
nd_wall = med([r[2] for r in rows])
ratio = med([r[2] / r[0] for r in rows])
uname = os.uname()
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"machine: {cpu}, {os.cpu_count()} CPUs, {uname.sysname} {uname.release}")
print(f"trace: {os.path.basename(pcap)}: {pkts} packets, {size/1e6:.0f} MB file, {mb/1e3:.2f} GB on the wire")
print(f"runs: {args.runs} (medians), workers: {args.workers}")
print(f"tidewatch   whole process {tw_wall:6.2f} s  {pkts/tw_wall/1e6:6.3f} Mpps  {mb*8/1e3/tw_wall:6.2f} Gbit/s wire")
print(f"tidewatch   pipeline      {tw_inner:6.2f} s  {pkts/tw_inner/1e6:6.3f} Mpps  (EAL up to last record)")
print(f"ndpiReader  whole process {nd_wall:6.2f} s  {pkts/nd_wall/1e6:6.3f} Mpps")
print(f"ratio tidewatch/ndpiReader packets per second (median of pairs): {ratio:.2f}")
print(f"anomaly records: {recs}")
