#!/usr/bin/env bash
# Peak memory of one claimdesk process under a burst of sign-ins: a throwaway database with
# 100 users, one server process, 100 sign-ins sent at once (each from its own forwarded
# address, so the throttle lets all through), then the process's peak resident set (VmHWM).
#   scripts/login_rss.sh [HASH_CONCURRENCY=cores] [BIN=target/release/claimdesk]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${2:-target/release/claimdesk}
hash_args=()
[ -n "${1:-}" ] && hash_args=(--hash-concurrency "$1")
db=claimdesk_rss_$$
url=postgres://localhost/$db
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  psql -q -h localhost -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}
trap cleanup EXIT
psql -q -h localhost -d postgres -c "CREATE DATABASE $db" >/dev/null
DATABASE_URL=$url CLAIMDESK_PASSWORD='rss measurement passphrase' \
  "$bin" user create --username u0 --role reviewer >/dev/null 2>&1
psql -q -h localhost -d "$db" -c \
  "INSERT INTO users (username, password_hash, role)
   SELECT 'u' || g, (SELECT password_hash FROM users WHERE username = 'u0'), 'reviewer'
   FROM generate_series(1, 99) g" >/dev/null
DATABASE_URL=$url CLAIMDESK_WORKERS=2 RUST_LOG=warn "$bin" serve --bind 127.0.0.1:$port \
  --trust-proxy "${hash_args[@]}" 2>/dev/null &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
before=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
python3 - "$port" <<'PY'
import sys, threading, time, urllib.request, urllib.parse, secrets, http.client
port = int(sys.argv[1])
codes = []
def sign_in(i):
    token = secrets.token_hex(32)
    body = urllib.parse.urlencode({"csrf_token": token, "username": f"u{i}",
                                   "password": "rss measurement passphrase"})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/login", body, {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"claimdesk_login={token}",
        "X-Forwarded-For": f"10.0.{i // 250}.{i % 250 + 1}"})
    codes.append(conn.getresponse().status)
start = time.time()
threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(100)]
for t in threads: t.start()
for t in threads: t.join()
print(f"100 sign-ins in {time.time() - start:.1f} s; statuses: { {c: codes.count(c) for c in set(codes)} }")
PY
peak=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
echo "resident before: $((before / 1024)) MiB; peak: $((peak / 1024)) MiB"
