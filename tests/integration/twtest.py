"""Helpers for tidewatch's integration tests (run by meson test).

Paths to the built binaries come from the environment that tests/meson.build
sets: TIDEWATCH, TIDEWATCHCTL, TW_GEN; SHARED_PCAPS points at ../shared/pcaps.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

TIDEWATCH = os.environ.get("TIDEWATCH", "build/app/tidewatch")
TIDEWATCHCTL = os.environ.get("TIDEWATCHCTL", "build/ctl/tidewatchctl")
TW_GEN = os.environ.get("TW_GEN", "build/scripts/tracegen/tw-gen")
SHARED_PCAPS = os.environ.get("SHARED_PCAPS", "")
SKIP = 77  # meson's "skipped" exit status

FAILURES = []


def check(cond, msg):
    """Record a failed assertion (and keep going so that one run reports all)."""
    if not cond:
        FAILURES.append(msg)
        print("FAIL:", msg, flush=True)
    return cond


def finish():
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", flush=True)
        sys.exit(1)
    print("all checks passed", flush=True)
    sys.exit(0)


def workdir():
    return tempfile.mkdtemp(prefix="tw-it-")


def generate(out_dir, *args, name="trace"):
    pcap = os.path.join(out_dir, name + ".pcap")
    labels = os.path.join(out_dir, name + ".labels.jsonl")
    cmd = [TW_GEN, "--out", pcap, "--labels", labels, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(p.stderr)
        raise SystemExit(f"generator failed: {' '.join(cmd)}")
    return pcap, labels


def run_tidewatch(pcap, out_dir, *sets, extra=(), timeout=600, name="records"):
    """Replay pcap; returns (CompletedProcess, records list, stats dict)."""
    rec = os.path.join(out_dir, name + ".json")
    stats = os.path.join(out_dir, name + ".stats.json")
    cmd = [TIDEWATCH, "--quiet", "--pcap", pcap, "--out", rec,
           "--set", f"control.socket={os.path.join(out_dir, name + '.sock')}",
           "--set", f"output.stats={stats}"]
    for s in sets:
        cmd += ["--set", s]
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    records, st = [], {}
    if os.path.exists(rec):
        with open(rec) as f:
            for n, line in enumerate(f, 1):
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    check(False, f"{rec}:{n}: not JSON: {e}")
    if os.path.exists(stats):
        with open(stats) as f:
            st = json.load(f)
    return p, records, st


def read_labels(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def pcap_count(path):
    """Number of records in a classic pcap file (for pcapng use tshark)."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        n = 0
        while True:
            h = f.read(16)
            if len(h) < 16:
                return n
            _, _, incl, _ = struct.unpack(endian + "IIII", h)
            f.seek(incl, 1)
            n += 1


def rx_packets(stats):
    return sum(w["rx_packets"] for w in stats.get("workers", []))


def anomalies(records):
    return [r for r in records if r.get("event_type") == "anomaly"]
