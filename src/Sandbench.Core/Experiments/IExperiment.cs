using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Experiments;

/// <summary>A kind of measurement: expands a plan section into trials and runs one trial.</summary>
public interface IExperiment
{
    string Name { get; }

    /// <summary>Problems that make the section impossible on a runtime (checked before anything starts).</summary>
    IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime);

    /// <summary>Runs one trial. Never throws for a failed trial: failures are outcomes with a reason.</summary>
    Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct);
}

/// <summary>One trial to run.</summary>
public sealed record TrialPlan(ExperimentSpec Spec, RuntimeProfile Runtime, string Workload, int Iteration, bool Warmup)
{
    /// <summary>The swept option values this trial runs with (empty without a sweep).</summary>
    public IReadOnlyDictionary<string, string> Swept { get; init; } = new Dictionary<string, string>();

    /// <summary>The open-loop rate of this trial in requests per second (warm: one trial per rate of the section); null otherwise.</summary>
    public double? Rate { get; init; }

    /// <summary>scale: the step's number of sandboxes (N); null for other experiments.</summary>
    public int? Count { get; init; }

    /// <summary>imagepull: the security level this trial pulls at (one trial per level of the section); null for other experiments.</summary>
    public Images.SecurityLevel? Security { get; init; }

    /// <summary>The runtime of the plan this trial's runtime variant comes from.</summary>
    public string BaseRuntime => Runtime.Name.Split('@')[0];
}

/// <summary>Everything a trial may use.</summary>
public sealed record TrialContext(
    TrialPlan Trial,
    IRuntime Runtime,
    Artifact Artifact,
    string SandboxName,
    string WorkDir,
    MonotonicClock Clock)
{
    /// <summary>Starts a local gateway in front of a runtime + workload (null where the host program has none).</summary>
    public Gateway.IGatewayLauncher? Gateway { get; init; }

    /// <summary>Builds, serves and pulls images (imagepull); null where the host program has none.</summary>
    public Images.IImageLab? Images { get; init; }

    /// <summary>Starts MariaDB and the image server for an application flow (flow); null where the host program has none.</summary>
    public Workloads.IFlowBackends? Backends { get; init; }

    /// <summary>The run's id (labels what a trial creates outside the host, e.g. cluster objects); empty when not known.</summary>
    public string RunId { get; init; } = "";
}

/// <summary>What one trial measured, or why it failed.</summary>
public sealed record TrialOutcome(
    TrialStatus Status,
    string? Error,
    string Readiness,
    long ReadinessResolutionNs,
    IReadOnlyList<KeyValuePair<string, long>> Phases,
    IReadOnlyList<KeyValuePair<string, double>> Samples,
    IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Memory and CPU of the sandbox's processes over time, when the experiment sampled them.</summary>
    public IReadOnlyList<ResourceSample> Resources { get; init; } = [];

    /// <summary>Latency distributions, encoded, when the experiment loaded the sandbox.</summary>
    public IReadOnlyList<EncodedHistogram> Histograms { get; init; } = [];

    /// <summary>The load's per-second series, when the experiment loaded the sandbox.</summary>
    public IReadOnlyList<LoadSecond> Seconds { get; init; } = [];

    /// <summary>Other per-second series by metric (an eventing trial's events and delivery percentiles per second).</summary>
    public IReadOnlyList<SeriesPoint> Series { get; init; } = [];

    /// <summary>
    /// Absolute monotonic nanoseconds the phases are offsets from (the spawn; a scale step's start), so host
    /// readings join to trials by time. Null: the experiment did not say, and the executor uses the run's clock.
    /// </summary>
    public long? OriginNs { get; init; }

    /// <summary>The sandboxes of a trial that ran many at once (a scale step), each stored as a trial of its own.</summary>
    public IReadOnlyList<MemberOutcome> Members { get; init; } = [];

    /// <summary>
    /// Later trials of the same experiment section, runtime and workload are skipped (a scale ladder broke);
    /// the reason is stored with this trial.
    /// </summary>
    public string? EndsSeries { get; init; }
}

/// <summary>One sandbox of a trial that ran many at once, stored as a trial of experiment <paramref name="Experiment"/>.</summary>
/// <param name="Index">Its number within the trial (iteration in the store).</param>
/// <param name="Warmup">Started before the measured ones, flagged, never in statistics.</param>
public sealed record MemberOutcome(string Experiment, int Index, bool Warmup, TrialOutcome Outcome);

/// <summary>The one table of experiments.</summary>
public static class ExperimentRegistry
{
    public static IReadOnlyList<IExperiment> All { get; } = [new ColdStartExperiment(), new BootExperiment(), new WarmExperiment(), new ScaleExperiment(), new DensityExperiment(), new SyscallExperiment(), new ImagePullExperiment(), new FlowExperiment(), new EventingExperiment()];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(e => e.Name)];

    public static IExperiment Get(string name) =>
        All.FirstOrDefault(e => e.Name == name)
        ?? throw new SandbenchException($"unknown experiment '{name}' (valid: {string.Join(", ", Names)})");
}
