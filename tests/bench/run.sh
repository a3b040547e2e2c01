#!/usr/bin/env bash
# make bench: wrk through nginx, in one run and side by side:
#   static  nginx serving a file the size of the home page (the ceiling)
#   floor   a minimal libfcgi responder with as many workers (the floor of
#           the FastCGI transport; tests/bench/floor.c)
#   GET /   and the other pages, through zhijia: the forms, and issue 11's
#           /stations, /s/{code}, /wishes and /appeal on the generated
#           stations, wishes and appeals
# Prints each rate, p99 latency and the ratio to the floor; POST /join and
# POST /appeal through the writer; then a worker's RSS after 100,000 and
# 200,000 requests.  Loopback only; every
# run is bounded by wrk's -d.
set -euo pipefail
cd "$(dirname "$0")/../.."
top=$(pwd)
DUR=${BENCH_SECONDS:-10}
CONN=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
workers=${ZHIJIA_WORKERS:-$(( $(nproc) * 8 ))}
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
# The site serves a database the size of a city union's after some years:
# BENCH_JOINS applications and BENCH_LEGAL legal-aid cases (0 0: empty),
# BENCH_STATIONS stations, BENCH_WISHES 微心愿 and BENCH_APPEALS 诉求.
JOINS=${BENCH_JOINS:-1000000}
LEGAL=${BENCH_LEGAL:-200000}
export GEN_STATIONS=${BENCH_STATIONS:-600} GEN_WISHES=${BENCH_WISHES:-5000} \
    GEN_APPEALS=${BENCH_APPEALS:-8000}
if [ "$JOINS" -gt 0 ] || [ "$LEGAL" -gt 0 ]; then
    t0=$(date +%s)
    build/bench/gen "$dir/bench.db" db/migrations "$JOINS" "$LEGAL" > /dev/null
    sqlite3 "$dir/bench.db" "ANALYZE" 
    echo "database: $JOINS applications, $LEGAL legal-aid cases, $GEN_STATIONS stations," \
        "$GEN_WISHES wishes ($(sqlite3 "$dir/bench.db" "SELECT count(*) FROM wishes WHERE published_at IS NOT NULL AND public_ok = 1") on the wall)," \
        "$GEN_APPEALS appeals, $(du -m "$dir/bench.db" | cut -f1) MB, made in $(( $(date +%s) - t0 )) s"
fi
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
# Issue 11: the station list (first page, every district), a station's QR
# page (one with hours and amenities), the wish wall, the 诉求 form.
pages=("GET /" "GET /join" "GET /volunteer")
code=$(sqlite3 "$dir/bench.db" "SELECT code FROM stations s WHERE active = 1
    AND EXISTS (SELECT 1 FROM station_hours h WHERE h.station_id = s.id)
    AND EXISTS (SELECT 1 FROM station_amenities a WHERE a.station_id = s.id)
    ORDER BY id LIMIT 1 OFFSET 100" 2>/dev/null || true)
wrk_run "GET /stations" "$base/stations"
[ -n "$code" ] && wrk_run "GET /s/{code}" "$base/s/$code"
wrk_run "GET /wishes" "$base/wishes"
wrk_run "GET /appeal" "$base/appeal"
pages+=("GET /stations" "GET /wishes" "GET /appeal")
[ -n "$code" ] && pages+=("GET /s/{code}")
for extra in ${BENCH_PAGES:-}; do wrk_run "GET $extra" "$base$extra"; done

# POST /join: a new valid applicant each time, acknowledged = on disk,
# through the writer's group commit at 1, 8, 32 and 128 connections
# (BENCH_POST_CONNS), with the writer's batch sizes (tests/bench/post.sh;
# it also compares worker counts on fresh databases when run alone).
echo "POST /join (stored rows/s; every 303 checked in the database):"
RATES_OUT="$dir/post-rates" tests/bench/post.sh "$base" "$dir/bench.db"
RATE["POST /join"]=$(awk '$1 == 32 {print $2}' "$dir/post-rates")
# The limit without group commit: bare commits of the same rows, one at a
# time, into the same database (same tables and indexes, same size, same
# disk).
commits=$(build/bench/commit "$dir/bench.db" db/migrations "$DUR" | awk '{print $1}')
RATE["sqlite commit limit"]=$commits
printf '%-22s %10s commits/s (one durable transaction a row, one at a time)\n' "sqlite commit limit" "$commits"

# POST /appeal (提诉求): the same way through the writer at $CONN
# connections, a new 诉求 each; every 303 checked in the database.
atok=$(curl -fs "$base/appeal" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p')
before=$(sqlite3 "$dir/bench.db" "SELECT count(*) FROM appeals")
out=$(FORM_TOKEN=$atok REFS_FILE="$dir/appeal-refs" wrk -t"$THREADS" -c"$CONN" \
    -d"${DUR}s" --latency -s tests/bench/post_form.lua "$base/appeal" -- appeal)
after=$(sqlite3 "$dir/bench.db" "SELECT count(*) FROM appeals")
secs=$(echo "$out" | awk '/requests in/ {sub(/s,$/, "", $4); print $4}')
acked=$(wc -l < "$dir/appeal-refs")
missing=$(sqlite3 "$dir/bench.db" "CREATE TEMP TABLE acked (ref TEXT)" ".import $dir/appeal-refs acked" \
    "SELECT count(*) FROM acked WHERE ref NOT IN (SELECT ref FROM appeals)")
RATE["POST /appeal"]=$(awk -v n=$((after - before)) -v s="$secs" 'BEGIN { print n / s }')
P99["POST /appeal"]=$(echo "$out" | awk '$1 == "99%" {print $2}')
awk -v r="${RATE[POST /appeal]}" -v a="$acked" -v s="$secs" -v p="${P99[POST /appeal]}" -v m="$missing" -v c="$CONN" \
    'BEGIN { printf "%-22s %10.0f stored/s  %.0f 303/s  p99 %s at %d connections%s\n", "POST /appeal", r, a / s, p, c,
             (m > 0 ? "   " m " ACKNOWLEDGED BUT MISSING" : ", none missing") }'

echo
echo "ratios (to the FastCGI floor):"
for k in "static file" "${pages[@]}"; do
    awk -v k="$k" -v a="${RATE[$k]}" -v f="${RATE[fastcgi floor]}" -v p="${P99[$k]}" \
        'BEGIN { printf "  %-22s %.2fx   p99 %-9s (goal for pages >= 0.80x)\n", k, a / f, p }'
done
awk -v a="${RATE[POST /join]:-0}" -v f="$commits" \
    'BEGIN { printf "  %-22s %.2fx the bare single-row commits at 32 connections (goal >= 3x)\n", "POST /join", a / f }'
awk -v a="${RATE[POST /appeal]:-0}" -v f="$commits" -v j="${RATE[POST /join]:-0}" -v c="$CONN" \
    'BEGIN { printf "  %-22s %.2fx the bare single-row commits at %d connections, %.2fx POST /join\n", "POST /appeal", a / f, c, (j > 0 ? a / j : 0) }'

# ---- the staff desk on the big database ----
echo
tok=$(curl -fs -c "$dir/cj" "$base/staff/login" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p')
master=$(cat "$dir/run/zhijia.pid")
hwm() { for p in $(pgrep -x -P "$master" zhijia); do awk '/^VmHWM/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1; }
before=$(hwm)
login_s=$(curl -fs -b "$dir/cj" -c "$dir/cj" -o /dev/null -w '%{time_total}' "$base/staff/login" \
    --data-urlencode "_token=$tok" -d username=admin -d password=bench-password-1)
after=$(hwm)
cookie=$(awk '$6 == "zj_staff" {print "zj_staff=" $7}' "$dir/cj")
echo "scrypt login (N=2^15, r=8, p=3): ${login_s}s; worker peak RSS ${before} kB -> ${after} kB"
db() { sqlite3 "$dir/bench.db" "$1"; }
# Samples from the generated people, not the load test's own rows.
real="ref GLOB 'RH*' AND phone <> '13800138000'"
name=$(db "SELECT name FROM join_applications WHERE $real ORDER BY id DESC LIMIT 1 OFFSET 5000")
phone=$(db "SELECT phone FROM join_applications WHERE $real ORDER BY id DESC LIMIT 1 OFFSET 7000")
ref=$(db "SELECT ref FROM join_applications WHERE $real ORDER BY id DESC LIMIT 1 OFFSET 9000")
lname=$(db "SELECT name FROM legal_cases ORDER BY id DESC LIMIT 1 OFFSET 3000")
lref=$(db "SELECT ref FROM legal_cases ORDER BY id DESC LIMIT 1 OFFSET 3000")
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
month=$(date -u -d '-40 days' +%Y-%m-%d); month2=$(date -u -d '-10 days' +%Y-%m-%d)
printf '%-44s %9s %9s   %s\n' "staff page (1 connection, ${STAFF_SECONDS:-3}s each)" median p99 goal
staff_page() {
    local label=$1 path=$2 goal=$3 out
    out=$(wrk -t1 -c1 -d"${STAFF_SECONDS:-3}s" --latency -H "Cookie: $cookie" "$base$path")
    local p50 p99 non2xx
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    non2xx=$(echo "$out" | awk '/Non-2xx/ {print "  (" $0 ")"}')
    printf '%-44s %9s %9s   <= %s%s\n' "$label" "$p50" "$p99" "$goal" "$non2xx"
}
staff_page "dashboard /staff" "/staff" "100ms"
staff_page "入会 queue, first page" "/staff/joins" "20ms"
staff_page "入会 queue, page 20 (cursor)" "/staff/joins?before=$(db 'SELECT max(id) - 950 FROM join_applications')" "20ms"
staff_page "入会 queue, 待审核 + 快递员" "/staff/joins?status=$(enc 待审核)&kind=$(enc 快递员)" "20ms"
staff_page "入会 queue, a district" "/staff/joins?district=$(enc 海淀区)" "20ms"
staff_page "入会 queue, last 40 to 10 days" "/staff/joins?from=$month&to=$month2" "20ms"
staff_page "入会 search, name" "/staff/joins?q=$(enc "$name")" "20ms"
staff_page "入会 search, phone" "/staff/joins?q=$phone" "20ms"
staff_page "入会 search, a phone with ~30,000 rows" "/staff/joins?q=13800138000" "20ms"
staff_page "入会 search, reference" "/staff/joins?q=$ref" "20ms"
staff_page "入会 record page" "/staff/joins/$ref" "20ms"
staff_page "法律援助 queue, first page" "/staff/legal-aid" "20ms"
staff_page "法律援助 queue, 待受理 + 拖欠工资" "/staff/legal-aid?status=$(enc 待受理)&kind=$(enc 拖欠工资)" "20ms"
staff_page "法律援助 search, name" "/staff/legal-aid?q=$(enc "$lname")" "20ms"
staff_page "法律援助 search, reference" "/staff/legal-aid?q=$lref" "20ms"
staff_page "志愿服务 list" "/staff/volunteer" "20ms"
staff_page "audit log" "/staff/audit" "20ms"

# Memory: a worker's RSS after 100,000 and after 200,000 requests of GET /.
master=$(cat "$dir/run/zhijia.pid")
rss() {
    local t=0 n=0 max=0
    for p in $(pgrep -x -P "$master" zhijia); do
        local kb
        kb=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status")
        n=$((n + 1)); t=$((t + kb)); [ "$kb" -gt "$max" ] && max=$kb
    done
    local anon
    anon=$(for p in $(pgrep -x -P "$master" zhijia); do awk '/^RssAnon/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1)
    echo "max ${max} kB (private: ${anon} kB), mean $((t / (n ? n : 1))) kB over $n workers"
}
for round in 1 2; do
    # Enough requests at this rate for 100,000 in all, bounded at 120 s.
    secs=$(awk -v r="${RATE[GET /]}" 'BEGIN { s = int(100000 / r) + 2; if (s > 120) s = 120; print s }')
    wrk -t"$THREADS" -c"$CONN" -d"${secs}s" "$base/" > "$dir/mem$round.txt"
    reqs=$(awk '/requests in/ {print $1}' "$dir/mem$round.txt")
    echo "worker RSS after ~$((round * 100))k requests (this round $reqs): $(rss)"
done
