#!/usr/bin/env bash
# Install, build, generate a sample enterprise capture with the project's own
# generator, run it through the full tidewatch pipeline and summarise.
#   scripts/demo.sh [generator options...]   (e.g. --days 4 --workstations 120)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
scripts/build.sh build-release -Dbuildtype=release -Dtests=false >/dev/null
mkdir -p out
echo "demo: generating out/demo.pcap"
build-release/scripts/tracegen/tw-gen --seed 7 --out out/demo.pcap --labels out/demo.labels.jsonl "$@"
echo "demo: tidewatch --pcap out/demo.pcap --out out/records.json"
build-release/app/tidewatch --pcap out/demo.pcap --out out/records.json \
  --set control.socket="$root/out/tidewatch.sock" --set output.stats="$root/out/stats.json"
echo
echo "injected behaviours (out/demo.labels.jsonl):"
python3 - <<'PY'
import json
for line in open("out/demo.labels.jsonl"):
    l = json.loads(line)
    if l.get("expect") != "no_alert":
        print(f"  {l['category']:<8} {l['host']:<16} {l['start']} .. {l['end']}")
PY
echo "records: out/records.json (first anomaly below)"
grep -m1 '"event_type":"anomaly"' out/records.json || true
