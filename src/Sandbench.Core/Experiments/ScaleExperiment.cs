using System.Globalization;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Scale: N sandboxes started at once (seed 000's instantiation throughput, seed 003's instances that answered
/// vs target). One trial is one step of the ladder of N: the host's MemAvailable is read (after dropping the
/// page cache), warm-up sandboxes run one at a time, then all N are asked to start at once, each with an
/// endpoint of its own and its first request waiting as in a cold start; the step ends when each answered
/// or the timeout from the step's start passed. The host's memory is read again, every sandbox's processes
/// once more, and all are torn down. Each sandbox is stored as a trial of its own (<see cref="MemberExperiment"/>)
/// with its phases, and the step with the time until all were ready and how many answered. A step where fewer
/// than min-answered of the N answered ends the runtime's ladder, with the reasons counted.
/// </summary>
public sealed class ScaleExperiment(IHostMemory memory, ProcessResources resources) : IExperiment
{
    public ScaleExperiment() : this(HostMemory.Local, ProcessResources.Local) { }

    /// <summary>The experiment name the sandboxes of a step are stored under.</summary>
    public const string MemberExperiment = "scale-sandbox";

    /// <summary>Per sandbox: the step's start to its first response byte (what a client that asked for all N at once waited).</summary>
    public const string FirstByteMetric = "first_byte_ns";

    /// <summary>Per sandbox: RSS and PSS summed over its processes at the footprint reading, and how many processes.</summary>
    public const string RssMetric = "rss_bytes";
    public const string PssMetric = "pss_bytes";
    public const string ProcessesMetric = "processes";

    /// <summary>Per step: N, how many answered, how many the runtime reported started.</summary>
    public const string TargetMetric = "target";
    public const string AnsweredMetric = "answered";
    public const string StartedMetric = "started";

    /// <summary>Per step: the step's start to the last first byte, when all N answered.</summary>
    public const string AllReadyMetric = "ready_all_ns";

    /// <summary>Per step: the step's start to the last first byte of those that answered.</summary>
    public const string LastReadyMetric = "ready_last_ns";

    public string Name => FleetSpec.Scale;

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime) => new ColdStartExperiment().Check(spec, runtime);

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var fleetSpec = spec.Fleet ?? FleetSpec.Defaults;
        int n = c.Trial.Count ?? fleetSpec.Counts[0];
        var method = ColdStartExperiment.Resolve(spec.Readiness, c.Runtime.Capabilities);
        var parameters = FleetTrial.Parameters(spec, method);
        parameters["count"] = n.ToString(CultureInfo.InvariantCulture);
        parameters["min-answered"] = fleetSpec.MinAnswered.ToString(CultureInfo.InvariantCulture);
        var phases = new PhaseClock(c.Clock);
        var samples = new List<KeyValuePair<string, double>>
        {
            new(TargetMetric, n),
            new("artifact_bytes", c.Artifact.SizeBytes),
        };

        await using var fleet = new Fleet(c, method, memory, resources);
        var (before, notDropped) = FleetTrial.Memory(memory, fleetSpec.DropCaches);
        parameters["drop-caches"] = notDropped is null ? "yes" : $"no: {notDropped}";
        await FleetTrial.WarmUpAsync(fleet, spec.Warmup, c.Clock, ct).ConfigureAwait(false);

        var members = Enumerable.Range(0, n).Select(_ => fleet.Add(warmup: false)).ToList();
        fleet.Prepare(members);
        long toolCpu = FleetTrial.ToolCpuNs();
        long start = phases.Mark("start");
        await fleet.RunAsync(members, start, ct).ConfigureAwait(false);
        FleetTrial.MarkSpread(phases, members);

        long? after = null;
        int alive = 0;
        if (!ct.IsCancellationRequested)
        {
            (after, _) = FleetTrial.Memory(memory, fleetSpec.DropCaches);
            phases.Mark("memory-read");
            alive = fleet.ReadFootprint();
        }
        await fleet.StopSamplingAsync().ConfigureAwait(false);
        long teardown = phases.Mark("teardown");
        await fleet.TearDownAsync(fleet.Members).ConfigureAwait(false);
        long done = phases.Mark(Phases.Done);

        int answered = members.Count(m => m.Answered);
        samples.Add(new(AnsweredMetric, answered));
        samples.Add(new(StartedMetric, members.Count(m => m.Phases.TryGet(Phases.Started, out _) || m.Sandbox is not null)));
        if (phases.TryGet("last-answer", out long last))
        {
            samples.Add(new(LastReadyMetric, last - start));
            if (answered == n) samples.Add(new(AllReadyMetric, last - start));
        }
        FleetTrial.AddMemory(samples, before, after, alive, members);
        FleetTrial.AddFailures(samples, members);
        samples.Add(new(FleetTrial.TeardownMetric, done - teardown));
        samples.Add(new(FleetTrial.SamplerMetric, fleet.SamplerBusyNs));
        samples.Add(new(FleetTrial.ToolCpuMetric, FleetTrial.ToolCpuNs() - toolCpu));

        var status = ct.IsCancellationRequested ? TrialStatus.Interrupted : TrialStatus.Ok;
        string? error = status == TrialStatus.Interrupted ? "interrupted" : null;
        string? ends = null;
        if (status == TrialStatus.Ok && answered < fleetSpec.MinAnswered * n)
        {
            string why = FleetTrial.Failures(members);
            parameters["break_reason"] = why;
            ends = $"the ladder broke at N={n}: {answered}/{n} answered ({why})";
        }
        parameters["broke"] = ends is null ? "no" : "yes";

        return new TrialOutcome(status, error, PlanLoader.Name(method), members.Select(m => m.MaxGapNs).DefaultIfEmpty().Max(),
            [.. phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start))], samples, parameters)
        {
            OriginNs = start,
            EndsSeries = ends,
            Members = FleetTrial.Members(MemberExperiment, fleet.Members, method, parameters.Where(p => p.Key is not ("broke" or "break_reason"))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), c.Artifact.SizeBytes),
        };
    }
}
