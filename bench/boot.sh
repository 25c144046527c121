#!/usr/bin/env bash
# Sandbench's QEMU boot figure (time to run: spawn -> QEMU exited after the guest powered off) vs the
# same QEMU command line timed by hyperfine, in one run. The command line is the one Sandbench stored
# with its trials, minus -S (hyperfine's QEMU boots at once instead of waiting for QMP 'cont'), with
# the socket paths moved to a directory of this bench. Rounds alternate between the two so drift of
# the host hits both alike. Prints the medians and their ratio (target <= 1.05).
#   bench/boot.sh [RUNTIME]        (default: qemu)   env: N=boots per round, ROUNDS, WARMUP
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sb="$here/../sandbench"
N=${N:-5}; ROUNDS=${ROUNDS:-3}; WARMUP=${WARMUP:-1}
rt=${1:-qemu}
command -v hyperfine >/dev/null || { echo "hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }

work=$(mktemp -d /tmp/sandbench-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: > "$work/hyperfine.ns"
for round in $(seq "$ROUNDS"); do
  "$sb" boot --runtimes "$rt" -n "$N" --warmup "$WARMUP" --db "$work/sandbench.db" > /dev/null
  # The command of this round's last successful trial, with its (removed) trial directory replaced.
  cmd=$(sqlite3 "$work/sandbench.db" "SELECT json_extract(parameters, '\$.command') FROM trials
        WHERE experiment = 'boot' AND status = 'ok' AND runtime = '$rt' ORDER BY id DESC LIMIT 1")
  [ -n "$cmd" ] || { echo "no successful boot trial to take the command line from" >&2; exit 1; }
  trial_dir=$(grep -o -- '-qmp unix:[^ ]*/qmp.sock' <<< "$cmd" | sed -e 's/^-qmp unix://' -e 's#/qmp.sock$##')
  mkdir -p "$work/vm"
  cmd=${cmd//"$trial_dir"/"$work/vm"}
  cmd=${cmd/ -S / }
  hyperfine --style none --warmup "$WARMUP" --runs "$N" --export-json "$work/h.json" \
    --prepare "rm -f $work/vm/qmp.sock $work/vm/serial.sock" "$cmd" > /dev/null
  jq -r '.results[0].times[] | . * 1e9' "$work/h.json" >> "$work/hyperfine.ns"
done
h=$(median < "$work/hyperfine.ns")
s=$(sqlite3 "$work/sandbench.db" "SELECT s.value FROM samples s JOIN trials t ON t.id = s.trial_id
      WHERE s.metric = 'run_ns' AND t.warmup = 0 AND t.status = 'ok' AND t.runtime = '$rt'" | median)
b=$(sqlite3 "$work/sandbench.db" "SELECT s.value FROM samples s JOIN trials t ON t.id = s.trial_id
      WHERE s.metric = 'boot_ns' AND t.warmup = 0 AND t.status = 'ok' AND t.runtime = '$rt'" | median)
n=$(wc -l < "$work/hyperfine.ns")
printf '%-8s %6s %16s %16s %16s %8s %8s\n' runtime n "hyperfine p50" "sandbench run" "sandbench boot" ratio target
awk -v rt="$rt" -v n="$n" -v h="$h" -v s="$s" -v b="$b" \
  'BEGIN { printf "%-8s %6d %13.1f ms %13.1f ms %13.1f ms %8.3f %8s\n", rt, n, h / 1e6, s / 1e6, b / 1e6, s / h, "<= 1.05" }'
