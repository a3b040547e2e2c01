#!/usr/bin/env bash
# Serve Zhijia on 127.0.0.1:PORT with a real nginx and `zhijia serve`, in
# the foreground; Ctrl-C (or SIGTERM) stops both and leaves nothing behind.
# Used by `make run`, the HTTP tests and the benchmark.
#
#   deploy/local.sh PORT RUNDIR DB
# Environment: ZHIJIA_WORKERS (default: 8 x cores), NGINX_WORKERS (1),
# POST_RATE (30r/m), POST_BURST (20), LOGIN_RATE and LOGIN_BURST (POST /staff/login
# per address: 10r/m and 5, or POST_RATE and POST_BURST when those are set), ACCESS_LOG (off), NGINX_EXTRA_FILE (a file
# of extra server-block directives, for the benchmark), ZHIJIA_* as in README.
set -euo pipefail
port=${1:?port}; run=${2:?rundir}; db=${3:?db}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$run" "$(dirname "$db")"
run=$(cd "$run" && pwd)
# nginx workers (nobody, when started as root) must reach the socket.
chmod 755 "$run"
sock="$run/zhijia.sock"
bin=${ZHIJIA_BIN:-$top/build/zhijia}

user=""
if [ "$(id -u)" = 0 ]; then user="user nobody nogroup;"; fi
sed -e "s|@USER@|$user|" -e "s|@RUN@|$run|g" -e "s|@TOP@|$top|g" \
    -e "s|@PORT@|$port|g" -e "s|@SOCK@|$sock|g" \
    -e "s|@NGINX_WORKERS@|${NGINX_WORKERS:-1}|" \
    -e "s|@POST_RATE@|${POST_RATE:-30r/m}|" -e "s|@POST_BURST@|${POST_BURST:-20}|" \
    -e "s|@LOGIN_RATE@|${LOGIN_RATE:-${POST_RATE:-10r/m}}|" \
    -e "s|@LOGIN_BURST@|${LOGIN_BURST:-${POST_BURST:-5}}|" \
    -e "s|@ACCESS_LOG@|${ACCESS_LOG:-off}|" \
    -e "s|@EXTRA@|${NGINX_EXTRA_FILE:+include $NGINX_EXTRA_FILE;}|" \
    "$top/deploy/nginx-local.conf.in" > "$run/nginx.conf"

# A socket left by a killed run would pass the check below at once.
rm -f "$sock"
zpid=""; npid=""
stop() {
    trap - INT TERM EXIT
    # nginx first: it finishes every request it took, zhijia still
    # serving them; then zhijia finishes what it holds.
    if [ -n "$npid" ] && kill -QUIT "$npid" 2>/dev/null; then
        wait "$npid" 2>/dev/null || true
    fi
    [ -n "$zpid" ] && kill -TERM "$zpid" 2>/dev/null
    wait 2>/dev/null
    exit "${1:-0}"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

workers=()
[ -n "${ZHIJIA_WORKERS:-}" ] && workers=(--workers "$ZHIJIA_WORKERS")
"$bin" serve --socket "$sock" --db "$db" --socket-mode 0666 "${workers[@]}" &
zpid=$!
echo "$zpid" > "$run/zhijia.pid"
for _ in $(seq 100); do
    [ -S "$sock" ] && break
    kill -0 "$zpid" 2>/dev/null || { echo "zhijia serve failed to start" >&2; zpid=""; stop 1; }
    sleep 0.1
done
[ -S "$sock" ] || { echo "zhijia serve did not open $sock" >&2; stop 1; }

nginx -p "$run" -c "$run/nginx.conf" -g 'daemon off;' &
npid=$!
echo "Zhijia 职工之家: http://127.0.0.1:$port/  (Ctrl-C stops)"
# Whichever of the two ends first ends both.
wait -n "$zpid" "$npid" || true
stop 1
