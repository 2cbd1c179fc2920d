#!/usr/bin/env bash
# Fuzz the decoder for a bounded time with libFuzzer (clang, ASan/UBSan),
# seeded from the committed corpus and from frames of the project's own
# generated capture.   scripts/fuzz.sh [SECONDS]   (default 30)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
secs=${1:-30}
if ! command -v clang >/dev/null; then
  echo "fuzz: clang not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
if [ ! -f build-fuzz/build.ninja ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C build-fuzz dataplane/decode/fuzz-decode scripts/tracegen/tw-gen >/dev/null
work=$(mktemp -d /tmp/tw-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp tests/fuzz/corpus/decode/* "$work/corpus/"
build-fuzz/scripts/tracegen/tw-gen --seed 2 --days 3 --workstations 20 --inject scan,device \
  --out "$work/seed.pcap" --labels "$work/seed.labels" 2>/dev/null
python3 scripts/pcap2corpus.py "$work/seed.pcap" "$work/corpus" 300
echo "fuzz: decode for ${secs}s"
set +e
build-fuzz/dataplane/decode/fuzz-decode -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/log" 2>&1
rc=$?
set -e
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" "$work/log" || true
if [ $rc -ne 0 ] || ls "$work/artifacts"/* >/dev/null 2>&1; then
  tail -40 "$work/log"
  for a in "$work"/artifacts/*; do
    [ -e "$a" ] || continue
    mkdir -p tests/fuzz/crashes
    cp "$a" tests/fuzz/crashes/
    echo "fuzz: crashing input saved to tests/fuzz/crashes/$(basename "$a")"
  done
  echo "fuzz: FAILED"
  exit 1
fi
echo "fuzz: no crash"
