using Sandbench.Core.Storage;
using Sandbench.Store;

namespace Sandbench.Report.Tests;

/// <summary>Results files holding runs of known shape and values, as the real experiments store them.</summary>
public static class ReportSeed
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const long Ms = 1_000_000;

    /// <summary>Cold start (process, runc with one failure, qemu), boot with memory readings (process, qemu), and a minute of host readings.</summary>
    public static void FullRun(SqliteResultStore store, string id, int n = 10, double slower = 1.0)
    {
        store.BeginRun(Run(id, "report-full"), new Dictionary<string, string> { ["cpu.model"] = "Test CPU @ 2.0GHz", ["kernel"] = "6.1.0-test", ["tool.version"] = "0.1.0" });
        for (int i = 0; i < n; i++)
        {
            double p = (2.0 + 0.1 * i) * slower, r = (70.0 + i) * slower, q = (2170.0 + 10 * i) * slower;
            Append(store, id, "coldstart", "process", i, "socket",
                [("spawn", 0), ("request-sent", -0.7), ("workload-start", 1.8 * slower), ("listening", 1.9 * slower), ("first-byte", p), ("done", p + 0.8)],
                [("coldstart_ns", p * Ms), ("artifact_bytes", 800_000)]);
            Append(store, id, "coldstart", "runc", i, "socket",
                [("spawn", 0), ("request-sent", -0.8), ("created", 50 + i), ("started", 68 + i), ("workload-start", 69 + i), ("listening", 69.1 + i), ("first-byte", r), ("done", 190)],
                [("coldstart_ns", r * Ms)]);
            Append(store, id, "coldstart", "qemu", i, "marker", QemuColdStart(q), [("coldstart_ns", q * Ms)]);
        }
        Append(store, id, "coldstart", "runc", n, "socket", [("spawn", 0)], [], TrialStatus.Failed, "runc create exited with code 1: test failure");
        Append(store, id, "coldstart", "process", -1, "socket", [("spawn", 0), ("first-byte", 9)], [("coldstart_ns", 9 * Ms)], warmup: true);
        for (int i = 0; i < 5; i++)
        {
            Append(store, id, "boot", "process", i, "none", [("spawn", 0), ("exit", 2.8), ("done", 3.0)],
                [("run_ns", 2.8 * Ms), ("image_bytes", 800_000), ("rss_peak_bytes", 500_000 + i * 1000), ("pss_peak_bytes", 480_000), ("memory_readings", 1)],
                resources: [new ResourceSample(2 * Ms, 4000 + i, 500_000 + i * 1000, 480_000, 1 * Ms)]);
            double run = 2290 + 10 * i;
            Append(store, id, "boot", "qemu", i, "none", QemuBoot(run),
                [("run_ns", run * Ms), ("boot_ns", 1877 * Ms), ("vmm_start_ns", 119.5 * Ms), ("image_bytes", 15.0 * (1 << 20)),
                 ("rss_peak_bytes", (219.0 + i) * (1 << 20)), ("pss_peak_bytes", 217.0 * (1 << 20)), ("vmm_overhead_peak_bytes", 99.0 * (1 << 20)), ("memory_readings", 20)],
                resources: [.. Enumerable.Range(0, 20).Select(k => new ResourceSample((130 + k * 100) * Ms, 5000 + i, (60L + 8 * k + i) << 20, (58L + 8 * k) << 20, k * 50 * Ms))]);
        }
        store.AppendHostMetrics(id, [.. Enumerable.Range(0, 60).SelectMany(s => new[]
        {
            new HostMetric(1_000_000_000L * (1000 + s), "cpu_busy", 0.4 + 0.005 * s),
            new HostMetric(1_000_000_000L * (1000 + s), "cpu_busy.cpu0", 0.5),
            new HostMetric(1_000_000_000L * (1000 + s), "cpu_busy.cpu1", 0.3 + 0.01 * s),
            new HostMetric(1_000_000_000L * (1000 + s), "mem_available_bytes", (23.0 - 0.01 * s) * (1L << 30)),
            new HostMetric(1_000_000_000L * (1000 + s), "load1", 1.5),
        })]);
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(5));
    }

    /// <summary>QEMU boot trials swept over <paramref name="key"/>: boot time grows with the value's index; initrd_bytes stored as the runtime does.</summary>
    public static void SweepRun(SqliteResultStore store, string id, string key, IReadOnlyList<string> values, int n = 4)
    {
        store.BeginRun(Run(id, $"report-sweep-{key}"), new Dictionary<string, string> { ["kernel"] = "6.1.0-test" });
        for (int i = 0; i < n; i++)
        {
            for (int v = 0; v < values.Count; v++)
            {
                string runtime = $"qemu@{key}={values[v]}";
                double run = 2000 + 300 * v + 5 * i;
                var parameters = new Dictionary<string, string> { [key] = values[v], ["initrd_bytes"] = ((5 + 32 * v) * (1L << 20)).ToString(System.Globalization.CultureInfo.InvariantCulture) };
                Append(store, id, "boot", runtime, i, "none", QemuBoot(run),
                    [("run_ns", run * Ms), ("boot_ns", (run - 400) * Ms), ("rss_peak_bytes", 219.0 * (1 << 20))], parameters: parameters);
                Append(store, id, "coldstart", runtime, i, "marker", QemuColdStart(run - 100), [("coldstart_ns", (run - 100) * Ms)], parameters: parameters);
            }
        }
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(5));
    }

    /// <summary>Warm windows at 1000 req/s on process and runc, 3 each: histograms of known values and a per-second series.</summary>
    public static void WarmRun(SqliteResultStore store, string id)
    {
        store.BeginRun(Run(id, "report-warm"), new Dictionary<string, string>());
        foreach (var (runtime, baseUs) in new[] { ("process", 100L), ("runc", 150L) })
        {
            for (int i = 0; i < 3; i++)
            {
                var corrected = new HdrHistogram.LongHistogram(3_600_000_000L, 3);
                var uncorrected = new HdrHistogram.LongHistogram(3_600_000_000L, 3);
                for (long v = 0; v < 1000; v++)
                {
                    corrected.RecordValue(baseUs + v + i * 10);
                    uncorrected.RecordValue(baseUs + v / 2);
                }
                corrected.RecordValue(50_000);
                var parameters = new Dictionary<string, string> { ["mode"] = "open", ["rate"] = "1000" };
                store.AppendTrial(new TrialRecord(id, "warm", runtime, "hello", parameters, i, false, TrialStatus.Ok, null, "socket", 0, T0, 0,
                    [new("spawn", 0)],
                    [new("completed", 1001), new("achieved_rate", 1000.2), new("corrected_p99_ns", (1000 + baseUs + i * 10) * 1000.0)])
                {
                    Histograms = [new("corrected_us", Sandbench.Load.HistogramCodec.Encode(corrected)), new("uncorrected_us", Sandbench.Load.HistogramCodec.Encode(uncorrected))],
                    Seconds = [.. Enumerable.Range(0, 5).Select(s => new LoadSecond(s, 200, 0, 0, 0, (baseUs + 500 + i) * 1000L, (baseUs + 990 + s + i) * 1000L))],
                });
            }
        }
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(1));
    }

    /// <summary>A CloudEvents sink run as 'sandbench sink' stores it: 1000 events delivered in 0.2–1.199 ms over 4 seconds.</summary>
    public static void EventingRun(SqliteResultStore store, string id)
    {
        store.BeginRun(new RunInfo(id, "sink", "0123456789abcdef", "sandbench sink --port 0", T0, null, RunStatus.Running, "0.1.0"), new Dictionary<string, string>());
        var delivery = new HdrHistogram.LongHistogram(3_600_000_000_000L, 3);
        for (long v = 0; v < 1000; v++) delivery.RecordValue(200_000 + v * 1000);
        store.AppendTrial(new TrialRecord(id, "eventing", "none", "sink", new Dictionary<string, string> { ["label"] = "load to sink", ["ended_by"] = "count" },
            0, false, TrialStatus.Ok, null, "none", 0, T0, 0, [new("listening", 0)],
            [new("events", 1000), new("events_per_s", 250), new("delivery_p50_ns", 700_000), new("delivery_p99_ns", 1_190_000)])
        {
            Histograms = [new("delivery_ns", Sandbench.Load.HistogramCodec.Encode(delivery))],
            Series = [.. Enumerable.Range(1, 4).SelectMany(s => new[]
            {
                new SeriesPoint("events", s, 250), new SeriesPoint("delivery_p50_ns", s, 600_000 + s * 50_000), new SeriesPoint("delivery_p99_ns", s, 1_100_000 + s * 20_000),
            })],
        });
        store.FinishRun(id, RunStatus.Completed, T0.AddSeconds(5));
    }

    /// <summary>A scale ladder on process: N = 2 and 4 all answer, N = 8 breaks with 6 answered; each sandbox spawned 10 ms after the one before.</summary>
    public static void ScaleRun(SqliteResultStore store, string id)
    {
        store.BeginRun(Run(id, "report-scale"), new Dictionary<string, string>());
        foreach (int n in new[] { 2, 4, 8 })
        {
            int answered = n == 8 ? 6 : n;
            var stepParameters = new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (n == 8)
            {
                stepParameters["broke"] = "yes";
                stepParameters["break_reason"] = "2 of 8 did not answer (timeout: 2)";
            }
            long step = store.AppendTrial(new TrialRecord(id, "scale", "process", "hello", stepParameters, 0, false, n == 8 ? TrialStatus.Failed : TrialStatus.Ok,
                null, "socket", 0, T0, 5_000_000_000L * n, [new("start", 0), new("done", 200 * Ms)],
                [new("target", n), new("answered", answered), new("started", n), new("alive", answered), new("mem_available_drop_per_sandbox_bytes", 3 << 20),
                 .. (n == 8 ? Array.Empty<KeyValuePair<string, double>>() : [new("ready_all_ns", (10.0 * (n - 1) + 5) * Ms)])]));
            for (int k = 0; k < n; k++)
            {
                bool ok = k < answered;
                double spawnMs = 10.0 * k, coldMs = 5 + k * 0.5;
                store.AppendTrial(new TrialRecord(id, "scale-sandbox", "process", "hello",
                    new Dictionary<string, string> { ["step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    k, false, ok ? TrialStatus.Ok : TrialStatus.Timeout, ok ? null : "no answer within 2s", "socket", 0, T0, 5_000_000_000L * n + (long)(spawnMs * Ms),
                    ok ? [new("spawn", 0), new("started", (long)(coldMs * 0.6 * Ms)), new("first-byte", (long)(coldMs * Ms))] : [new("spawn", 0)],
                    ok ? [new("coldstart_ns", coldMs * Ms), new("first_byte_ns", (spawnMs + coldMs) * Ms), new("rss_bytes", (1.0 + k * 0.1) * (1 << 20)), new("pss_bytes", 0.5 * (1 << 20))]
                       : []));
            }
        }
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(1));
    }

    /// <summary>
    /// A gateway run on runc: sandbox 1 starts at 0 (ready at 100 ms), serves a cold request and 9 warm ones 1 ms each, stops idle at 3 s;
    /// sandbox 2 starts at 5 s (ready at 5.2 s) for one cold request and stops at shutdown, 6 s.
    /// </summary>
    public static void GatewayRun(SqliteResultStore store, string id)
    {
        store.BeginRun(new RunInfo(id, "gateway", "0123456789abcdef", "sandbench gateway --runtime runc", T0, null, RunStatus.Running, "0.1.0"), new Dictionary<string, string>());
        const long S = 1_000_000_000L;
        var requests = new List<GatewayRequestRecord> { new("hello", 0, "GET", "/", "g-1", true, 100 * Ms, 2 * Ms, 3 * Ms, 200, null) };
        for (int i = 1; i <= 9; i++) requests.Add(new("hello", i * 200 * Ms, "GET", "/", "g-1", false, 0, 1 * Ms, 2 * Ms, 200, null));
        requests.Add(new("hello", 5 * S, "GET", "/", "g-2", true, 200 * Ms, 2 * Ms, 3 * Ms, 200, null));
        store.AppendGatewayRequests(id, requests);
        store.AppendGatewaySandboxes(id,
        [
            new("g-1", "hello", "runc", 0, 100 * Ms, 3 * S, "idle", null, 10, [new("spawn", 0), new("listening", 100 * Ms)], "socket"),
            new("g-2", "hello", "runc", 5 * S, 5 * S + 200 * Ms, 6 * S, "shutdown", null, 1, [new("spawn", 5 * S), new("listening", 5 * S + 200 * Ms)], "socket"),
        ]);
        store.FinishRun(id, RunStatus.Completed, T0.AddSeconds(6));
    }

    /// <summary>
    /// Application flows as the flow experiment stores them, 2 measured trials per runtime (ms; medians pooled over both):
    /// retail-catalog on process (catalog-builder warm 2, 4 | 6; catalog-api 1, 1, 3 | 2, 5, 1; flow 10, 12 | 14) and on runc
    /// (builder 10, 14 | 12; api 3, 3, 9 | 6, 4, 3; flow 30, 40 | 35), cold per function 100/90 | 120/110 and 400/380 | 500/420;
    /// retail-photos on process (photos-assign 2, 2; photos-receive 4) and runc (photos-assign 5, 5; photos-receive none).
    /// A runc warm-up and a failed runc trial carry 1000 ms everywhere, which no statistic may show.
    /// Without <paramref name="process"/> only the runc trials are stored.
    /// </summary>
    public static void FlowRun(SqliteResultStore store, string id, bool process = true)
    {
        store.BeginRun(Run(id, "report-flow"), new Dictionary<string, string>());
        void Flow(string runtime, string flow, int iteration, (string Function, double Cold, double[] Warm)[] functions, double[] rounds,
            bool warmup = false, TrialStatus status = TrialStatus.Ok, string? error = null)
        {
            var parameters = new Dictionary<string, string>
            {
                ["functions"] = string.Join(",", functions.Select(f => f.Function)),
                ["rounds"] = rounds.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var samples = functions.Select(f => new KeyValuePair<string, double>($"cold_ns:{f.Function}", f.Cold * Ms))
                .Concat(rounds.Select(r => new KeyValuePair<string, double>("flow_ns", r * Ms)))
                .Concat(functions.SelectMany(f => f.Warm.Select(w => new KeyValuePair<string, double>($"warm_ns:{f.Function}", w * Ms))));
            store.AppendTrial(new TrialRecord(id, "flow", runtime, flow, parameters, iteration, warmup, status, error, "socket", 0, T0, 0, [new("spawn", 0)], [.. samples]));
        }
        if (process)
        {
            Flow("process", "retail-catalog", 0, [("catalog-builder", 100, [2, 4]), ("catalog-api", 90, [1, 1, 3])], [10, 12]);
            Flow("process", "retail-catalog", 1, [("catalog-builder", 120, [6]), ("catalog-api", 110, [2, 5, 1])], [14]);
            Flow("process", "retail-photos", 0, [("photos-assign", 50, [2, 2]), ("photos-receive", 60, [4])], [8]);
        }
        Flow("runc", "retail-catalog", 0, [("catalog-builder", 1000, [1000]), ("catalog-api", 1000, [1000])], [1000], warmup: true);
        Flow("runc", "retail-catalog", 0, [("catalog-builder", 400, [10, 14]), ("catalog-api", 380, [3, 3, 9])], [30, 40]);
        Flow("runc", "retail-catalog", 1, [("catalog-builder", 500, [12]), ("catalog-api", 420, [6, 4, 3])], [35]);
        Flow("runc", "retail-catalog", 2, [("catalog-builder", 1000, [1000]), ("catalog-api", 1000, [1000])], [1000],
            status: TrialStatus.Failed, error: "catalog-api answered 500 in round 2");
        Flow("runc", "retail-photos", 0, [("photos-assign", 300, [5, 5]), ("photos-receive", 320, [])], [20]);
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(10));
    }

    /// <summary>
    /// Syscall trials as the syscall experiment stores them, 3 measured per runtime (ns per operation; medians in brackets):
    /// process getpid 40, 50, 60 [50], clock_gettime 18, 20, 22 [20], fork_wait 90, 100, 110 µs [100 µs];
    /// runc getpid 55, 60, 65 [60], clock_gettime 20 [20], fork_wait 120 µs [120 µs];
    /// runsc getpid 2000, 2500, 3000 [2500], clock_gettime 30 [30], fork_wait refused with EPERM.
    /// A process warm-up and a failed runc trial carry 9999 ns, which no statistic may show.
    /// Without <paramref name="process"/> or <paramref name="runsc"/> those runtimes' trials are left out.
    /// </summary>
    public static void SyscallRun(SqliteResultStore store, string id, bool process = true, bool runsc = true)
    {
        store.BeginRun(Run(id, "report-syscall"), new Dictionary<string, string>());
        void Trial(string runtime, int iteration, double getpid, double clock, double? fork, bool warmup = false, TrialStatus status = TrialStatus.Ok)
        {
            var parameters = new Dictionary<string, string> { ["min-time"] = "20ms" };
            if (fork is null) parameters["refused.fork_wait"] = "EPERM";
            List<KeyValuePair<string, double>> samples = status != TrialStatus.Ok ? [] :
                [new("syscall_ns.getpid", getpid), new("syscall_ns.clock_gettime", clock), .. fork is null ? Array.Empty<KeyValuePair<string, double>>() : [new("syscall_ns.fork_wait", fork.Value)]];
            store.AppendTrial(new TrialRecord(id, "syscall", runtime, "syscall", parameters, iteration, warmup, status,
                status == TrialStatus.Ok ? null : "the syscall workload exited with code 1", "auto", 0, T0, 0, [new("spawn", 0), new("exit", 500 * Ms)], samples));
        }
        if (process)
        {
            Trial("process", 0, 9999, 9999, 9999, warmup: true);
            Trial("process", 0, 40, 18, 90_000);
            Trial("process", 1, 50, 20, 100_000);
            Trial("process", 2, 60, 22, 110_000);
        }
        Trial("runc", 0, 55, 20, 120_000);
        Trial("runc", 1, 60, 20, 120_000);
        Trial("runc", 2, 65, 20, 120_000);
        Trial("runc", 3, 9999, 9999, 9999, status: TrialStatus.Failed);
        if (runsc)
        {
            Trial("runsc", 0, 2000, 30, null);
            Trial("runsc", 1, 2500, 30, null);
            Trial("runsc", 2, 3000, 30, null);
        }
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(2));
    }

    /// <summary>
    /// Image pulls as the imagepull experiment stores them (ms; medians in brackets), 4 layers of 16 MiB padding each time:
    /// serial plain, 3 trials: manifest 1, 2, 3 [2], fetch 10, 20, 30 [20], verify 4, 5, 6 [5], decompress 7, 8, 9 [8], unpack 30, 40, 50 [40], pull 50, 80, 110 [80];
    /// concurrent plain, 3 trials: manifest 2, fetch 40, verify 5, decompress 8, unpack 40, pull 60 (the layers overlap);
    /// serial signed+encrypted, 3 trials and a failed one: signature 3 and decrypt 6 besides serial plain's medians, pull 90;
    /// containerd plain, 3 trials: fetch 100, unpack 50, pull 150; containerd signed: 2 trials, both failed.
    /// A serial plain warm-up carries 1000 ms everywhere, which no statistic may show.
    /// </summary>
    public static void ImagePullRun(SqliteResultStore store, string id)
    {
        store.BeginRun(new RunInfo(id, "imagepull", "0123456789abcdef", "name: imagepull\nruntimes: [process]\n", T0, null, RunStatus.Running, "0.1.0"),
            new Dictionary<string, string>());
        int iteration = 0;
        void Pull(string mode, string security, (string Step, double Ms)[] steps, bool warmup = false, TrialStatus status = TrialStatus.Ok)
        {
            var parameters = new Dictionary<string, string> { ["layers"] = "4", ["padding"] = "16777216", ["pull"] = mode, ["compression"] = "gzip", ["security"] = security };
            var samples = status != TrialStatus.Ok ? [] : steps.Select(s => new KeyValuePair<string, double>(s.Step, s.Ms * Ms)).Append(new("image_bytes", 16 << 20)).ToList();
            store.AppendTrial(new TrialRecord(id, "imagepull", "process", "hello", parameters, iteration++, warmup, status,
                status == TrialStatus.Ok ? null : $"security level {security}: the containerd comparison pulls plain images only", "none", 0, T0, 0, [new("done", 0)], samples));
        }
        Pull("serial", "plain", [("pull_ns", 1000), ("manifest_ns", 1000), ("fetch_ns", 1000), ("verify_ns", 1000), ("decompress_ns", 1000), ("unpack_ns", 1000)], warmup: true);
        for (int i = 0; i < 3; i++)
            Pull("serial", "plain", [("pull_ns", 50 + 30 * i), ("manifest_ns", 1 + i), ("fetch_ns", 10 + 10 * i), ("verify_ns", 4 + i), ("decompress_ns", 7 + i), ("unpack_ns", 30 + 10 * i)]);
        for (int i = 0; i < 3; i++)
            Pull("concurrent", "plain", [("pull_ns", 60), ("manifest_ns", 2), ("fetch_ns", 40), ("verify_ns", 5), ("decompress_ns", 8), ("unpack_ns", 40)]);
        for (int i = 0; i < 3; i++)
            Pull("serial", "signed+encrypted", [("pull_ns", 90), ("manifest_ns", 2), ("verify_signature_ns", 3), ("fetch_ns", 20), ("verify_ns", 5), ("decrypt_ns", 6), ("decompress_ns", 8), ("unpack_ns", 40)]);
        Pull("serial", "signed+encrypted", [], status: TrialStatus.Failed);
        for (int i = 0; i < 3; i++)
            Pull("containerd", "plain", [("pull_ns", 150), ("fetch_ns", 100), ("unpack_ns", 50)]);
        Pull("containerd", "signed", [], status: TrialStatus.Failed);
        Pull("containerd", "signed", [], status: TrialStatus.Failed);
        store.FinishRun(id, RunStatus.Completed, T0.AddMinutes(3));
    }

    /// <summary>A run that was interrupted before its first trial ended.</summary>
    public static void EmptyRun(SqliteResultStore store, string id)
    {
        store.BeginRun(Run(id, "report-empty"), new Dictionary<string, string>());
        store.FinishRun(id, RunStatus.Interrupted, T0);
    }

    private static (string, double)[] QemuColdStart(double firstByte) =>
    [
        ("spawn", 0), ("vmm-ready", 58), ("vmm-commands", 125), ("boot", 126), ("guest-kernel", 145), ("guest-printk-freeing", 1186),
        ("guest-printk-init", 1197), ("guest-init", 1945), ("guest-net", 2128), ("workload-start", firstByte - 31), ("listening", firstByte - 23),
        ("request-sent", firstByte - 22), ("first-byte", firstByte), ("done", firstByte + 13),
    ];

    private static (string, double)[] QemuBoot(double run) =>
    [
        ("spawn", 0), ("vmm-ready", 56), ("vmm-commands", 119.5), ("boot", 120), ("guest-kernel", 141), ("guest-printk-freeing", 1228),
        ("guest-printk-init", 1239), ("guest-init", 1997), ("guest-net", run - 43), ("workload-exit", run - 27), ("vmm-shutdown", run - 12), ("exit", run), ("done", run + 2),
    ];

    private static RunInfo Run(string id, string plan) =>
        new(id, plan, "0123456789abcdef", $"name: {plan}\nruntimes: [process, runc, qemu]\n", T0, null, RunStatus.Running, "0.1.0");

    private static long Append(SqliteResultStore store, string run, string experiment, string runtime, int iteration, string readiness,
        (string Name, double Ms)[] phases, (string Metric, double Value)[] samples, TrialStatus status = TrialStatus.Ok, string? error = null,
        bool warmup = false, IReadOnlyList<ResourceSample>? resources = null, IReadOnlyDictionary<string, string>? parameters = null) =>
        store.AppendTrial(new TrialRecord(run, experiment, runtime, "hello", parameters ?? new Dictionary<string, string>(), Math.Max(0, iteration), warmup,
            status, error, readiness, 0, T0, 1_000_000_000_000L + iteration * 10_000_000_000L,
            [.. phases.Select(p => new KeyValuePair<string, long>(p.Name, (long)Math.Round(p.Ms * Ms)))],
            [.. samples.Select(s => new KeyValuePair<string, double>(s.Metric, s.Value))]) { Resources = resources ?? [] });
}
