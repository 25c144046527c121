#!/usr/bin/env bash
# Cold start as Sandbench measures it vs a minimal C probe doing the same thing (bench/probe/probe.c:
# spawn with the listening socket as fd 3, send the request at once, time the first response byte),
# on the same hello binary and the same OCI bundle, in one run.
#
# The host drifts (other work, CPU frequency, caches), so the two are interleaved in many short rounds,
# each with the same warm-up, and which one goes first alternates from round to round. Each round waits
# for an idle host first (at most QUIET_WAIT s) and measures what other processes took during it.
# Per runtime it prints the pooled medians and their ratio, the median (and range) of the per-round
# ratios, which a burst of load in one round cannot move much, and the same median over the quiet
# rounds only (others took under 5% of the CPUs): on a shared 2-core host a loaded round says
# nothing (see docs/methodology.md).
#   bench/coldstart.sh [RUNTIME...]        (default: process runc)
#   env: N=measured iterations per round (20), ROUNDS (10), WARMUP=warm-ups per round (3),
#        QUIET_WAIT (30), VERBOSE=1 prints every round on stderr
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sb="$here/../sandbench"
N=${N:-20}; ROUNDS=${ROUNDS:-10}; WARMUP=${WARMUP:-3}
runtimes=("$@"); [ ${#runtimes[@]} -gt 0 ] || runtimes=(process runc)
declare -A target=([process]=1.10 [runc]=1.05 [bwrap]=1.10)

work=$(mktemp -d /tmp/sandbench-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -static -Wall -Wextra -Werror -o "$work/probe" "$here/probe/probe.c"
hello=$("$sb" artifact hello --oci-bundle "$work/bundle" | awk '$1 == "binary" { print $2 }')
rootfs=$("$sb" artifact hello | awk '$1 == "rootfs" { print $2 }')
# The wrapper has published by now; the rounds run the binary itself, so no build runs beside them.
sb="$here/../artifacts/sandbench/sandbench"

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

probe_cmd() {
  case "$1" in
    process) echo "-- $hello" ;;
    bwrap) echo "-- bwrap --ro-bind $rootfs / --proc /proc --dev /dev --tmpfs /tmp --unshare-all --share-net /bin/hello" ;;
    runc) echo "--teardown runc_delete -- runc create --bundle $work/bundle --preserve-fds 1 sbp-{i} --- runc start sbp-{i}" ;;
    *) echo "unsupported runtime for the probe: $1" >&2; exit 2 ;;
  esac
}

# One round of the probe: measured samples (ns) appended to $2.
run_probe() {
  local rt=$1 out=$2 args
  args=$(probe_cmd "$rt")
  if [[ "$args" == --teardown* ]]; then
    # runc: the teardown deletes the container of iteration {i}, untimed.
    # shellcheck disable=SC2086
    "$work/probe" --iterations "$N" --warmup "$WARMUP" --teardown "runc delete -f sbp-{i}" ${args#--teardown runc_delete } \
      2>/dev/null | grep -v '^warmup' >> "$out"
  else
    # shellcheck disable=SC2086
    "$work/probe" --iterations "$N" --warmup "$WARMUP" $args 2>/dev/null | grep -v '^warmup' >> "$out"
  fi
}

# One round of Sandbench: measured samples (ns) appended to $2.
run_sandbench() {
  local rt=$1 out=$2 db="$work/round.db"
  rm -f "$db" "$db-wal" "$db-shm"
  "$sb" coldstart --runtimes "$rt" -n "$N" --warmup "$WARMUP" --db "$db" > /dev/null
  sqlite3 "$db" "SELECT s.value FROM samples s JOIN trials t ON t.id = s.trial_id
    WHERE s.metric = 'coldstart_ns' AND t.warmup = 0 AND t.status = 'ok' AND t.runtime = '$rt'" >> "$out"
}

# CPU time of the whole host (all CPUs, clock ticks) and of our finished children: their difference over
# a round is what other processes took. A round starts once the host has been idle for half a second
# (waiting at most QUIET_WAIT seconds), and counts as quiet if others took under 5% of the CPUs.
host_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
our_ticks() { awk '{ print $16 + $17 }' /proc/$$/stat; }
wait_quiet() {
  local end=$((SECONDS + ${QUIET_WAIT:-30})) a b
  while (( SECONDS < end )); do
    a=$(host_ticks); sleep 0.5; b=$(host_ticks)
    (( b - a <= 2 )) && return 0
  done
  return 0 # busy all along: measure anyway, the round's load says so
}
cpus=$(nproc)

printf '%-8s %6s %12s %14s %8s %20s %20s %8s\n' runtime n "probe p50" "sandbench p50" ratio "round ratio (range)" "quiet rounds: ratio" target
for rt in "${runtimes[@]}"; do
  : > "$work/probe-$rt.ns"; : > "$work/sb-$rt.ns"; : > "$work/ratios-$rt"; : > "$work/quiet-$rt"
  for round in $(seq "$ROUNDS"); do
    : > "$work/p.ns"; : > "$work/s.ns"
    wait_quiet
    h0=$(host_ticks); o0=$(our_ticks); t0=$(date +%s%N)
    if (( round % 2 )); then run_probe "$rt" "$work/p.ns"; run_sandbench "$rt" "$work/s.ns"
    else run_sandbench "$rt" "$work/s.ns"; run_probe "$rt" "$work/p.ns"; fi
    h1=$(host_ticks); o1=$(our_ticks); t1=$(date +%s%N)
    cat "$work/p.ns" >> "$work/probe-$rt.ns"; cat "$work/s.ns" >> "$work/sb-$rt.ns"
    # Others' share of the CPUs during the round (ticks are 1/100 s).
    load=$(awk -v h=$((h1 - h0)) -v o=$((o1 - o0)) -v t=$((t1 - t0)) -v c="$cpus" 'BEGIN { v = (h - o) / (t / 1e7 * c); print v < 0 ? 0 : v }')
    ratio=$(awk -v p="$(median < "$work/p.ns")" -v s="$(median < "$work/s.ns")" 'BEGIN { print s / p }')
    echo "$ratio" >> "$work/ratios-$rt"
    awk -v l="$load" 'BEGIN { exit !(l < 0.05) }' && echo "$ratio" >> "$work/quiet-$rt"
    [ -z "${VERBOSE:-}" ] || echo "$rt round $round ($( (( round % 2 )) && echo probe first || echo sandbench first)): probe $(median < "$work/p.ns") sandbench $(median < "$work/s.ns") ratio $ratio, others' load $load" >&2
  done
  p=$(median < "$work/probe-$rt.ns"); s=$(median < "$work/sb-$rt.ns"); r=$(median < "$work/ratios-$rt")
  lo=$(sort -n "$work/ratios-$rt" | head -1); hi=$(sort -n "$work/ratios-$rt" | tail -1)
  n=$(wc -l < "$work/probe-$rt.ns"); k=$(wc -l < "$work/quiet-$rt"); q=$(median < "$work/quiet-$rt" || echo 0)
  awk -v rt="$rt" -v n="$n" -v p="$p" -v s="$s" -v r="$r" -v lo="$lo" -v hi="$hi" -v k="$k" -v q="$q" -v R="$ROUNDS" -v t="${target[$rt]:-}" \
    'BEGIN { printf "%-8s %6d %9.3f ms %11.3f ms %8.3f %6.3f (%.2f-%.2f) %7s %12s %8s\n", rt, n, p / 1e6, s / 1e6, s / p, r, lo, hi,
             k "/" R, (k ? sprintf("%.3f", q) : "-"), (t == "" ? "-" : "<= " t) }'
done
