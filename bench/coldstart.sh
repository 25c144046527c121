#!/usr/bin/env bash
# Cold start as Sandbench measures it vs a minimal C probe doing the same thing (bench/probe/probe.c:
# spawn with the listening socket as fd 3, send the request at once, time the first response byte),
# on the same hello binary and the same OCI bundle, in one run. Rounds alternate between the two so
# drift of the host hits both alike. Prints the medians and their ratio per runtime.
#   bench/coldstart.sh [RUNTIME...]        (default: process runc)   env: N=iterations per round, ROUNDS, WARMUP
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sb="$here/../sandbench"
N=${N:-40}; ROUNDS=${ROUNDS:-3}; WARMUP=${WARMUP:-3}
runtimes=("$@"); [ ${#runtimes[@]} -gt 0 ] || runtimes=(process runc)
declare -A target=([process]=1.10 [runc]=1.05 [bwrap]=1.10)

work=$(mktemp -d /tmp/sandbench-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
gcc -O2 -static -Wall -Wextra -Werror -o "$work/probe" "$here/probe/probe.c"
hello=$("$sb" artifact hello --oci-bundle "$work/bundle" | awk '$1 == "binary" { print $2 }')
rootfs=$("$sb" artifact hello | awk '$1 == "rootfs" { print $2 }')

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

probe_cmd() {
  case "$1" in
    process) echo "-- $hello" ;;
    bwrap) echo "-- bwrap --ro-bind $rootfs / --proc /proc --dev /dev --tmpfs /tmp --unshare-all --share-net /bin/hello" ;;
    runc) echo "--teardown runc_delete -- runc create --bundle $work/bundle --preserve-fds 1 sbp-{i} --- runc start sbp-{i}" ;;
    *) echo "unsupported runtime for the probe: $1" >&2; exit 2 ;;
  esac
}

printf '%-8s %8s %12s %14s %8s %8s\n' runtime n "probe p50" "sandbench p50" ratio target
for rt in "${runtimes[@]}"; do
  : > "$work/probe-$rt.ns"
  for round in $(seq "$ROUNDS"); do
    args=$(probe_cmd "$rt")
    if [[ "$args" == --teardown* ]]; then
      # runc: the teardown deletes the container of iteration {i}, untimed.
      "$work/probe" --iterations "$N" --warmup "$WARMUP" --teardown "runc delete -f sbp-{i}" ${args#--teardown runc_delete } \
        2>/dev/null | grep -v '^warmup' >> "$work/probe-$rt.ns"
    else
      # shellcheck disable=SC2086
      "$work/probe" --iterations "$N" --warmup "$WARMUP" $args 2>/dev/null | grep -v '^warmup' >> "$work/probe-$rt.ns"
    fi
    "$sb" coldstart --runtimes "$rt" -n "$N" --warmup "$WARMUP" --db "$work/sandbench.db" > /dev/null
  done
  p=$(median < "$work/probe-$rt.ns")
  s=$(sqlite3 "$work/sandbench.db" "SELECT s.value FROM samples s JOIN trials t ON t.id = s.trial_id
        WHERE s.metric = 'coldstart_ns' AND t.warmup = 0 AND t.status = 'ok' AND t.runtime = '$rt'" | median)
  n=$(wc -l < "$work/probe-$rt.ns")
  awk -v rt="$rt" -v n="$n" -v p="$p" -v s="$s" -v t="${target[$rt]:-}" \
    'BEGIN { printf "%-8s %8d %9.3f ms %11.3f ms %8.3f %8s\n", rt, n, p / 1e6, s / 1e6, s / p, (t == "" ? "-" : "<= " t) }'
done
