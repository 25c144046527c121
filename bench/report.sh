#!/usr/bin/env bash
# 'sandbench report' over a results file with 1,000,000 samples (issue: under 3 s), against peers that
# read the same run in the same rounds: 'sandbench show' (the same statistics as tables, no figures),
# 'sandbench export --format csv' (every row of the run), and sqlite3 reading every sample and phase of
# the run once (the floor: what any tool must read). The file is built by a real 'sandbench coldstart'
# (so the schema is the tool's own) plus one synthetic run made with SQL: 200,000 cold-start trials
# (2 samples, 7 phases each) and 100,000 boot trials (6 samples, 5 phases, 10 memory readings each) over
# five runtimes, and an hour of host readings. Rounds alternate the order of the tools. Prints the medians
# and the ratios of report to each peer.
#   bench/report.sh        env: ROUNDS (default 3), KEEP=1 keeps the results file and the report
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sb="$here/../sandbench"
ROUNDS=${ROUNDS:-3}
command -v sqlite3 >/dev/null || { echo "sqlite3 not found (apt-get install sqlite3)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d /tmp/sandbench-bench-XXXXXX)
[ "${KEEP:-0}" = 1 ] && echo "keeping $work" >&2 || trap 'rm -rf "$work"' EXIT
db="$work/results.db"
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

"$sb" --help > /dev/null # build first, outside any timing; then the binary itself, so no rebuild check runs inside a timing
sb="$here/../artifacts/sandbench/sandbench"
"$sb" coldstart --runtimes process -n 5 --warmup 1 --db "$db" > /dev/null
small=$(sqlite3 "$db" "SELECT id FROM runs LIMIT 1")
run=b1g00000
start=$(date +%s%N)
sqlite3 "$db" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO runs VALUES ('$run', 'bench-1m', '0000000000000000', 'name: bench-1m', '2026-01-01T00:00:00.0000000+00:00',
  '2026-01-01T01:00:00.0000000+00:00', 'completed', 'bench');
INSERT INTO environment VALUES ('$run', 'cpu.model', 'synthetic');
CREATE TEMP TABLE rt(k INTEGER PRIMARY KEY, name TEXT, ms REAL);
INSERT INTO rt VALUES (0, 'process', 2.2), (1, 'bwrap', 10.1), (2, 'runc', 72.0), (3, 'runsc', 253.5), (4, 'qemu', 2191.8);
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299999)
INSERT INTO trials (run_id, experiment, runtime, workload, parameters, iteration, warmup, status, error, readiness,
                    readiness_resolution_ns, started_utc, origin_ns)
SELECT '$run', CASE WHEN i < 200000 THEN 'coldstart' ELSE 'boot' END, (SELECT name FROM rt WHERE k = i % 5), 'hello', '{}',
       i / 5, 0, 'ok', NULL, CASE WHEN i < 200000 THEN 'socket' ELSE 'none' END, 0, '2026-01-01T00:00:00.0000000+00:00', i * 10000000
FROM n;
-- A spread of +-20% around each runtime's figure (random(): the values do not matter, their count does).
INSERT INTO samples SELECT t.id, 'coldstart_ns', rt.ms * 1e6 * (0.8 + (abs(random()) % 4000) / 10000.0)
  FROM trials t JOIN rt ON rt.name = t.runtime WHERE t.run_id = '$run' AND t.experiment = 'coldstart';
INSERT INTO samples SELECT t.id, 'artifact_bytes', 800000 FROM trials t WHERE t.run_id = '$run' AND t.experiment = 'coldstart';
INSERT INTO phases SELECT s.trial_id, p.name, CAST(p.f * s.value AS INTEGER)
  FROM samples s JOIN trials t ON t.id = s.trial_id
  JOIN (SELECT 'spawn' AS name, 0.0 AS f UNION ALL SELECT 'request-sent', -0.01 UNION ALL SELECT 'created', 0.55 UNION ALL SELECT 'started', 0.8
        UNION ALL SELECT 'listening', 0.97 UNION ALL SELECT 'first-byte', 1.0 UNION ALL SELECT 'done', 1.6) p
  WHERE t.run_id = '$run' AND s.metric = 'coldstart_ns';
INSERT INTO samples SELECT t.id, 'run_ns', rt.ms * 1.05e6 * (0.8 + (abs(random()) % 4000) / 10000.0)
  FROM trials t JOIN rt ON rt.name = t.runtime WHERE t.run_id = '$run' AND t.experiment = 'boot';
INSERT INTO samples SELECT s.trial_id, m.metric, m.f * s.value + m.c FROM samples s JOIN trials t ON t.id = s.trial_id
  JOIN (SELECT 'boot_ns' AS metric, 0.8 AS f, 0 AS c UNION ALL SELECT 'vmm_start_ns', 0.05, 0 UNION ALL SELECT 'image_bytes', 0, 15728640
        UNION ALL SELECT 'rss_peak_bytes', 0, 229638144 UNION ALL SELECT 'pss_peak_bytes', 0, 227540992) m
  WHERE t.run_id = '$run' AND s.metric = 'run_ns';
INSERT INTO phases SELECT s.trial_id, p.name, CAST(p.f * s.value AS INTEGER)
  FROM samples s JOIN trials t ON t.id = s.trial_id
  JOIN (SELECT 'spawn' AS name, 0.0 AS f UNION ALL SELECT 'vmm-ready', 0.03 UNION ALL SELECT 'boot', 0.05 UNION ALL SELECT 'guest-init', 0.85
        UNION ALL SELECT 'exit', 1.0) p
  WHERE t.run_id = '$run' AND s.metric = 'run_ns';
WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 9)
INSERT INTO resources (trial_id, t_ns, pid, rss, pss, cpu_ns, guest_rss)
  SELECT t.id, (j + 1) * 10000000, 1000 + t.id % 30000, (60 + 16 * j) * 1048576, (58 + 16 * j) * 1048576, j * 5000000, NULL
  FROM trials t, k WHERE t.run_id = '$run' AND t.experiment = 'boot';
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 3599)
INSERT INTO host_metrics SELECT '$run', i * 1000000000, m.metric, m.v FROM n,
  (SELECT 'cpu_busy' AS metric, 0.5 AS v UNION ALL SELECT 'cpu_busy.cpu0', 0.6 UNION ALL SELECT 'cpu_busy.cpu1', 0.4
   UNION ALL SELECT 'mem_available_bytes', 24.0e9 UNION ALL SELECT 'load1', 1.5) m;
COMMIT;
SQL
samples=$(sqlite3 "$db" "SELECT count(*) FROM samples s JOIN trials t ON t.id = s.trial_id WHERE t.run_id = '$run'")
phases=$(sqlite3 "$db" "SELECT count(*) FROM phases p JOIN trials t ON t.id = p.trial_id WHERE t.run_id = '$run'")
echo "results file: $samples samples, $phases phases in run $run ($(du -m "$db" | cut -f1) MiB; built in $(( ($(date +%s%N) - start) / 1000000 )) ms)"

# Wall and CPU (user + system) milliseconds of one command; CPU time says more than wall time on a shared, busy host.
ms() { /usr/bin/time -f '%e %U %S' -o "$work/t" "$@" > /dev/null; awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$work/t"; }
for t in report show export sqlite3 small; do : > "$work/$t.ms"; done
floor="SELECT count(*), sum(s.value) FROM samples s JOIN trials t ON t.id = s.trial_id WHERE t.run_id = '$run';
       SELECT count(*), sum(p.t_ns) FROM phases p JOIN trials t ON t.id = p.trial_id WHERE t.run_id = '$run';"
for round in $(seq "$ROUNDS"); do
  tools=(report show export sqlite3 small)
  # Rotate which tool goes first, so the page cache and the host's drift favour none.
  for k in $(seq 0 4); do
    tool=${tools[$(( (k + round) % 5 ))]}
    case $tool in
      report) ms "$sb" report "$run" --out "$work/report" --db "$db" >> "$work/report.ms" ;;
      show) ms "$sb" show "$run" --db "$db" >> "$work/show.ms" ;;
      export) rm -rf "$work/csv"; ms "$sb" export "$run" --format csv --out "$work/csv" --db "$db" 2> /dev/null >> "$work/export.ms" ;;
      sqlite3) ms sqlite3 "$db" "$floor" >> "$work/sqlite3.ms" ;;
      small) ms "$sb" report "$small" --out "$work/small" --db "$db" >> "$work/small.ms" ;;
    esac
  done
done
wall() { cut -d' ' -f1 "$work/$1.ms" | median; }
cpu() { cut -d' ' -f2 "$work/$1.ms" | median; }
figures=$(find "$work/report" -name '*.png' | wc -l)
printf '%-34s %10s %10s %14s %14s\n' "median of $ROUNDS rounds" "wall ms" "CPU ms" "report/it wall" "report/it CPU"
for t in report show export sqlite3 small; do
  case $t in
    report) name="sandbench report (1M samples)" ;; show) name="sandbench show (same run)" ;;
    export) name="sandbench export --format csv" ;; sqlite3) name="sqlite3 (read every row once)" ;;
    small) name="sandbench report (5-trial run)" ;;
  esac
  awk -v n="$name" -v w="$(wall $t)" -v c="$(cpu $t)" -v rw="$(wall report)" -v rc="$(cpu report)" -v t="$t" 'BEGIN {
    if (t == "small") printf "%-34s %10d %10d %14s %14s\n", n, w, c, "(same file)", ""
    else printf "%-34s %10d %10d %14.3f %14.3f\n", n, w, c, rw / w, rc / (c > 0 ? c : 1) }'
done
r=$(wall report)
load=$(cut -d' ' -f1 /proc/loadavg)
echo "report: $figures figures (PNG and SVG) and report.html; target: under 3000 ms -> $([ "$r" -lt 3000 ] && echo met || echo NOT met) (load average now $load on $(nproc) CPUs)"
