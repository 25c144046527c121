using Sandbench.Core.Stats;
using Sandbench.Core.Storage;

namespace Sandbench.Report;

/// <summary>
/// What figures and tables are drawn from: the chosen runs, each with its trials, environment and host
/// readings, and the statistics <see cref="RunAnalysis"/> computes from them (computed once, here, so every
/// figure and table shows the same numbers <c>sandbench show</c> prints).
/// </summary>
public sealed class ReportData
{
    private readonly IResultStore _store;

    private ReportData(IReadOnlyList<RunData> runs, IResultStore store)
    {
        Runs = runs;
        _store = store;
    }

    public IReadOnlyList<RunData> Runs { get; }

    /// <summary>More than one run: series are labelled with their run id as well.</summary>
    public bool MultiRun => Runs.Count > 1;

    /// <summary>The name a runtime of <paramref name="run"/> has in figures: the runtime, and the run id when several runs are drawn.</summary>
    public string Label(RunData run, string runtime) => MultiRun ? $"{runtime} · {run.Info.Id}" : runtime;

    /// <summary>The memory readings of one trial, from the store (read on demand: only the trials a figure draws).</summary>
    public IReadOnlyList<ResourceSample> Resources(long trialId) => _store.Resources(trialId);

    /// <summary>The encoded latency histograms of one trial, from the store.</summary>
    public IReadOnlyList<EncodedHistogram> Histograms(long trialId) => _store.Histograms(trialId);

    /// <summary>The per-second series of one trial by metric (a CloudEvents sink's), from the store.</summary>
    public IReadOnlyList<SeriesPoint> Series(long trialId) => _store.Series(trialId);

    /// <summary>The per-second load series of one trial, from the store.</summary>
    public IReadOnlyList<LoadSecond> LoadSeconds(long trialId) => _store.LoadSeconds(trialId);

    /// <summary>Reads the given runs from the store and analyses them.</summary>
    public static ReportData Load(IResultStore store, IReadOnlyList<RunInfo> runs)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new ReportData([.. runs.Select(r =>
        {
            var run = RunData.From(r, store.Trials(r.Id), store.Environment(r.Id), store.HostMetrics(r.Id), store.Histograms);
            if (store is IGatewayStore g)
            {
                run.GatewayRequests = g.GatewayRequests(r.Id);
                run.GatewaySandboxes = g.GatewaySandboxes(r.Id);
                run.Gateway = GatewayAnalysis.Of(run.GatewayRequests, run.GatewaySandboxes);
            }
            if (store is ICommunityStore c) run.Community = c.Community(r.Id);
            return run;
        })], store);
    }
}

/// <summary>One run and its statistics.</summary>
public sealed class RunData
{
    private RunData(RunInfo info, IReadOnlyList<TrialRecord> trials, IReadOnlyDictionary<string, string> environment, IReadOnlyList<HostMetric> host,
        Func<long, IReadOnlyList<EncodedHistogram>> histograms)
    {
        Info = info;
        Trials = trials;
        _byExperiment = trials.GroupBy(t => t.Experiment).ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        Environment = environment;
        Host = host;
        // Independent analyses of the same read-only trials: on as many cores as there are (a run can hold 100,000s of trials).
        IReadOnlyList<RuntimeResult> coldStart = [];
        IReadOnlyList<PhaseBreakdown> coldStartPhases = [], bootPhases = [];
        IReadOnlyList<BootResult> boot = [];
        IReadOnlyList<WarmResult> warm = [];
        IReadOnlyList<EventingResult> eventing = [];
        IReadOnlyList<FlowResult> flow = [];
        IReadOnlyList<SyscallTable> syscall = [];
        IReadOnlyList<ImagePullResult> imagePull = [];
        IReadOnlyList<ScaleStep> scale = [];
        IReadOnlyList<Footprint> footprints = [];
        IReadOnlyList<DensityResult> density = [];
        Parallel.Invoke(
            () => coldStart = RunAnalysis.ColdStart(trials),
            () => coldStartPhases = RunAnalysis.PhaseBreakdowns(trials),
            () => boot = RunAnalysis.Boot(trials),
            () => bootPhases = RunAnalysis.PhaseBreakdowns(trials, "boot"),
            () => warm = RunAnalysis.Warm(trials, histograms),
            () => eventing = Sandbench.Core.Stats.Eventing.Of(trials),
            () => flow = FlowAnalysis.Of(trials),
            () => syscall = SyscallAnalysis.Of(trials),
            () => imagePull = ImagePullAnalysis.Of(trials),
            () => scale = ScaleAnalysis.Scale(trials, host),
            () => footprints = ScaleAnalysis.Footprints(trials),
            () => density = ScaleAnalysis.Density(trials, host));
        (ColdStart, ColdStartPhases, Boot, BootPhases, Warm) = (coldStart, coldStartPhases, boot, bootPhases, warm);
        (Eventing, Flow, Syscall, ImagePull, Scale, Footprints, Density) = (eventing, flow, syscall, imagePull, scale, footprints, density);
        HostStats = RunAnalysis.Host(host);
    }

    private readonly Dictionary<string, TrialRecord[]> _byExperiment;

    public RunInfo Info { get; }
    public IReadOnlyList<TrialRecord> Trials { get; }

    /// <summary>The run's trials of one experiment, in id order: a figure looks at its own, not at all of a run's 100,000s.</summary>
    public IReadOnlyList<TrialRecord> TrialsOf(string experiment) => _byExperiment.GetValueOrDefault(experiment, []);
    public IReadOnlyDictionary<string, string> Environment { get; }
    public IReadOnlyList<HostMetric> Host { get; }
    public IReadOnlyList<RuntimeResult> ColdStart { get; }
    public IReadOnlyList<PhaseBreakdown> ColdStartPhases { get; }
    public IReadOnlyList<BootResult> Boot { get; }
    public IReadOnlyList<PhaseBreakdown> BootPhases { get; }
    public IReadOnlyList<WarmResult> Warm { get; }
    public IReadOnlyList<EventingResult> Eventing { get; }

    /// <summary>The application flows of the run, one table each (function × runtime), as <c>show</c> prints them.</summary>
    public IReadOnlyList<FlowResult> Flow { get; }

    /// <summary>The syscall × runtime tables of the run, one per workload, as <c>show</c> prints them.</summary>
    public IReadOnlyList<SyscallTable> Syscall { get; }

    /// <summary>The image pulls of the run, one row per image configuration, as <c>show</c> prints them.</summary>
    public IReadOnlyList<ImagePullResult> ImagePull { get; }
    public IReadOnlyList<ScaleStep> Scale { get; }
    public IReadOnlyList<Footprint> Footprints { get; }
    public IReadOnlyList<DensityResult> Density { get; }

    /// <summary>The local gateway's services, when the run went through it (<c>sandbench gateway</c>).</summary>
    public IReadOnlyList<GatewayResult> Gateway { get; internal set; } = [];

    /// <summary>Every request the gateway handled in the run, in arrival order.</summary>
    public IReadOnlyList<GatewayRequestRecord> GatewayRequests { get; internal set; } = [];

    /// <summary>Every sandbox the gateway started in the run, in start order.</summary>
    public IReadOnlyList<GatewaySandboxRecord> GatewaySandboxes { get; internal set; } = [];

    /// <summary>GitHub community metrics of the repositories the run collected (<c>sandbench community</c>).</summary>
    public IReadOnlyList<CommunityRecord> Community { get; internal set; } = [];
    public IReadOnlyList<HostStat> HostStats { get; }

    public static RunData From(RunInfo info, IReadOnlyList<TrialRecord> trials, IReadOnlyDictionary<string, string> environment, IReadOnlyList<HostMetric> host,
        Func<long, IReadOnlyList<EncodedHistogram>> histograms) =>
        new(info, trials, environment, host, histograms);
}
