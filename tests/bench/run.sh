#!/usr/bin/env bash
# make bench: wrk through nginx, in one run and side by side:
#   static  nginx serving a file the size of the home page (the ceiling)
#   floor   a minimal libfcgi responder with as many workers (the floor of
#           the FastCGI transport; tests/bench/floor.c)
#   GET /   and the other pages, through zhijia
# Prints each rate, p99 latency and the ratio to the floor, then a
# worker's RSS after 100,000 and 200,000 requests.  Loopback only; every
# run is bounded by wrk's -d.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
DUR=${BENCH_SECONDS:-10}
CONN=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
workers=${ZHIJIA_WORKERS:-$(( $(nproc) * 2 ))}
dir=$(mktemp -d /tmp/zhijia-bench-XXXXXX)
chmod 755 "$dir"   # nginx workers run as nobody
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

cleanup() {
    [ -n "${site:-}" ] && kill -TERM "$site" 2>/dev/null && wait "$site" 2>/dev/null
    [ -n "${floor:-}" ] && kill -TERM -- "-$floor" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

mkdir -p "$dir/run"
cat > "$dir/extra.conf" <<CONF
location = /bench/static.html { alias $dir/static.html; default_type text/html; }
location = /bench/floor { include /etc/nginx/fastcgi_params; fastcgi_pass unix:$dir/floor.sock; }
CONF
ZHIJIA_WORKERS=$workers NGINX_EXTRA_FILE="$dir/extra.conf" POST_RATE=100000r/s POST_BURST=100000 \
ZHIJIA_ADMIN_PASSWORD=bench-password-1 \
    setsid deploy/local.sh "$port" "$dir/run" "$dir/bench.db" > "$dir/site.log" 2>&1 &
site=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$base/healthz" >/dev/null || { cat "$dir/site.log"; exit 1; }

size=$(curl -fs "$base/" | wc -c)
head -c "$size" /dev/zero | tr '\0' 'x' > "$dir/static.html"
setsid build/bench/floor "$dir/floor.sock" "$size" "$workers" &
floor=$!
for _ in $(seq 50); do [ -S "$dir/floor.sock" ] && break; sleep 0.1; done

# wrk_run NAME URL [wrk args…] → prints a row; sets RATE and P99
declare -A RATE P99
wrk_run() {
    local name=$1 url=$2; shift 2
    local out
    out=$(wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency "$@" "$url")
    local rps p99
    rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    local errs
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    RATE[$name]=$rps; P99[$name]=$p99
    printf '%-22s %10s req/s   p99 %-9s %s\n' "$name" "$rps" "$p99" "$errs"
}

echo "make bench: $CONN connections, $THREADS wrk threads, ${DUR}s each, $workers zhijia workers, page $size bytes"
wrk_run "static file" "$base/bench/static.html"
wrk_run "fastcgi floor" "$base/bench/floor"
wrk_run "GET /" "$base/"
wrk_run "GET /join" "$base/join"
wrk_run "GET /volunteer" "$base/volunteer"
for extra in ${BENCH_PAGES:-}; do wrk_run "GET $extra" "$base$extra"; done

# POST /join: a new valid applicant each time, acknowledged = on disk.
token=$(curl -fs "$base/join" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p')
before=$(sqlite3 "$dir/bench.db" "SELECT count(*) FROM join_applications")
JOIN_TOKEN=$token REFS_FILE="$dir/refs.txt" wrk_run "POST /join" "$base/join" -s tests/bench/post_join.lua
after=$(sqlite3 "$dir/bench.db" "SELECT count(*) FROM join_applications")
acked=$(wc -l < "$dir/refs.txt")
missing=$(sqlite3 "$dir/bench.db" "CREATE TEMP TABLE acked (ref TEXT)" ".import $dir/refs.txt acked" \
    "SELECT count(*) FROM acked WHERE ref NOT IN (SELECT ref FROM join_applications)")
echo "POST /join: $acked acknowledged with 303, $((after - before)) rows stored, $missing acknowledged but missing"
# The limit: bare commits of the same rows, one at a time, on the same disk.
commits=$(build/bench/commit "$dir/commit.db" db/migrations "$DUR" | awk '{print $1}')
RATE["sqlite commit limit"]=$commits
printf '%-22s %10s commits/s (one durable transaction at a time)\n' "sqlite commit limit" "$commits"

echo
echo "ratios (to the FastCGI floor):"
for k in "static file" "GET /" "GET /join" "GET /volunteer"; do
    awk -v k="$k" -v a="${RATE[$k]}" -v f="${RATE[fastcgi floor]}" \
        'BEGIN { printf "  %-22s %.2fx   (goal for pages >= 0.80x)\n", k, a / f }'
done
awk -v a="${RATE[POST /join]}" -v f="$commits" \
    'BEGIN { printf "  %-22s %.2fx of the bare SQLite commit limit (goal >= 0.70x)\n", "POST /join", a / f }'

# Memory: a worker's RSS after 100,000 and after 200,000 requests of GET /.
master=$(cat "$dir/run/zhijia.pid")
rss() {
    local t=0 n=0 max=0
    for p in $(pgrep -P "$master"); do
        local kb
        kb=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status")
        n=$((n + 1)); t=$((t + kb)); [ "$kb" -gt "$max" ] && max=$kb
    done
    echo "max ${max} kB, mean $((t / (n ? n : 1))) kB over $n workers"
}
for round in 1 2; do
    # Enough requests at this rate for 100,000 in all, bounded at 120 s.
    secs=$(awk -v r="${RATE[GET /]}" 'BEGIN { s = int(100000 / r) + 2; if (s > 120) s = 120; print s }')
    wrk -t"$THREADS" -c"$CONN" -d"${secs}s" "$base/" > "$dir/mem$round.txt"
    reqs=$(awk '/requests in/ {print $1}' "$dir/mem$round.txt")
    echo "worker RSS after ~$((round * 100))k requests (this round $reqs): $(rss)"
done
