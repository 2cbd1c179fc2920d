#!/usr/bin/env python3
"""Control socket: `stats` answers during an offline replay and in live mode,
tidewatchctl renders tables and --json, and `shutdown` stops a live sensor
cleanly (exit 0, records file closed)."""
import json
import os
import shutil
import subprocess
import time
import twtest as t

d = t.workdir()
sock = os.path.join(d, "ctl.sock")


def ctl(*args, timeout=10):
    return subprocess.run([t.TIDEWATCHCTL, "--socket", sock, *args], capture_output=True, text=True,
                          timeout=timeout + 5)


def wait_socket(proc, secs=60):
    end = time.time() + secs
    while time.time() < end and proc.poll() is None:
        if os.path.exists(sock):
            return True
        time.sleep(0.05)
    return False


# Live mode on a null vdev (an endless source of 64-byte frames).
prefix = f"twtest{os.getpid()}"  # telemetry on, under our own runtime directory
live = subprocess.Popen([t.TIDEWATCH, "--quiet", "--out", f"{d}/live.json", "--set", f"control.socket={sock}",
                         "--", "--no-huge", "-m", "512", "--no-pci", "--no-shconf", "--file-prefix", prefix,
                         "--vdev", "net_null0", "--log-level=lib.eal:error"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    t.check(wait_socket(live), "live: control socket did not appear")
    time.sleep(0.5)
    p = ctl("--json", "stats")
    if t.check(p.returncode == 0, f"live stats: {p.returncode} {p.stderr}"):
        st = json.loads(p.stdout)
        t.check(st["mode"] == "live", f"mode {st['mode']}")
        t.check(st["workers"][0]["rx_packets"] > 0, "live: no packets counted from net_null")
        t.check(st["workers"][0]["decode"].get("not_ip", 0) > 0 or st["workers"][0]["malformed"] > 0,
                f"live: null frames not counted as not_ip/malformed: {st['workers'][0]}")
    p = ctl("stats")
    t.check(p.returncode == 0 and "rx_packets" in p.stdout and "workers" in p.stdout, f"table: {p.stdout}")
    # the same counters through DPDK telemetry
    tel = shutil.which("dpdk-telemetry.py")
    if tel:
        p = subprocess.run([tel, "-f", prefix], input="/tidewatch/stats\n", capture_output=True, text=True,
                           timeout=30)
        line = [l for l in p.stdout.splitlines() if "/tidewatch/stats" in l]
        ok = bool(line) and (json.loads(line[-1])["/tidewatch/stats"] or {}).get("rx_packets", 0) > 0
        t.check(ok, f"telemetry /tidewatch/stats: {p.stdout[-500:]} {p.stderr[-500:]}")
    else:
        print("note: dpdk-telemetry.py not installed; telemetry not checked")
    p = ctl("no-such-command")
    t.check(p.returncode == 1 and "unknown command" in p.stderr, f"unknown command: {p.returncode} {p.stderr}")
    p = ctl("--json", "config-get", "key=analytics.threshold")
    t.check(p.returncode == 0 and json.loads(p.stdout)["value"] == "50", f"config-get: {p.stdout} {p.stderr}")
    p = ctl("shutdown")
    t.check(p.returncode == 0, f"shutdown: {p.returncode} {p.stderr}")
    rc = live.wait(timeout=60)
    t.check(rc == 0, f"live sensor exit {rc}: {live.stderr.read()[-2000:]}")
    t.check(not os.path.exists(sock), "socket file left behind after shutdown")
finally:
    if live.poll() is None:
        live.kill()

# Live mode from DPDK's own net_pcap vdev: shutdown flushes every flow and
# writes every record (none dropped), then the process exits 0.
gen_pcap, _ = t.generate(d, "--seed", "4", "--days", "3", "--workstations", "20", "--inject", "none", name="live")
live = subprocess.Popen([t.TIDEWATCH, "--quiet", "--out", f"{d}/live2.json", "--set", f"control.socket={sock}",
                         "--set", "output.flows=true", "--set", f"output.stats={d}/live2.stats.json",
                         "--set", "analytics.learning_period=0",
                         "--", "--no-huge", "-m", "1024", "--no-pci", "--no-shconf", "--no-telemetry",
                         "--vdev", f"net_pcap0,rx_pcap={gen_pcap}", "--log-level=lib.eal:error"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
try:
    t.check(wait_socket(live), "live pcap: control socket did not appear")
    want = t.pcap_count(gen_pcap)
    end = time.time() + 120
    got = 0
    while time.time() < end:  # net_pcap reads the file once, then idles
        p = ctl("--json", "stats")
        if p.returncode == 0:
            got = json.loads(p.stdout)["workers"][0]["rx_packets"]
            if got >= want:
                break
        time.sleep(0.5)
    t.check(got == want, f"live pcap: {got} of {want} packets received")
    # learning_period=0 in live time: every host is a new device -> `hosts` lists them
    time.sleep(1)
    p = ctl("--json", "hosts", "limit=5")
    if t.check(p.returncode == 0, f"hosts: {p.returncode} {p.stderr}"):
        hosts = json.loads(p.stdout)
        t.check(0 < len(hosts) <= 5, f"hosts limit=5 gave {len(hosts)}")
        scores = [h["max_score"] for h in hosts]
        t.check(scores == sorted(scores, reverse=True), f"hosts not sorted by score: {scores}")
        t.check(all(h["records"] >= 1 and "device" in h["categories"] for h in hosts), f"hosts: {hosts}")
        if hosts:
            p = ctl("--json", "host", hosts[0]["ip"])
            if t.check(p.returncode == 0, f"host {hosts[0]['ip']}: {p.returncode} {p.stderr}"):
                h = json.loads(p.stdout)
                t.check(h["ip"] == hosts[0]["ip"] and h["new_device"] and "scan_baseline" in h
                        and h["records"]["max_score"] == hosts[0]["max_score"], f"host model: {h}")
            p = ctl("host", hosts[0]["ip"])
            t.check(p.returncode == 0 and "scan_baseline" in p.stdout, f"host table: {p.stdout}")
    p = ctl("host", "203.0.113.250")
    t.check(p.returncode == 1 and "no model" in p.stderr, f"host unknown: {p.returncode} {p.stderr}")
    p = ctl("host", "not-an-ip")
    t.check(p.returncode == 1 and "address" in p.stderr, f"host bad address: {p.returncode} {p.stderr}")
    p = ctl("hosts", "limit=0")
    t.check(p.returncode == 1 and "limit" in p.stderr, f"hosts limit=0: {p.returncode} {p.stderr}")
    t.check(ctl("shutdown").returncode == 0, "live pcap: shutdown")
    rc = live.wait(timeout=120)
    t.check(rc == 0, f"live pcap: exit {rc}: {live.stderr.read()[-2000:]}")
    st = json.load(open(f"{d}/live2.stats.json"))
    created = st["workers"][0]["flows_created"]
    written = st["output"]["flow_records_written"]
    t.check(written == created and st["analytics"][0]["records_dropped"] == 0,
            f"live pcap: {written} flow records for {created} flows, {st['analytics'][0]['records_dropped']} dropped")
finally:
    if live.poll() is None:
        live.kill()

# Offline: stats while the replay runs.
pcap, _ = t.generate(d, "--seed", "9", "--days", "3", "--inject", "none")
off = subprocess.Popen([t.TIDEWATCH, "--quiet", "--pcap", pcap, "--out", f"{d}/off.json",
                        "--set", f"control.socket={sock}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
answered = False
try:
    if wait_socket(off):
        p = ctl("--json", "stats")
        if off.poll() is None and p.returncode == 0:
            st = json.loads(p.stdout)
            answered = st["mode"] == "offline" and "file_progress_pct" in st["ports"][0]
    t.check(answered, "offline: stats did not answer during the replay")
    rc = off.wait(timeout=600)
    t.check(rc == 0, f"offline exit {rc}: {off.stderr.read()[-2000:]}")
finally:
    if off.poll() is None:
        off.kill()
t.finish()
