#!/usr/bin/env bash
# What CloudEvents cost the generator, and the delivery latency `sandbench sink` measures, on 127.0.0.1:
#  1. closed loop against hello, 32 connections, ROUNDS rounds (the order rotates each round):
#     plain GET; `--cloudevents binary`; `--cloudevents structured`; and a fixed POST with the bytes of one
#     structured event (same size, nothing stamped), so the generator's own cost of stamping shows apart from
#     what the larger request costs the server. Prints req/s per round and the ratio of medians to plain GET.
#  2. `sandbench load --cloudevents MODE --rate RATE` into `sandbench sink`, both modes: delivery latency
#     (received − sent, CLOCK_MONOTONIC) p50/p90/p99/p99.9/max, events received vs sent.
# The host has 2 cores: generator, server and anything else running compete; read the per-round figures too.
#   env: ROUNDS (3), SECONDS_PER_RUN (5), RATE (1000), EVENT_SECONDS (10)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROUNDS=${ROUNDS:-3}; D=${SECONDS_PER_RUN:-5}; RATE=${RATE:-1000}; ED=${EVENT_SECONDS:-10}
command -v python3 >/dev/null || { echo "error: python3 is not installed" >&2; exit 2; }
hello=$("$here/../sandbench" artifact hello | awk '$1 == "binary" { print $2 }')
sb="$here/../artifacts/sandbench/sandbench" # published by the wrapper above; no build runs beside the rounds
work=$(mktemp -d /tmp/sandbench-ce-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port=$((20000 + RANDOM % 20000))
PORT=$port "$hello" > "$work/hello.log" 2>&1 & pids+=($!)
until grep -q sandbench-ready "$work/hello.log"; do read -rt 0.05 <> <(:) || true; done
url="http://127.0.0.1:$port/"

# One structured event as the generator sends it, captured by a sink-less listener: its body and content type.
python3 - "$work/event.json" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1] + ".port", "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); data = b""
while b"\r\n\r\n" not in data: data += c.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
length = int([l.split(b":", 1)[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
while len(body) < length: body += c.recv(65536)
c.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); c.close()
open(sys.argv[1], "wb").write(body)
PY
capture=$!
until [ -s "$work/event.json.port" ]; do read -rt 0.05 <> <(:) || true; done
"$sb" load "http://127.0.0.1:$(cat "$work/event.json.port")/" --cloudevents structured --rate 1 --duration 1s --connections 1 --json > /dev/null 2>&1
wait "$capture"

closed() { # variant -> req/s
  local args=()
  case "$1" in
    plain) ;;
    binary|structured) args=(--cloudevents "$1") ;;
    fixed) args=(-X POST -H 'Content-Type: application/cloudevents+json; charset=utf-8' --body "$(cat "$work/event.json")") ;;
  esac
  "$sb" load "$url" --closed --concurrency 32 --duration "${D}s" "${args[@]}" --json 2>/dev/null |
    python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["errors"] == 0, r["errorsByKind"]; print(round(r["achievedRate"]))'
}

variants=(plain binary structured fixed)
echo "== closed loop against hello (127.0.0.1:$port), 32 connections, ${D}s per run, $ROUNDS rounds"
declare -A results
for ((i = 0; i < ROUNDS; i++)); do
  line="round $((i + 1)):"
  for ((j = 0; j < ${#variants[@]}; j++)); do
    v=${variants[(i + j) % ${#variants[@]}]}
    r=$(closed "$v"); results[$v]+="$r "; line+=" $v $r"
  done
  echo "$line req/s"
done
python3 - "${results[plain]}" "${results[binary]}" "${results[structured]}" "${results[fixed]}" <<'PY'
import statistics, sys
plain, binary, structured, fixed = (statistics.median(int(x) for x in a.split()) for a in sys.argv[1:5])
print(f"median req/s: plain GET {plain:.0f}, binary {binary:.0f} ({binary / plain:.3f}x), structured {structured:.0f} ({structured / plain:.3f}x), "
      f"fixed POST of a structured event's bytes {fixed:.0f} ({fixed / plain:.3f}x); structured/fixed {structured / fixed:.3f} (the cost of stamping)")
PY

for mode in binary structured; do
  echo "== $mode events at $RATE/s for ${ED}s into sandbench sink"
  sport=$((port + 1))
  "$sb" sink --port "$sport" --duration "$((ED + 30))s" --count "$((RATE * ED))" --db "$work/sink.db" --label "$mode-direct" --json > "$work/sink-$mode.json" 2> "$work/sink-$mode.err" & spid=$!; pids+=($spid)
  until grep -q listening "$work/sink-$mode.err"; do read -rt 0.05 <> <(:) || true; done
  "$sb" load "http://127.0.0.1:$sport/" --cloudevents "$mode" --rate "$RATE" --duration "${ED}s" --connections 8 --json > "$work/load-$mode.json" 2>/dev/null
  wait "$spid"
  python3 - "$work/sink-$mode.json" "$work/load-$mode.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); l = json.load(open(sys.argv[2])); d = s["delivery"]
print(f"sent {l['completed']} (202: {l['statusCodes'].get('202', 0)}), sink received {s['events']} events at {s['eventsPerSecond']:.1f}/s "
      f"(invalid {s['invalid']}, duplicates {s['duplicates']}, untimed {s['untimed']}), ended by {s['endedBy']}")
print(f"  delivery p50 {d['p50'] * 1000:.1f} us  p90 {d['p90'] * 1000:.1f} us  p99 {d['p99'] * 1000:.1f} us  "
      f"p99.9 {d['p999'] * 1000:.1f} us  max {d['max']:.3f} ms  (generator's own request latency p50 {l['uncorrected']['p50'] * 1000:.1f} us)")
PY
done
