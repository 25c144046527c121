using System.Net;
using System.Net.Sockets;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// One sandbox of a fleet (a scale step, a density run): its phases, how it resolved (answered, or failed with
/// a reason) and its memory readings. It resolves once; whoever resolves it first (its start, the request
/// side, the deadline) wins.
/// </summary>
internal sealed class FleetMember(int index, bool warmup, string name, string workDir, MonotonicClock clock)
{
    private readonly TaskCompletionSource _resolved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly List<ResourceSample> _resources = [];
    private ISandbox? _sandbox;
    private EndPoint? _endpoint;
    private int _state;

    public int Index { get; } = index;

    public bool Warmup { get; } = warmup;

    public string Name { get; } = name;

    public string WorkDir { get; } = workDir;

    public string OutputPath => Path.Combine(WorkDir, "workload.log");

    public PhaseClock Phases { get; } = new(clock);

    /// <summary>When its start was asked for (the step's or batch's start); its origin when it never spawned.</summary>
    public long QueuedNs { get; set; }

    /// <summary>By when it must have answered.</summary>
    public long DeadlineNs { get; set; }

    /// <summary>Without socket activation: the port it was given (its PORT; 127.0.0.1:PORT on host loopback).</summary>
    public int Port { get; set; }

    /// <summary>Socket activation: our copy of the listening socket passed to the workload (closed once it started).</summary>
    public Socket? Listener { get; set; }

    /// <summary>The sandbox once the runtime returned it; null before, or when the start failed (the runtime then removed it).</summary>
    public ISandbox? Sandbox
    {
        get => Volatile.Read(ref _sandbox);
        set => Volatile.Write(ref _sandbox, value);
    }

    /// <summary>Where connect-retry aims (127.0.0.1:PORT, or an address the runtime announced); null while unknown.</summary>
    public EndPoint? Endpoint
    {
        get => Volatile.Read(ref _endpoint);
        set => Volatile.Write(ref _endpoint, value);
    }

    /// <summary>Connect-retry: gap between the last refused attempt and the accepted one, the largest gap, and attempts.</summary>
    public long ResolutionNs { get; set; }

    public long MaxGapNs { get; set; }

    public TrialStatus Status { get; private set; } = TrialStatus.Ok;

    public string? Error { get; private set; }

    /// <summary>The failure's category (<see cref="FailureReasons"/>); null when it answered.</summary>
    public string? Reason { get; private set; }

    public bool Resolved => Volatile.Read(ref _state) != 0;

    public bool Answered => Volatile.Read(ref _state) == 1;

    /// <summary>Completes when the member answered or failed.</summary>
    public Task ResolvedTask => _resolved.Task;

    /// <summary>RSS and PSS summed over its processes at the footprint reading, and how many processes that was.</summary>
    public long? RssBytes { get; set; }

    public long? PssBytes { get; set; }

    public int Processes { get; set; }

    /// <summary>Its sandbox was alive at the footprint reading.</summary>
    public bool AliveAtReading { get; set; }

    public long? PeakRssBytes { get; private set; }

    public long? PeakPssBytes { get; private set; }

    /// <summary>The first byte of the response arrived (after <see cref="Timing.Phases.FirstByte"/> was marked).</summary>
    public bool Answer() => Resolve(1, TrialStatus.Ok, null);

    public bool Fail(TrialStatus status, string error) => Resolve(2, status, error);

    private bool Resolve(int state, TrialStatus status, string? error)
    {
        if (Interlocked.CompareExchange(ref _state, state, 0) != 0) return false;
        Status = status;
        Error = error;
        Reason = state == 1 ? null : FailureReasons.Classify(status, error);
        _resolved.TrySetResult();
        return true;
    }

    /// <summary>After teardown: a failed teardown fails a member that answered, and joins any member's error.</summary>
    public void Ended(TrialStatus status, string? error)
    {
        if (status == Status && error == Error) return;
        Status = status;
        Error = error;
        Reason = status == TrialStatus.Ok ? null : FailureReasons.Classify(status, error);
    }

    /// <summary>One reading of its processes (absolute times); sums go into the peaks.</summary>
    public void AddReading(IReadOnlyList<ResourceSample> readings)
    {
        if (readings.Count == 0) return;
        lock (_gate)
        {
            _resources.AddRange(readings);
            long? rss = Sum(readings.Select(r => r.RssBytes)), pss = Sum(readings.Select(r => r.PssBytes));
            if (rss > (PeakRssBytes ?? -1)) PeakRssBytes = rss;
            if (pss > (PeakPssBytes ?? -1)) PeakPssBytes = pss;
        }
    }

    public static long? Sum(IEnumerable<long?> values)
    {
        long? total = null;
        foreach (var v in values)
            if (v is { } x) total = (total ?? 0) + x;
        return total;
    }

    /// <summary>Where it had got to, for a timeout's message.</summary>
    public string Progress() => Phases.Snapshot() is { Count: > 0 } all ? $"last phase: {all[^1].Key}" : "not started";

    /// <summary>Its origin: the spawn when there was one, else when its start was asked for.</summary>
    public long OriginNs => Phases.TryGet(Timing.Phases.Spawn, out long spawn) ? spawn : QueuedNs;

    /// <summary>The stored trial of this sandbox.</summary>
    /// <param name="stepStartNs">Start of its step (scale) or batch (density): <c>first_byte_ns</c> counts from there.</param>
    /// <param name="readiness">The readiness method's name.</param>
    /// <param name="parameters">The step's parameters, to which its own details are added.</param>
    /// <param name="artifactBytes">The workload artifact's size.</param>
    public TrialOutcome ToOutcome(long stepStartNs, string readiness, IReadOnlyDictionary<string, string> parameters, long artifactBytes)
    {
        long origin = OriginNs;
        var all = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
        if (Sandbox?.Details is { } details)
            foreach (var (k, v) in details) all[k] = v;
        if (Reason is { } reason) all["reason"] = reason;
        var samples = new List<KeyValuePair<string, double>> { new("artifact_bytes", artifactBytes) };
        if (Status == TrialStatus.Ok && Phases.TryGet(Timing.Phases.FirstByte, out long fb))
        {
            samples.Add(new(ColdStartExperiment.Metric, fb - origin));
            samples.Add(new(ScaleExperiment.FirstByteMetric, fb - stepStartNs));
        }
        if (RssBytes is { } rss) samples.Add(new(ScaleExperiment.RssMetric, rss));
        if (PssBytes is { } pss) samples.Add(new(ScaleExperiment.PssMetric, pss));
        if (Processes > 0) samples.Add(new(ScaleExperiment.ProcessesMetric, Processes));
        if (PeakRssBytes is { } prss) samples.Add(new(BootExperiment.RssPeakMetric, prss));
        if (PeakPssBytes is { } ppss) samples.Add(new(BootExperiment.PssPeakMetric, ppss));
        if (MaxGapNs > 0) samples.Add(new("retry_max_gap_ns", MaxGapNs));
        List<ResourceSample> readings;
        lock (_gate) readings = [.. _resources.Select(r => r with { TNs = r.TNs - origin })];
        return new TrialOutcome(Status, Error, readiness, ResolutionNs,
            [.. Phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin))], samples, all)
        {
            OriginNs = origin,
            Resources = readings,
        };
    }
}
