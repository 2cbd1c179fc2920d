#!/usr/bin/env bash
# Install, build with ASan/UBSan and -Werror, and run the whole test suite.
#   scripts/test.sh            unit + integration tests, then 30 s of decoder fuzzing (the CI command)
# Tests that replay ../shared/pcaps skip with a message when it is absent.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh || exit 1
dir=build-test
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true -Dbuildtype=debugoptimized \
    || exit 1
fi
ninja -C "$dir" || exit 1
meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" | tee "$dir/test-summary.txt"
rc=${PIPESTATUS[0]}
ok=$(grep -E '^Ok:' "$dir/test-summary.txt" | awk '{print $2}')
fail=$(grep -E '^Fail:' "$dir/test-summary.txt" | awk '{print $2}')
# Fuzz the decoder for a bounded time (TW_FUZZ_SECONDS, default 30; 0 skips).
if [ "${TW_FUZZ_SECONDS:-30}" != 0 ] && [ $# -eq 0 ]; then
  if scripts/fuzz.sh "${TW_FUZZ_SECONDS:-30}"; then ok=$(( ${ok:-0} + 1 )); else fail=$(( ${fail:-0} + 1 )); rc=1; fi
fi
skip=$(grep -E '^Skipped:' "$dir/test-summary.txt" | awk '{print $2}')
to=$(grep -E '^Timeout:' "$dir/test-summary.txt" | awk '{print $2}')
echo "${ok:-0} passed, $(( ${fail:-0} + ${to:-0} )) failed, ${skip:-0} skipped"
exit "$rc"
