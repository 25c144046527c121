#!/usr/bin/env bash
# `sandbench load` against its peers, on the same servers on 127.0.0.1, in one run:
#  1. closed loop, 32 connections, against hello and against Debian's nginx (own config, one worker,
#     a 6-byte file): wrk (-t2 -c32) and `sandbench load --closed --concurrency 32`, interleaved in
#     ROUNDS rounds (which goes first alternates); prints req/s of each and the ratio of the medians
#     (target >= 1.0), and hey (-c 32) as a second peer;
#  2. open loop at RATE req/s for OPEN s: achieved rate vs target (target within 1%), late, dropped, lag.
#  3. a server that answers after a fixed 10 ms (bench/delay.c, thread per connection) at 200 req/s:
#     corrected p50 vs 10 ms (target within 0.2 ms).
# wrk and hey come from Debian (scripts/install-deps installs them). The host has 2 cores: the server,
# the generator and anything else running compete, so look at the per-round figures too.
#   env: ROUNDS (3), SECONDS_PER_RUN (5), RATE (5000), OPEN (10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS=${ROUNDS:-3}; D=${SECONDS_PER_RUN:-5}; RATE=${RATE:-5000}; OPEN=${OPEN:-10}
for tool in wrk hey gcc python3 nginx; do command -v $tool >/dev/null || { echo "error: $tool is not installed" >&2; exit 2; }; done
hello=$("$here/../sandbench" artifact hello | awk '$1 == "binary" { print $2 }')
sb="$here/../artifacts/sandbench/sandbench" # published by the wrapper above; no build runs beside the rounds
work=$(mktemp -d /tmp/sandbench-load-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
PORT=$port "$hello" > "$work/hello.log" 2>&1 & pids+=($!)
until grep -q sandbench-ready "$work/hello.log"; do read -rt 0.05 <> <(:) || true; done
url="http://127.0.0.1:$port/"

sandbench_closed() { "$sb" load "$1" --closed --concurrency 32 --duration "${D}s" --json 2>/dev/null | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["achievedRate"]))'; }
wrk_closed() { wrk -t2 -c32 -d"${D}s" "$1" | awk '/^Requests\/sec/ { printf "%d\n", $2 }'; }
hey_closed() { hey -c 32 -z "${D}s" "$1" | awk '/Requests\/sec/ { printf "%d\n", $2 }'; }

closed_loop() { # NAME URL
  echo "== closed loop against $1, 32 connections, ${D}s per run, $ROUNDS rounds ($2)"
  local sbs=() wrks=() a b h i
  for ((i = 0; i < ROUNDS; i++)); do
    if ((i % 2 == 0)); then a=$(sandbench_closed "$2"); b=$(wrk_closed "$2"); else b=$(wrk_closed "$2"); a=$(sandbench_closed "$2"); fi
    sbs+=("$a"); wrks+=("$b")
    echo "round $((i + 1)): sandbench $a req/s, wrk $b req/s, ratio $(python3 -c "print(f'{$a/$b:.3f}')")"
  done
  h=$(hey_closed "$2")
  python3 - "${sbs[*]}" "${wrks[*]}" "$h" <<'PY'
import statistics, sys
s = [int(x) for x in sys.argv[1].split()]; w = [int(x) for x in sys.argv[2].split()]; h = int(sys.argv[3])
ms, mw = statistics.median(s), statistics.median(w)
print(f"median: sandbench {ms:.0f} req/s, wrk {mw:.0f} req/s, ratio {ms / mw:.3f} (target >= 1.0); hey {h} req/s, sandbench/hey {ms / h:.2f}")
PY
}

# Debian's nginx with a config of its own: loopback only, one worker, no logs, every file in $work.
nport=$((port + 2))
mkdir -p "$work/nginx/html" "$work/nginx/tmp" && printf 'hello\n' > "$work/nginx/html/index.html"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp; fastcgi_temp_path $work/nginx/tmp;
  uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
  server { listen 127.0.0.1:$nport; root $work/nginx/html; } }
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" & pids+=($!)
for ((tries = 0; tries < 200; tries++)); do (exec 3<>"/dev/tcp/127.0.0.1/$nport") 2>/dev/null && break; read -rt 0.05 <> <(:) || true; done

closed_loop hello "$url"
closed_loop nginx "http://127.0.0.1:$nport/"

echo "== open loop at $RATE req/s for ${OPEN}s, 32 connections"
"$sb" load "$url" --rate "$RATE" --duration "${OPEN}s" --connections 32 --json 2>/dev/null > "$work/open.json"
python3 - "$work/open.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); t = r['targetRate']; a = r['achievedRate']
print(f"achieved {a:.1f} req/s of {t:g} ({(a / t - 1) * 100:+.2f}%, target within 1%), completed {r['completed']}/{r['scheduled']}, "
      f"errors {r['errors']}, late {r['late']}, dropped {r['dropped']}")
for k in ('corrected', 'uncorrected', 'lag'):
    v = r[k]; print(f"  {k:12} p50 {v['p50']:.3f} ms  p99 {v['p99']:.3f} ms  max {v['max']:.3f} ms")
PY

echo "== fixed 10 ms delay server, open loop at 200 req/s for ${D}s, 32 connections"
gcc -O2 -Wall -Wextra -Werror -pthread -o "$work/delay" "$here/delay.c"
dport=$((port + 1))
# The server spins the last 300 us before each deadline (its timer overshoots otherwise); at nice 19 that spin
# yields to the generator's dispatcher on 2 cores instead of delaying its sends (lag p90 0.27 ms at nice 0).
nice -n 19 "$work/delay" "$dport" > "$work/delay.log" 2>&1 & pids+=($!)
until grep -q ready "$work/delay.log"; do read -rt 0.05 <> <(:) || true; done
"$sb" load "http://127.0.0.1:$dport/" --rate 200 --duration "${D}s" --connections 32 --json 2>/dev/null > "$work/delay.json"
python3 - "$work/delay.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); c = r['corrected']; u = r['uncorrected']
print(f"corrected p50 {c['p50']:.3f} ms ({c['p50'] - 10:+.3f} ms vs 10 ms, target within 0.2), p99 {c['p99']:.3f} ms; "
      f"uncorrected p50 {u['p50']:.3f} ms; lag p90 {r['lag']['p90']:.3f} ms; errors {r['errors']}")
PY
echo "wrk on the same server (closed loop, 32 connections): p50 $(wrk -t2 -c32 -d"${D}s" --latency "http://127.0.0.1:$dport/" | awk '$1 == "50%" { print $2 }')"
