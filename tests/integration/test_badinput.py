#!/usr/bin/env python3
"""Bad input gets a clear error naming what and where, never a crash or hang."""
import os
import subprocess
import twtest as t

d = t.workdir()
pcap, _ = t.generate(d, "--seed", "3", "--days", "1", "--workstations", "12", "--inject", "none")
total = t.pcap_count(pcap)


def tw(*args, timeout=120):
    return subprocess.run([t.TIDEWATCH, "--quiet", *args, "--set", f"control.socket={d}/bad.sock"],
                          capture_output=True, text=True, timeout=timeout)


def no_crash(p, what):
    t.check(p.returncode in (0, 1, 2), f"{what}: exit {p.returncode} (crash?) {p.stderr[-1500:]}")
    t.check("AddressSanitizer" not in p.stderr and "runtime error" not in p.stderr,
            f"{what}: sanitizer report {p.stderr[-2000:]}")


# A capture cut in the middle of a packet record: every whole packet is
# processed, the truncation is reported with where it happened, exit 0.
data = open(pcap, "rb").read()
cut = os.path.join(d, "cut.pcap")
with open(cut, "wb") as f:
    f.write(data[: len(data) * 2 // 3 + 7])
p, recs, st = t.run_tidewatch(cut, d, name="cut")
no_crash(p, "truncated capture")
t.check(p.returncode == 0, f"truncated capture: exit {p.returncode}")
t.check("truncated" in p.stderr and "cut.pcap" in p.stderr, f"truncated capture: no clear warning: {p.stderr}")
got = t.rx_packets(st)
t.check(0 < got < total, f"truncated capture: {got} packets processed of {total}")
t.check(st.get("ports", [{}])[0].get("file_error", "") != "", "truncated capture: not visible in stats")

# Only a header: zero packets, fine.
hdr = os.path.join(d, "empty.pcap")
with open(hdr, "wb") as f:
    f.write(data[:24])
p, _, st = t.run_tidewatch(hdr, d, name="empty")
t.check(p.returncode == 0 and t.rx_packets(st) == 0, f"header-only capture: exit {p.returncode} {p.stderr}")

# A corrupt record length in the middle (a huge caplen).
bad = bytearray(data[: 24 + 16 + 2000])
bad[24 + 8: 24 + 12] = (0x7FFFFFF0).to_bytes(4, "little")
badp = os.path.join(d, "badlen.pcap")
open(badp, "wb").write(bad)
p, _, _ = t.run_tidewatch(badp, d, name="badlen")
no_crash(p, "corrupt record length")

# Not a capture at all.
txt = os.path.join(d, "notes.txt")
open(txt, "w").write("this is not a pcap\n" * 10)
p = tw("--pcap", txt, "--out", f"{d}/x.json")
no_crash(p, "non-pcap")
t.check(p.returncode == 2 and "notes.txt" in p.stderr and "pcap" in p.stderr, f"non-pcap: {p.returncode} {p.stderr}")

# Empty file, missing file, directory.
open(f"{d}/zero.pcap", "w").close()
for path in (f"{d}/zero.pcap", f"{d}/missing.pcap", d):
    p = tw("--pcap", path, "--out", f"{d}/x.json")
    no_crash(p, path)
    t.check(p.returncode == 2 and os.path.basename(path.rstrip('/')) in p.stderr, f"{path}: {p.returncode} {p.stderr}")

# Configuration errors: exit 2, message names the key / line.
cases = [
    (["--set", "analytics.threshold=500"], "analytics.threshold"),
    (["--set", "analytics.no_such_key=1"], "analytics.no_such_key"),
    (["--set", "analytics.learning_period=soon"], "analytics.learning_period"),
    (["--set", "home_net=10.0.0.0/33"], "home_net"),
    (["--set", "threshold"], "KEY=VALUE"),
]
for args, needle in cases:
    p = tw("--pcap", pcap, "--out", f"{d}/x.json", *args)
    no_crash(p, str(args))
    t.check(p.returncode == 2 and needle in p.stderr, f"{args}: exit {p.returncode}, stderr {p.stderr!r}")

yml = os.path.join(d, "bad.yaml")
open(yml, "w").write("sensor: lab\nanalytics:\n  threshold: 40\n  bogus_key: 3\n")
p = tw("--config", yml, "--pcap", pcap, "--out", f"{d}/x.json")
t.check(p.returncode == 2 and "bad.yaml:4:" in p.stderr and "analytics.bogus_key" in p.stderr,
        f"unknown YAML key: {p.stderr!r}")
open(yml, "w").write("sensor: lab\nanalytics: [unclosed\n")
p = tw("--config", yml, "--pcap", pcap, "--out", f"{d}/x.json")
t.check(p.returncode == 2 and "bad.yaml:2" in p.stderr, f"malformed YAML: {p.stderr!r}")
open(yml, "w").write("analytics:\n  threshold: high\n")
p = tw("--config", yml, "--pcap", pcap, "--out", f"{d}/x.json")
t.check(p.returncode == 2 and "bad.yaml:2: analytics.threshold" in p.stderr, f"bad YAML value: {p.stderr!r}")

p = tw("--bogus")
t.check(p.returncode == 2 and "Usage" in p.stderr, f"unknown option: {p.returncode} {p.stderr!r}")
p = tw("--help")
t.check(p.returncode == 0 and "--pcap" in p.stdout, "--help")
p = tw("--version")
t.check(p.returncode == 0 and p.stdout.startswith("tidewatch "), "--version")
p = tw("--pcap", pcap, "--out", "/nonexistent-dir/x.json")
t.check(p.returncode == 2 and "/nonexistent-dir/x.json" in p.stderr, f"unwritable output: {p.stderr!r}")
t.finish()
