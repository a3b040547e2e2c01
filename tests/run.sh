#!/usr/bin/env bash
# Run every test: unit tests (plain, then under ASan+UBSan), then the HTTP
# tests against real nginx.  Each suite prints "N passed, N failed"; this
# adds them up and ends with the same line for the whole run.
set -u
cd "$(dirname "$0")/.."
export MUSTACHE_SPEC=${MUSTACHE_SPEC:-../shared/mustache-spec}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
out=build/test-output
mkdir -p "$out"
total_pass=0; total_fail=0; broken=()

suite() {  # name, command...
    local name=$1; shift
    local log="$out/$(echo "$name" | tr '/ ' '__').log"
    echo "== $name"
    "$@" > "$log" 2>&1
    local rc=$?
    grep -E '^(not ok|# )' "$log" | head -40
    local last
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -z "$last" ]; then
        echo "   $name printed no result (exit $rc); log: $log"; tail -20 "$log"
        total_fail=$((total_fail + 1)); broken+=("$name"); return
    fi
    echo "   $last"
    local p f
    p=$(echo "$last" | awk '{print $1}'); f=$(echo "$last" | awk '{print $3}')
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        echo "   $name exited $rc"; total_fail=$((total_fail + 1)); broken+=("$name")
    fi
    [ "$f" != 0 ] && broken+=("$name")
}

for t in build/tests/t_*; do suite "unit/$(basename "$t")" "$t"; done
for t in build/asan/tests/t_*; do suite "asan/$(basename "$t")" "$t"; done
for t in build/tests/t_*; do
    suite "valgrind/$(basename "$t")" valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect "$t"
done
for t in tests/http/t[0-9]*.py; do suite "http/$(basename "$t" .py)" python3 "$t"; done
suite "browser" node tests/browser/run.mjs

[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
