#!/usr/bin/env bash
# Webhook throughput: N deliveries queued at once in a throwaway database, sent by PROCS
# `claimdesk serve` processes to a receiver on loopback (Python's threaded http.server, answering
# 200). Prints the time from the commit of the queue to the last delivery recorded, and
# deliveries per second. Each delivery is claimed under a lease, checked against the address
# guard, signed, POSTed and recorded, as in production.
#   scripts/webhook_bench.sh [N=3000] [BIN=target/release/claimdesk] [PROCS=1] [CONCURRENCY=16]
# PORT_BASE=P puts the receiver on port P and the servers on P+1, P+2, … (default: free ports).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3000}
bin=${2:-target/release/claimdesk}
procs=${3:-1}
concurrency=${4:-16}
db=claimdesk_hooks_$$
url=postgres://localhost/$db
# free_port K: port K of the run (0 the receiver, 1… the servers).
free_port() {
  if [ -n "${PORT_BASE:-}" ]; then echo $((PORT_BASE + $1)); return; fi
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  psql -q -h localhost -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}
trap cleanup EXIT
psql -q -h localhost -d postgres -c "CREATE DATABASE $db" >/dev/null
DATABASE_URL=$url "$bin" migrate >/dev/null 2>&1

hook_port=$(free_port 0)
python3 - "$hook_port" <<'PY' &
import http.server, sys
class Hook(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer.request_queue_size = 1024
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
pids+=($!)

for i in $(seq 1 "$procs"); do
  port=$(free_port "$i")
  DATABASE_URL=$url RUST_LOG=warn "$bin" serve --bind "127.0.0.1:$port" --fetch-allow-loopback \
    --webhook-concurrency "$concurrency" --webhook-poll-ms 50 >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
done

secret=whsec_$(python3 -c 'import base64,os;print(base64.b64encode(os.urandom(32)).decode())')
psql -q -h localhost -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO webhook_endpoints (url, secret, events)
  VALUES ('http://127.0.0.1:$hook_port/hook', '$secret', ARRAY['claim.created']);
SQL
start=$(date +%s.%N)
psql -q -h localhost -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO webhook_deliveries (endpoint_id, message_id, event, body, next_attempt_at, created_at)
  SELECT 1, 'msg_' || g, 'claim.created',
         json_build_object('type', 'claim.created', 'timestamp', now(),
           'data', json_build_object('id', g, 'article_id', 1 + g % 100,
             'text', 'The ministry said it received ' || g || ' coastal batteries from Eastland in March 2024.',
             'category', 'arms', 'state', 'extracted', 'version', 0, 'score', 0.8))::text,
         now(), now()
  FROM generate_series(1, $n) g;
SQL
while :; do
  left=$(psql -qtA -h localhost -d "$db" -c "SELECT count(*) FROM webhook_deliveries WHERE status <> 'delivered'")
  [ "$left" = 0 ] && break
  sleep 0.05
done
end=$(date +%s.%N)
attempts=$(psql -qtA -h localhost -d "$db" -c "SELECT sum(attempts) FROM webhook_deliveries")
python3 - "$n" "$start" "$end" "$attempts" "$procs" "$concurrency" <<'PY'
import sys
n, start, end, attempts, procs, conc = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
took = end - start
print(f"{n} deliveries ({attempts} attempts), {procs} process(es) x {conc} at once: {took:.2f} s, {n / took:.0f} deliveries/s")
PY
