using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Stats;

/// <summary>Cold-start statistics of one runtime × workload in a run (milliseconds).</summary>
/// <param name="Failed">Measured (non-warm-up) trials that did not succeed.</param>
/// <param name="Readiness">Readiness methods used, with their worst resolution.</param>
public sealed record RuntimeResult(
    string Experiment,
    string Runtime,
    string Workload,
    Summary? ColdStartMs,
    int Failed,
    int Warmups,
    string Readiness,
    IReadOnlyList<string> Errors)
{
    /// <summary><c>direct</c>, or <c>gateway</c> for cold starts through the local gateway (their figure starts at the client's request).</summary>
    public string Via { get; init; } = "direct";
}

/// <summary>Boot statistics of one runtime × workload in a run (times in ms, sizes in MiB).</summary>
/// <param name="RunMs">Spawn to the sandbox's end.</param>
/// <param name="BootMs">Guest let run (<c>cont</c>) to its init (VMs only).</param>
/// <param name="VmmStartMs">Spawn to the VMM answering on its control socket (VMs only).</param>
/// <param name="RssPeakMiB">Per trial, the largest RSS total of the sandbox's processes.</param>
public sealed record BootResult(
    string Runtime,
    string Workload,
    Summary? RunMs,
    Summary? BootMs,
    Summary? VmmStartMs,
    Summary? ImageMiB,
    Summary? RssPeakMiB,
    Summary? PssPeakMiB,
    Summary? VmmOverheadMiB,
    int Failed,
    int Warmups,
    IReadOnlyList<string> Errors);

/// <summary>One host metric over a run: how many readings, and their mean, min and max.</summary>
public sealed record HostStat(string Metric, int N, double Mean, double Min, double Max);

/// <summary>Median time from spawn to each phase, and between consecutive phases (milliseconds).</summary>
public sealed record PhaseBreakdown(string Runtime, string Workload, IReadOnlyList<PhaseStat> Phases);

/// <param name="Name">Phase name.</param>
/// <param name="N">Trials that had the phase.</param>
/// <param name="MedianFromSpawnMs">Median offset from spawn.</param>
/// <param name="MedianStepMs">Median time since the previous phase (phases in time order for this runtime).</param>
public sealed record PhaseStat(string Name, int N, double MedianFromSpawnMs, double MedianStepMs);

/// <summary>Turns stored trials into the tables <c>show</c> prints. Warm-ups and failed trials never enter statistics.</summary>
public static partial class RunAnalysis
{
    /// <summary>Rank of a phase in the order phases usually happen (unknown names last); orders table rows.</summary>
    public static int CanonicalRank(string phase) => Array.IndexOf(Canonical, phase) is var i and >= 0 ? i : Canonical.Length;

    private static readonly string[] Canonical =
    [
        Phases.Spawn, Phases.RequestSent, Phases.GatewayReceived, Phases.Created, Phases.Started, Phases.VmmReady, Phases.VmmCommands, Phases.Boot,
        Phases.GuestKernel, Phases.GuestPrintkFreeing, Phases.GuestPrintkInit, Phases.GuestInit, Phases.GuestNet, Phases.WorkloadStart,
        "workload-ready", Phases.Listening, Phases.Forwarded, Phases.UpstreamFirstByte, Phases.FirstByte, Phases.WorkloadExit, Phases.VmmShutdown, Phases.Exit, Phases.Done,
    ];

    public static IReadOnlyList<RuntimeResult> ColdStart(IReadOnlyList<TrialRecord> trials) =>
        [.. trials.Where(t => t.Experiment == "coldstart")
            .GroupBy(t => (t.Runtime, t.Workload, Via: Via(t)))
            .OrderBy(g => g.Key.Via == "gateway" ? 1 : 0)
            .ThenBy(g => trials.First(t => t.Runtime == g.Key.Runtime).Id)
            .Select(g =>
            {
                // One pass over the group (a run can hold 100,000s of cold starts).
                int measured = 0, warmups = 0;
                var values = new List<double>(g.Count());
                var worst = new Dictionary<string, long>(StringComparer.Ordinal); // readiness methods in the order they first appear
                var readinessOrder = new List<string>();
                var errors = new List<string>(3);
                foreach (var t in g)
                {
                    ref long w = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(worst, t.Readiness, out bool seen);
                    if (!seen) readinessOrder.Add(t.Readiness);
                    w = Math.Max(w, t.ReadinessResolutionNs);
                    if (t.Warmup)
                    {
                        warmups++;
                        continue;
                    }
                    measured++;
                    if (t.Status == TrialStatus.Ok && t.Sample(ColdStartExperiment.Metric) is { } v) values.Add(v);
                    if (t.Error is { } e && errors.Count < 3 && !errors.Contains(e)) errors.Add(e);
                }
                var readiness = string.Join(", ", readinessOrder.Select(r => worst[r] > 0 ? $"{r} (≤{worst[r] / 1000.0:0.#} µs)" : r));
                return new RuntimeResult("coldstart", g.Key.Runtime, g.Key.Workload, Summary.Of(values)?.Scale(1e-6),
                    measured - values.Count, warmups, readiness, errors) { Via = g.Key.Via };
            })];

    public static IReadOnlyList<BootResult> Boot(IReadOnlyList<TrialRecord> trials) =>
        [.. trials.Where(t => t.Experiment == "boot")
            .GroupBy(t => (t.Runtime, t.Workload))
            .OrderBy(g => g.Min(t => t.Id))
            .Select(g =>
            {
                var measured = g.Where(t => !t.Warmup).ToList();
                var ok = measured.Where(t => t.Status == TrialStatus.Ok && t.Sample(BootExperiment.RunMetric) is not null).ToList();
                Summary? Of(string metric, double scale) => Summary.Of(ok.Values(metric))?.Scale(scale);
                const double MiB = 1.0 / (1 << 20);
                return new BootResult(g.Key.Runtime, g.Key.Workload,
                    Of(BootExperiment.RunMetric, 1e-6), Of(BootExperiment.BootMetric, 1e-6), Of(BootExperiment.VmmMetric, 1e-6),
                    Of(BootExperiment.ImageMetric, MiB), Of(BootExperiment.RssPeakMetric, MiB), Of(BootExperiment.PssPeakMetric, MiB), Of(BootExperiment.OverheadPeakMetric, MiB),
                    measured.Count - ok.Count, g.Count(t => t.Warmup),
                    [.. measured.Where(t => t.Error is not null).Select(t => t.Error!).Distinct().Take(3)]);
            })];

    /// <summary>The host's readings over a run, one row per metric (all-core CPU first, then per core, memory, load).</summary>
    public static IReadOnlyList<HostStat> Host(IReadOnlyList<HostMetric> metrics) =>
        [.. metrics.GroupBy(m => m.Metric)
            .OrderBy(g => g.Key == "cpu_busy" ? 0 : g.Key.StartsWith("cpu_busy.", StringComparison.Ordinal) ? 1 : 2)
            .ThenBy(g => g.Key.Length).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new HostStat(g.Key, g.Count(), g.Average(m => m.Value), g.Min(m => m.Value), g.Max(m => m.Value)))];

    /// <summary>Phases of the successful measured trials of one experiment, per runtime × workload.</summary>
    public static IReadOnlyList<PhaseBreakdown> PhaseBreakdowns(IReadOnlyList<TrialRecord> trials, string experiment = "coldstart") =>
        [.. trials.Where(t => t.Experiment == experiment && !t.Warmup && t.Status == TrialStatus.Ok)
            .GroupBy(t => (Runtime: Via(t) == "gateway" ? t.Runtime + " via gateway" : t.Runtime, t.Workload))
            .OrderBy(g => g.Min(t => t.Id))
            .Select(g => new PhaseBreakdown(g.Key.Runtime, g.Key.Workload, Breakdown([.. g])))];

    /// <summary>
    /// Each phase's median offset, in time order (by median, then canonical rank), with the median step from the
    /// phase before it over the trials that have both. One pass over each trial's phases (runs hold 100,000s of trials).
    /// </summary>
    private static List<PhaseStat> Breakdown(List<TrialRecord> trials)
    {
        var offsets = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var t in trials)
        {
            foreach (var p in t.PhaseSpan)
            {
                if (!offsets.TryGetValue(p.Key, out var list)) offsets.Add(p.Key, list = new List<double>(trials.Count)); // most trials have most phases: no regrowth
                list.Add(p.Value / 1e6);
            }
        }
        var names = offsets.Keys.Select(n => (Name: n, Median: Median(offsets[n]))).OrderBy(n => n.Median).ThenBy(n => CanonicalRank(n.Name)).ToList();
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++) position.Add(names[i].Name, i);
        var steps = names.Select(_ => new List<double>(trials.Count)).ToArray();
        var at = new long[names.Count];
        var has = new bool[names.Count];
        foreach (var t in trials)
        {
            Array.Clear(has);
            // The last offset of a name wins, as a lookup of it would find. A trial's phases usually come in the
            // order of the names: the expected name is compared first (equal references compare at once), and
            // only a phase out of that order is looked up by hashing.
            int expected = 0;
            foreach (var p in t.PhaseSpan)
            {
                int i = expected < names.Count && names[expected].Name == p.Key ? expected : position[p.Key];
                expected = i + 1;
                at[i] = p.Value;
                has[i] = true;
            }
            for (int i = 1; i < names.Count; i++)
                if (has[i - 1] && has[i]) steps[i].Add((at[i] - at[i - 1]) / 1e6);
        }
        return [.. names.Select((n, i) => new PhaseStat(n.Name, offsets[n.Name].Count, n.Median, steps[i].Count > 0 ? Median(steps[i]) : 0))];
    }

    /// <summary>How a trial's request reached its sandbox (the <c>via</c> parameter; direct when absent).</summary>
    public static string Via(TrialRecord t) => t.Parameters.TryGetValue("via", out var v) ? v : "direct";

    /// <summary>The median (type 7, as <see cref="Summary"/>), by selection rather than a full sort; reorders <paramref name="values"/>.</summary>
    private static double Median(List<double> values) => Summary.SelectPercentile(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values), 0.5);
}
