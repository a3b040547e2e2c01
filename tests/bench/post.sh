#!/usr/bin/env bash
# POST /join through the writer's group commit: stored rows/s, p50/p99 and
# the batch sizes at several connection counts, beside bare single-row
# synchronous=FULL commits of the same rows on one connection.
#
#   tests/bench/post.sh BASE DB    against a running site (run.sh does this)
#   tests/bench/post.sh            for each of BENCH_POST_WORKERS (default
#                                  "4 16 64") a site of its own on a fresh
#                                  database, then the bare commits
# BENCH_POST_CONNS (default "1 8 32 128"), BENCH_SECONDS (default 10).
# Every run is bounded by wrk's -d; loopback only.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${BENCH_SECONDS:-10}
CONNS=${BENCH_POST_CONNS:-1 8 32 128}

# The writer's batch sizes so far: "size count" lines (writer.c).
stats() { cat "$1-writer.stats" 2>/dev/null || true; }

# post_levels BASE DB: one row per connection count.
post_levels() {
    local base=$1 db=$2 run=0 tmp
    tmp=$(mktemp -d /tmp/zhijia-post-XXXXXX)
    local token
    token=$(curl -fs "$base/join" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p')
    printf '  %-6s %10s %10s %9s %9s   %s\n' conns "stored/s" "303/s" p50 p99 \
        "batches: mean size, p50, p90, max (count)"
    for c in $CONNS; do
        run=$((run + 1))
        local threads=$(( c < 2 ? c : 2 ))
        stats "$db" > "$tmp/before"
        local before after out
        before=$(sqlite3 "$db" "SELECT count(*) FROM join_applications")
        out=$(ID_OFFSET=$((run * 1000000)) FORM_TOKEN=$token REFS_FILE="$tmp/refs" \
            wrk -t"$threads" -c"$c" -d"${DUR}s" --latency -s tests/bench/post_form.lua "$base/join" -- join)
        after=$(sqlite3 "$db" "SELECT count(*) FROM join_applications")
        sleep 2.5   # the writer writes its counts when idle for 2 s
        stats "$db" > "$tmp/after"
        local secs p50 p99 acked missing
        secs=$(echo "$out" | awk '/requests in/ {sub(/s,$/, "", $4); print $4}')
        p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
        p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
        acked=$(wc -l < "$tmp/refs")
        missing=$(sqlite3 "$db" "CREATE TEMP TABLE acked (ref TEXT)" ".import $tmp/refs acked" \
            "SELECT count(*) FROM acked WHERE ref NOT IN (SELECT ref FROM join_applications)")
        local batches
        batches=$(python3 - "$tmp/before" "$tmp/after" <<'PY'
import sys
def read(p):
    d = {}
    for line in open(p):
        s, n = line.split()
        d[int(s.lstrip(">"))] = int(n)
    return d
b, a = read(sys.argv[1]), read(sys.argv[2])
sizes = []
for s in sorted(a):
    sizes += [s] * (a[s] - b.get(s, 0))
if not sizes:
    print("none")
else:
    q = lambda p: sizes[min(len(sizes) - 1, int(len(sizes) * p))]
    print("%.1f, %d, %d, %d (%d)" % (sum(sizes) / len(sizes), q(.5), q(.9), sizes[-1], len(sizes)))
PY
)
        awk -v c="$c" -v rows=$((after - before)) -v acked="$acked" -v s="$secs" \
            -v p50="$p50" -v p99="$p99" -v b="$batches" -v m="$missing" \
            'BEGIN { printf "  %-6s %10.0f %10.0f %9s %9s   %s%s\n", c, rows / s, acked / s, p50, p99, b,
                     (m > 0 ? "   " m " ACKNOWLEDGED BUT MISSING" : "") }'
        echo "$c $(awk -v rows=$((after - before)) -v s="$secs" 'BEGIN { print rows / s }')" >> "$tmp/rates"
    done
    cp "$tmp/rates" "${RATES_OUT:-/dev/null}"
    rm -rf "$tmp"
}

if [ $# -eq 2 ]; then
    post_levels "$1" "$2"
    exit 0
fi

dir=$(mktemp -d /tmp/zhijia-postbench-XXXXXX)
chmod 755 "$dir"
site=""
cleanup() {
    [ -n "$site" ] && kill -TERM "$site" 2>/dev/null && wait "$site" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
echo "POST /join, a new applicant each, acknowledged = on disk; fresh database each; ${DUR}s a level"
for w in ${BENCH_POST_WORKERS:-4 16 64}; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$dir/w$w"
    ZHIJIA_WORKERS=$w POST_RATE=100000r/s POST_BURST=100000 ZHIJIA_ADMIN_PASSWORD=bench-password-1 \
        setsid deploy/local.sh "$port" "$dir/w$w/run" "$dir/w$w/bench.db" > "$dir/w$w/site.log" 2>&1 &
    site=$!
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
    echo "$w workers:"
    RATES_OUT="$dir/rates$w" post_levels "http://127.0.0.1:$port" "$dir/w$w/bench.db"
    kill -TERM "$site" 2>/dev/null; wait "$site" 2>/dev/null || true; site=""
done
# The per-request fsync limit: one durable transaction a row, one at a time.
commits=$(build/bench/commit "$dir/commit.db" db/migrations "$DUR" | awk '{print $1}')
echo "bare single-row synchronous=FULL commits on one connection: $commits/s"
for w in ${BENCH_POST_WORKERS:-4 16 64}; do
    awk -v w="$w" -v f="$commits" '{ printf "  %3d workers, %3d connections: %.2fx the bare commits\n", w, $1, $2 / f }' \
        "$dir/rates$w"
done
echo "(goal: at 32 connections >= 3x, p99 <= 50 ms)"
