using System.Globalization;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Density: how many sandboxes fit. Keeps starting batches of sandboxes (each answering its first request, all
/// kept alive) until the host's MemAvailable falls below the memory floor, a sandbox of a batch fails, the
/// max count is reached or the max duration passed; then reads the host's memory drop and every sandbox's
/// processes, as a scale step does, and tears all down. One trial per runtime: the maximum reached and why it
/// stopped; each sandbox is stored as a trial of its own (<see cref="MemberExperiment"/>).
/// </summary>
public sealed class DensityExperiment(IHostMemory memory, ProcessResources resources) : IExperiment
{
    public DensityExperiment() : this(HostMemory.Local, ProcessResources.Local) { }

    public const string MemberExperiment = "density-sandbox";

    /// <summary>Sandboxes that answered and were all alive at once at the end: the maximum reached.</summary>
    public const string MaxMetric = "max_sandboxes";

    public const string BatchesMetric = "batches";

    public const string StopMemory = "memory-floor";
    public const string StopFailure = "failure";
    public const string StopMaxCount = "max-count";
    public const string StopMaxDuration = "max-duration";
    public const string StopInterrupted = "interrupted";

    public string Name => FleetSpec.Density;

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime) => new ColdStartExperiment().Check(spec, runtime);

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var fleetSpec = spec.Fleet ?? FleetSpec.Defaults;
        var method = ColdStartExperiment.Resolve(spec.Readiness, c.Runtime.Capabilities);
        var parameters = FleetTrial.Parameters(spec, method);
        parameters["batch"] = fleetSpec.Batch.ToString(CultureInfo.InvariantCulture);
        parameters["max-count"] = fleetSpec.MaxCount.ToString(CultureInfo.InvariantCulture);
        parameters["max-duration"] = Durations.Format(fleetSpec.MaxDuration);
        var phases = new PhaseClock(c.Clock);
        var samples = new List<KeyValuePair<string, double>> { new("artifact_bytes", c.Artifact.SizeBytes) };
        var batchOf = new Dictionary<FleetMember, int>();

        await using var fleet = new Fleet(c, method, memory, resources);
        var (before, notDropped) = FleetTrial.Memory(memory, fleetSpec.DropCaches);
        parameters["drop-caches"] = notDropped is null ? "yes" : $"no: {notDropped}";
        await FleetTrial.WarmUpAsync(fleet, spec.Warmup, c.Clock, ct).ConfigureAwait(false);

        long toolCpu = FleetTrial.ToolCpuNs();
        long start = phases.Mark("start");
        long limitNs = (long)(fleetSpec.MaxDuration.TotalMilliseconds * 1_000_000);
        var measured = new List<FleetMember>();
        string stop, why;
        int batches = 0;
        while (true)
        {
            long? available = memory.AvailableBytes();
            if (ct.IsCancellationRequested) (stop, why) = (StopInterrupted, "interrupted");
            else if (measured.Count >= fleetSpec.MaxCount) (stop, why) = (StopMaxCount, $"max-count {fleetSpec.MaxCount} reached");
            else if (c.Clock.NowNs() - start >= limitNs) (stop, why) = (StopMaxDuration, $"max-duration {Durations.Format(fleetSpec.MaxDuration)} passed");
            else if (available < fleetSpec.MemoryFloorBytes)
                (stop, why) = (StopMemory, $"MemAvailable {available >> 20} MiB fell below the memory floor of {fleetSpec.MemoryFloorBytes >> 20} MiB");
            else
            {
                int k = Math.Min(fleetSpec.Batch, fleetSpec.MaxCount - measured.Count);
                var batch = Enumerable.Range(0, k).Select(_ => fleet.Add(warmup: false)).ToList();
                foreach (var m in batch) batchOf[m] = batches;
                batches++;
                measured.AddRange(batch);
                fleet.Prepare(batch);
                await fleet.RunAsync(batch, c.Clock.NowNs(), ct).ConfigureAwait(false);
                if (ct.IsCancellationRequested) continue;
                if (batch.Any(m => !m.Answered))
                {
                    (stop, why) = (StopFailure, FleetTrial.Failures(batch));
                    break;
                }
                continue;
            }
            break;
        }
        FleetTrial.MarkSpread(phases, measured);

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

        // The maximum reached: sandboxes that answered and were still there together at the footprint reading.
        samples.Add(new(MaxMetric, measured.Count(m => m.Answered && m.AliveAtReading)));
        samples.Add(new(ScaleExperiment.AnsweredMetric, measured.Count(m => m.Answered)));
        samples.Add(new(ScaleExperiment.TargetMetric, measured.Count));
        samples.Add(new(BatchesMetric, batches));
        if (phases.TryGet("last-answer", out long last)) samples.Add(new(ScaleExperiment.LastReadyMetric, last - start));
        FleetTrial.AddMemory(samples, before, after, alive, measured);
        FleetTrial.AddFailures(samples, measured);
        samples.Add(new(FleetTrial.TeardownMetric, done - teardown));
        samples.Add(new(FleetTrial.SamplerMetric, fleet.SamplerBusyNs));
        samples.Add(new(FleetTrial.ToolCpuMetric, FleetTrial.ToolCpuNs() - toolCpu));
        parameters["stop"] = stop;
        parameters["stop_reason"] = why;

        var status = ct.IsCancellationRequested ? TrialStatus.Interrupted : TrialStatus.Ok;
        var memberParameters = parameters.Where(p => p.Key is not ("stop" or "stop_reason")).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        return new TrialOutcome(status, status == TrialStatus.Interrupted ? "interrupted" : null, PlanLoader.Name(method),
            measured.Select(m => m.MaxGapNs).DefaultIfEmpty().Max(),
            [.. phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - start))], samples, parameters)
        {
            OriginNs = start,
            Members = FleetTrial.Members(MemberExperiment, fleet.Members, method, memberParameters, c.Artifact.SizeBytes,
                m => batchOf.TryGetValue(m, out int b)
                    ? new Dictionary<string, string> { ["batch"] = b.ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string>()),
        };
    }
}
