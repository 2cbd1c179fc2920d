#!/usr/bin/env python3
"""Dataplane replay benchmark (issue 3): the worker loop fed from preloaded
mbufs (bench/replay.c), against its capture ceilings and nDPI, in one run.

    bench/dataplane.py [--quick] [--runs 5] [--build build-bench] [--workers 1,2]
                       [--traces bench64,imix,enterprise] [--no-testpmd] [--no-ndpi] [--no-thp]

For each trace and worker count: `replay` (worker and empty-worker runs
alternating in one process: headline Mpps, Gbit/s, cycles/packet, ratio
worker/empty) and `replay-stages` (the same worker built with
-DTW_STAGE_CYCLES: cycles per packet per stage). Then, per trace,
dpdk-testpmd rxonly over a net_pcap vdev (infinite_rx) as the capture ceiling
of a pcap port, and ndpiReader (one thread) on the imix and enterprise
traces. Prints one table; raw numbers go to out/bench/dataplane.json.
Traces are generated into out/bench/ when missing (never into git)."""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--quick", action="store_true", help="small traces, 2 runs: a smoke run")
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--build", default=os.path.join(root, "build-bench"))
ap.add_argument("--workers", default="1,2")
ap.add_argument("--traces", default="bench64,imix,enterprise")
ap.add_argument("--no-testpmd", action="store_true")
ap.add_argument("--no-ndpi", action="store_true")
ap.add_argument("--baselines-only", action="store_true", help="only testpmd and ndpiReader")
ap.add_argument("--no-thp", action="store_true", help="4 KiB pages, as tidewatch --pcap runs")
ap.add_argument("--out", default=os.path.join(root, "out", "bench", "dataplane.json"))
args = ap.parse_args()
runs = 2 if args.quick and args.runs == 5 else args.runs
workers = [int(w) for w in args.workers.split(",")]

B = os.path.abspath(args.build)
if not os.path.exists(os.path.join(B, "build.ninja")):
    subprocess.run(["meson", "setup", B, "-Dbuildtype=release", "-Dtests=false"], check=True, cwd=root)
subprocess.run(["ninja", "-C", B, "bench/replay", "bench/replay-stages", "scripts/tracegen/tw-gen"], check=True,
               stdout=subprocess.DEVNULL)
work = os.path.join(root, "out", "bench")
os.makedirs(work, exist_ok=True)
gen = os.path.join(B, "scripts/tracegen/tw-gen")

# name: (file, tw-gen args, replay passes per run, flow table per worker, testpmd mbuf size)
if args.quick:
    traces = {
        "bench64": ("quick-bench64.pcap", ["--profile", "bench64", "--flows", "100000", "--packets", "1000000"],
                    1, 262144, 256),
        "imix": ("quick-imix.pcap", ["--profile", "imix", "--flows", "20000", "--packets", "200000"], 2, 262144, 2176),
        "enterprise": ("quick-enterprise.pcap", ["--seed", "11", "--days", "1", "--workstations", "20", "--inject", "none"], 2, 262144,
                       2176),
    }
else:
    traces = {
        "bench64": ("bench64-f1M-p10M.pcap", ["--profile", "bench64", "--flows", "1000000", "--packets", "10000000"],
                    1, 2097152, 256),
        "imix": ("imix-p2M.pcap", ["--profile", "imix", "--packets", "2000000"], 3, 262144, 2176),
        "enterprise": ("enterprise-s11-d3-w60.pcap", ["--seed", "11", "--days", "3", "--workstations", "60"], 4,
                       262144, 2176),
    }
selected = [t for t in args.traces.split(",") if t in traces]


def trace_path(t):
    p = os.path.join(work, traces[t][0])
    if not os.path.exists(p):  # write to a temporary name: a failed run leaves no half trace behind
        tmp = p[:-5] + ".tmp.pcap"
        subprocess.run([gen] + traces[t][1] + ["--out", tmp, "--labels", p[:-5] + ".labels.jsonl"], check=True,
                       stderr=subprocess.DEVNULL)
        os.rename(tmp, p)
    return p


def run(cmd, timeout=600):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)}\nfailed ({p.returncode}): {p.stderr[-3000:]}{p.stdout[-2000:]}")
    return p.stdout


def replay(binary, pcap, nw, passes, ft, modes):
    js = os.path.join(work, "replay-last.json")
    cmd = [os.path.join(B, "bench", binary), "--pcap", pcap, "--workers", str(nw), "--runs", str(runs),
           "--passes", str(passes), "--flow-table", str(ft), "--modes", modes, "--json", js]
    if args.no_thp:
        cmd.append("--no-thp")
    out = run(cmd)
    sys.stdout.write(out)
    sys.stdout.flush()
    with open(js) as f:
        r = json.load(f)
    r["command"] = " ".join(os.path.relpath(c, root) if c.startswith(root) else c for c in cmd)
    return r


def testpmd(pcap, npkts, mbuf_size, seconds=8):
    """rxonly over net_pcap (infinite_rx: the file is loaded once, every rx
    copies a frame into a fresh mbuf). Returns the median Rx-pps sample."""
    mem = int((npkts + 70000) * (mbuf_size + 128 + 64) * 1.6 / 2**20) + 1024  # 1.0x fails for 2 KiB mbufs
    cmd = ["dpdk-testpmd", "--no-huge", "-m", str(mem), "--no-pci", "--no-shconf", "--no-telemetry", "-l", "0,1",
           "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1", "--", "--forward-mode=rxonly",
           f"--total-num-mbufs={npkts + 70000}", f"--mbuf-size={mbuf_size}", "--stats-period=1", "--nb-cores=1"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples, t0 = [], time.time()
    for line in p.stdout:
        m = re.search(r"Rx-pps:\s+(\d+)", line)
        if m and int(m.group(1)) > 0:
            samples.append(int(m.group(1)))
            if len(samples) >= seconds:
                break
        if time.time() - t0 > 240:
            break
    p.send_signal(signal.SIGINT)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
    # the first sample covers a partial second
    s = samples[1:] or samples
    return statistics.median(s) / 1e6 if s else float("nan"), " ".join(cmd), s


def ndpi(pcap, n):
    """ndpiReader, one thread: its own 'nDPI throughput' (packets over its
    packet-processing time, file reading included) and the whole process."""
    vals, walls = [], []
    cmd = ["ndpiReader", "-i", pcap, "-n", "1"]
    for _ in range(n):
        t0 = time.perf_counter()
        out = run(cmd, timeout=600)
        walls.append(time.perf_counter() - t0)
        m = re.search(r"nDPI throughput:\s+([\d.]+) (K|M)? ?pps", out)
        v = float(m.group(1)) * (1e3 if m.group(2) == "K" else 1e6 if m.group(2) == "M" else 1)
        vals.append(v / 1e6)
        pk = int(re.search(r"IP packets:\s+\d+\s+of (\d+) packets", out).group(1))
    return statistics.median(vals), statistics.median([pk / w / 1e6 for w in walls]), " ".join(cmd)


med = statistics.median
results = {"machine": {}, "rows": [], "testpmd": {}, "ndpi": {}}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
u = os.uname()
results["machine"] = {"cpu": cpu, "cpus": os.cpu_count(), "kernel": f"{u.sysname} {u.release}",
                      "loadavg_start": open("/proc/loadavg").read().split()[:3]}
for t in selected:
    pcap = trace_path(t)
    _, _, passes, ft, mbs = traces[t]
    for nw in ([] if args.baselines_only else workers):
        print(f"\n== {t}, {nw} worker(s)", flush=True)
        plain = replay("replay", pcap, nw, passes, ft, "worker,empty")
        stages = replay("replay-stages", pcap, nw, passes, ft, "worker")
        results["rows"].append({"trace": t, "pcap": os.path.relpath(pcap, root), "workers": nw, "plain": plain,
                                "stages": stages})
    if not args.no_testpmd:
        print(f"\n== {t}: dpdk-testpmd rxonly, net_pcap infinite_rx", flush=True)
        npk = int(subprocess.run(["capinfos", "-c", "-M", pcap], capture_output=True, text=True).stdout.split()[-1]) \
            if args.baselines_only else results["rows"][-1]["plain"]["packets"]
        v, cmd, s = testpmd(pcap, npk, mbs, 6 if args.quick else 8)
        print(f"testpmd Rx-pps samples: {s} -> median {v:.3f} Mpps", flush=True)
        results["testpmd"][t] = {"mpps": v, "command": cmd.replace(root + "/", ""), "samples": s}
    if not args.no_ndpi and t in ("imix", "enterprise"):
        print(f"\n== {t}: ndpiReader", flush=True)
        v, vw, cmd = ndpi(pcap, 1 if args.quick else 3)
        print(f"ndpiReader nDPI throughput {v:.4f} Mpps (whole process {vw:.4f} Mpps)", flush=True)
        results["ndpi"][t] = {"mpps": v, "mpps_whole_process": vw, "command": cmd.replace(root + "/", ""),
                              "runs": 1 if args.quick else 3}
results["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
with open(args.out, "w") as f:
    json.dump(results, f, indent=1)

# ---- table ----
print(f"\nmachine: {cpu}, {os.cpu_count()} CPUs, {u.sysname} {u.release}; load average at start "
      f"{' '.join(results['machine']['loadavg_start'])}, at end {' '.join(results['machine']['loadavg_end'])}")
print(f"medians over {runs} runs; THP {'off' if args.no_thp else 'on'}; raw: {os.path.relpath(args.out, root)}\n")
hdr = ("| trace | workers | worker Mpps | Gbit/s wire | Gbit/s L1 | cycles/pkt | empty Mpps | worker/empty "
       "| expire | decode | flow | emit | stages total | events/pkt | /testpmd | /ndpiReader per core |")
print(hdr)
print("|" + "---|" * (hdr.count("|") - 1))
for r in results["rows"]:
    p, s = r["plain"], r["stages"]
    w, e = p["worker"], p["empty"]
    ratio = med([a / b for a, b in zip(w["mpps"], e["mpps"])])
    wm = med(w["mpps"])
    per_core = wm / r["workers"]
    tp = results["testpmd"].get(r["trace"], {}).get("mpps")
    nd = results["ndpi"].get(r["trace"], {}).get("mpps")
    sw = s["worker"]
    st = [med(sw[k]) for k in ("cyc_expire", "cyc_decode", "cyc_flow", "cyc_emit")]
    print(f"| {r['trace']} | {r['workers']} | {wm:.3f} | {med(w['gbps']):.2f} | {med(w['l1_gbps']):.2f} "
          f"| {med(w['cycles_per_pkt']):.0f} | {med(e['mpps']):.3f} | {ratio:.3f} "
          f"| {st[0]:.0f} | {st[1]:.0f} | {st[2]:.0f} | {st[3]:.0f} | {med(sw['cycles_per_pkt']):.0f} "
          f"| {med(sw['events_per_pkt']):.4f} "
          f"| {(wm / tp) if tp else float('nan'):.2f} | {(per_core / nd) if nd else float('nan'):.1f} |")
for t, v in results["testpmd"].items():
    print(f"testpmd rxonly {t}: {v['mpps']:.3f} Mpps")
for t, v in results["ndpi"].items():
    print(f"ndpiReader {t}: {v['mpps']:.4f} Mpps (nDPI throughput), {v['mpps_whole_process']:.4f} Mpps whole process")
