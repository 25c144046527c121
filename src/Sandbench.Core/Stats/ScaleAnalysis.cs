using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Stats;

/// <summary>One step of a scale ladder (runtime × N), over its iterations (times in ms).</summary>
/// <param name="Steps">Trials (iterations) of this step.</param>
/// <param name="Answered">Sandboxes that answered within the timeout, over all iterations; <paramref name="Target"/>: N × iterations.</param>
/// <param name="AllReadyMs">Step start → the last first byte, per iteration where all N answered.</param>
/// <param name="FirstByteMs">Step start → each answered sandbox's first byte (what a client asking for all N at once waited).</param>
/// <param name="ColdStartMs">Each answered sandbox's own spawn → its first byte.</param>
/// <param name="BreakReason">Why the ladder broke here (failure reasons counted); null when it did not.</param>
/// <param name="CpuBusy">Mean all-core CPU busy fraction of the host during the step (from host_metrics, joined by time).</param>
public sealed record ScaleStep(
    string Runtime,
    string Workload,
    int N,
    int Steps,
    int Answered,
    int Target,
    Summary? AllReadyMs,
    Summary? LastReadyMs,
    Summary? FirstByteMs,
    Summary? ColdStartMs,
    string? BreakReason,
    bool Interrupted,
    double? CpuBusy,
    double? Load1Max)
{
    /// <summary>Connect-retry: the largest gap between two looks at one waiting sandbox (its first byte is known within it); 0 with socket activation.</summary>
    public double ResolutionMs { get; init; }

    public string Readiness { get; init; } = "";
}

/// <summary>Memory per sandbox of one runtime, from one scale step or density run (sizes in MiB).</summary>
/// <param name="Source">Where from: "scale N=100", "density".</param>
/// <param name="Sandboxes">Sandboxes read at the footprint reading.</param>
/// <param name="DropPerSandboxMiB">The host's MemAvailable drop divided by the sandboxes alive (after dropping caches when it says so).</param>
/// <param name="CachesDropped">Whether the page cache was dropped before both readings.</param>
public sealed record Footprint(
    string Runtime,
    string Workload,
    string Source,
    int Sandboxes,
    Summary? RssMiB,
    Summary? PssMiB,
    double? DropPerSandboxMiB,
    double? ProcessesPerSandbox,
    double ArtifactMiB,
    bool CachesDropped);

/// <summary>One density run: how many sandboxes fit at once and why it stopped.</summary>
public sealed record DensityResult(
    string Runtime,
    string Workload,
    int Max,
    int Started,
    string Stop,
    string StopReason,
    double? DropPerSandboxMiB,
    Summary? PssMiB,
    Summary? FirstByteMs,
    double? CpuBusy);

/// <summary>The scale, footprint and density tables of a run, from its stored trials and host readings.</summary>
public static class ScaleAnalysis
{
    private const double MiB = 1.0 / (1 << 20);

    public static IReadOnlyList<ScaleStep> Scale(IReadOnlyList<TrialRecord> trials, IReadOnlyList<HostMetric> host)
    {
        var members = MembersByStep(trials, ScaleExperiment.MemberExperiment);
        return [.. trials.Where(t => t.Experiment == FleetSpec.Scale)
            .GroupBy(t => (t.Runtime, t.Workload, N: (int)(t.Sample(ScaleExperiment.TargetMetric) ?? 0)))
            .OrderBy(g => trials.First(t => t.Runtime == g.Key.Runtime).Id).ThenBy(g => g.Key.N)
            .Select(g =>
            {
                var steps = g.ToList();
                var answered = steps.SelectMany(s => members.GetValueOrDefault(s.Id, [])).Where(m => !m.Warmup && m.Status == TrialStatus.Ok).ToList();
                var broke = steps.FirstOrDefault(s => s.Parameters.GetValueOrDefault("broke") == "yes");
                var (cpu, load) = During(steps, host);
                return new ScaleStep(g.Key.Runtime, g.Key.Workload, g.Key.N, steps.Count,
                    (int)steps.Sum(s => s.Sample(ScaleExperiment.AnsweredMetric) ?? 0), g.Key.N * steps.Count,
                    Of(steps, ScaleExperiment.AllReadyMetric, 1e-6), Of(steps, ScaleExperiment.LastReadyMetric, 1e-6),
                    Of(answered, ScaleExperiment.FirstByteMetric, 1e-6), Of(answered, ColdStartExperiment.Metric, 1e-6),
                    broke?.Parameters.GetValueOrDefault("break_reason"), steps.Any(s => s.Status == TrialStatus.Interrupted), cpu, load)
                {
                    ResolutionMs = steps.Max(s => s.ReadinessResolutionNs) / 1e6,
                    Readiness = string.Join(", ", steps.Select(s => s.Readiness).Distinct()),
                };
            })];
    }

    /// <summary>
    /// Per runtime: the footprint of its largest scale step that did not break (else its largest with a reading), and of
    /// each density run.
    /// </summary>
    public static IReadOnlyList<Footprint> Footprints(IReadOnlyList<TrialRecord> trials)
    {
        var scaleMembers = MembersByStep(trials, ScaleExperiment.MemberExperiment);
        var densityMembers = MembersByStep(trials, DensityExperiment.MemberExperiment);
        var result = new List<Footprint>();
        foreach (var g in trials.Where(t => t.Experiment == FleetSpec.Scale && t.Sample(FleetTrial.AliveMetric) > 0)
            .GroupBy(t => (t.Runtime, t.Workload)).OrderBy(g => g.Min(t => t.Id)))
        {
            var pick = g.Where(t => t.Parameters.GetValueOrDefault("broke") != "yes").DefaultIfEmpty()
                .MaxBy(t => t?.Sample(ScaleExperiment.TargetMetric) ?? -1) ?? g.MaxBy(t => t.Sample(ScaleExperiment.TargetMetric))!;
            result.Add(FootprintOf(pick, scaleMembers.GetValueOrDefault(pick.Id, []), $"scale N={pick.Sample(ScaleExperiment.TargetMetric):0}"));
        }
        foreach (var t in trials.Where(t => t.Experiment == FleetSpec.Density && t.Sample(FleetTrial.AliveMetric) > 0))
            result.Add(FootprintOf(t, densityMembers.GetValueOrDefault(t.Id, []), "density"));
        return [.. result.Where(f => f.Sandboxes > 0)];
    }

    public static IReadOnlyList<DensityResult> Density(IReadOnlyList<TrialRecord> trials, IReadOnlyList<HostMetric> host)
    {
        var members = MembersByStep(trials, DensityExperiment.MemberExperiment);
        return [.. trials.Where(t => t.Experiment == FleetSpec.Density).OrderBy(t => t.Id).Select(t =>
        {
            var mine = members.GetValueOrDefault(t.Id, []).Where(m => !m.Warmup).ToList();
            var read = mine.Where(m => m.Sample(ScaleExperiment.PssMetric) is not null).ToList();
            return new DensityResult(t.Runtime, t.Workload, (int)(t.Sample(DensityExperiment.MaxMetric) ?? 0),
                (int)(t.Sample(ScaleExperiment.TargetMetric) ?? 0), t.Parameters.GetValueOrDefault("stop") ?? "?",
                t.Parameters.GetValueOrDefault("stop_reason") ?? "", t.Sample(FleetTrial.MemDropPerSandboxMetric) * MiB,
                Of(read, ScaleExperiment.PssMetric, MiB), Of(mine.Where(m => m.Status == TrialStatus.Ok).ToList(), ScaleExperiment.FirstByteMetric, 1e-6),
                During([t], host).Cpu);
        })];
    }

    private static Footprint FootprintOf(TrialRecord trial, IReadOnlyList<TrialRecord> members, string source)
    {
        var read = members.Where(m => !m.Warmup && m.Sample(ScaleExperiment.RssMetric) is not null).ToList();
        var processes = read.Values(ScaleExperiment.ProcessesMetric);
        return new Footprint(trial.Runtime, trial.Workload, source, read.Count,
            Of(read, ScaleExperiment.RssMetric, MiB), Of(read, ScaleExperiment.PssMetric, MiB),
            trial.Sample(FleetTrial.MemDropPerSandboxMetric) * MiB,
            processes.Count > 0 ? Summary.Of(processes)!.P50 : null,
            (trial.Sample("artifact_bytes") ?? 0) * MiB,
            trial.Parameters.GetValueOrDefault("drop-caches") == "yes");
    }

    /// <summary>The stored sandboxes of each fleet trial, by the trial's id (their <c>step</c> parameter).</summary>
    private static Dictionary<long, List<TrialRecord>> MembersByStep(IReadOnlyList<TrialRecord> trials, string experiment) =>
        trials.Where(t => t.Experiment == experiment && t.Parameters.ContainsKey("step"))
            .GroupBy(t => long.Parse(t.Parameters["step"], System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.ToList());

    private static Summary? Of(IReadOnlyList<TrialRecord> trials, string metric, double scale) =>
        Summary.Of(trials.Values(metric))?.Scale(scale);

    /// <summary>
    /// Mean all-core CPU busy and the largest load average the host showed while the trials ran: the readings from their
    /// origin to a second after their end (each reading covers the second before it, so a step shorter than a second
    /// still gets the one that covers it).
    /// </summary>
    private static (double? Cpu, double? Load) During(IReadOnlyList<TrialRecord> trials, IReadOnlyList<HostMetric> host)
    {
        var windows = trials.Where(t => t.OriginNs > 0)
            .Select(t => (From: t.OriginNs,
                To: t.OriginNs + t.Phases.Where(p => p.Key == Timing.Phases.Done).Select(p => p.Value).DefaultIfEmpty().Max() + 1_000_000_000))
            .ToList();
        bool In(HostMetric m) => windows.Any(w => m.TNs >= w.From && m.TNs <= w.To);
        var cpu = host.Where(m => m.Metric == HostSampler.CpuBusy && In(m)).Select(m => m.Value).ToList();
        var load = host.Where(m => m.Metric == HostSampler.Load1 && In(m)).Select(m => m.Value).ToList();
        return (cpu.Count > 0 ? cpu.Average() : null, load.Count > 0 ? load.Max() : null);
    }
}
