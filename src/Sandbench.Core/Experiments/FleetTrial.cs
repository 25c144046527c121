using System.Globalization;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>What the scale and density experiments measure alike: warm-ups, the host's memory before and after, the footprint and the stored sandboxes.</summary>
internal static class FleetTrial
{
    public const string MemBeforeMetric = "mem_available_before_bytes";
    public const string MemAfterMetric = "mem_available_after_bytes";
    public const string MemDropMetric = "mem_available_drop_bytes";

    /// <summary>The host's MemAvailable drop divided by the sandboxes alive at the reading.</summary>
    public const string MemDropPerSandboxMetric = "mem_available_drop_per_sandbox_bytes";

    public const string AliveMetric = "alive";
    public const string RssSumMetric = "rss_sum_bytes";
    public const string PssSumMetric = "pss_sum_bytes";
    public const string TeardownMetric = "teardown_ns";
    public const string SamplerMetric = "sampler_busy_ns";

    /// <summary>CPU time Sandbench itself used from the start of the step (or run) to its end: its share of the host's cores.</summary>
    public const string ToolCpuMetric = "tool_cpu_ns";

    /// <summary>CPU time (user + system) this process has used so far, in nanoseconds.</summary>
    public static long ToolCpuNs()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return (long)(self.TotalProcessorTime.TotalMilliseconds * 1_000_000);
    }

    /// <summary>Per failure category (<see cref="FailureReasons"/>): <c>failed.timeout</c>, <c>failed.pids</c> ...</summary>
    public const string FailedPrefix = "failed.";

    /// <summary>The parameters every fleet trial and its sandboxes store.</summary>
    public static Dictionary<string, string> Parameters(ExperimentSpec spec, ReadinessMethod method)
    {
        var fleet = spec.Fleet ?? FleetSpec.Defaults;
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(spec.Timeout),
            ["start-concurrency"] = fleet.StartConcurrency?.ToString(CultureInfo.InvariantCulture) ?? "all",
            ["memory-floor"] = fleet.MemoryFloorBytes.ToString(CultureInfo.InvariantCulture),
            ["sample-interval"] = Durations.Format(spec.SampleInterval),
        };
        if (method == ReadinessMethod.ConnectRetry) p["retry-spacing"] = Durations.Format(spec.RetrySpacing);
        return p;
    }

    /// <summary>MemAvailable, after dropping the page cache when asked; the second value says why the cache stayed (null: dropped).</summary>
    public static (long? Bytes, string? NotDropped) Memory(IHostMemory memory, bool drop)
    {
        string? notDropped = drop ? memory.DropCaches() : "drop-caches: false";
        return (memory.AvailableBytes(), notDropped);
    }

    /// <summary>Warm-up sandboxes, one at a time, each torn down before the next: the runtime's binaries and the artifact are then in the page cache.</summary>
    public static async Task WarmUpAsync(Fleet fleet, int count, MonotonicClock clock, CancellationToken ct)
    {
        for (int i = 0; i < count && !ct.IsCancellationRequested; i++)
        {
            var w = fleet.Add(warmup: true);
            fleet.Prepare([w]);
            await fleet.RunAsync([w], clock.NowNs(), ct).ConfigureAwait(false);
            await fleet.TearDownAsync([w]).ConfigureAwait(false);
        }
    }

    /// <summary>The memory figures of a trial: the host's drop between the two readings and the sandboxes' own sums.</summary>
    public static void AddMemory(List<KeyValuePair<string, double>> samples, long? before, long? after, int alive, IEnumerable<FleetMember> members)
    {
        if (before is { } b) samples.Add(new(MemBeforeMetric, b));
        if (after is { } a) samples.Add(new(MemAfterMetric, a));
        samples.Add(new(AliveMetric, alive));
        if (before is { } x && after is { } y)
        {
            samples.Add(new(MemDropMetric, x - y));
            if (alive > 0) samples.Add(new(MemDropPerSandboxMetric, (double)(x - y) / alive));
        }
        var read = members.Where(m => m.RssBytes is not null).ToList();
        if (read.Count > 0)
        {
            samples.Add(new(RssSumMetric, read.Sum(m => m.RssBytes ?? 0)));
            samples.Add(new(PssSumMetric, read.Sum(m => m.PssBytes ?? 0)));
        }
    }

    /// <summary>How many failed for each reason, as <c>failed.REASON</c> samples.</summary>
    public static void AddFailures(List<KeyValuePair<string, double>> samples, IEnumerable<FleetMember> members)
    {
        foreach (var g in members.Where(m => !m.Answered && m.Reason is not null).GroupBy(m => m.Reason!))
            samples.Add(new(FailedPrefix + g.Key, g.Count()));
    }

    /// <summary>"timeout ×3 (no response within 30s ...)" over the members that did not answer.</summary>
    public static string Failures(IEnumerable<FleetMember> members) =>
        FailureReasons.Describe(members.Where(m => !m.Answered).Select(m => (m.Reason ?? FailureReasons.Spawn, m.Error)));

    /// <summary>Every member as a trial of its own (experiment <paramref name="experiment"/>), warm-ups flagged.</summary>
    public static List<MemberOutcome> Members(string experiment, IEnumerable<FleetMember> members, ReadinessMethod method,
        IReadOnlyDictionary<string, string> parameters, long artifactBytes, Func<FleetMember, IReadOnlyDictionary<string, string>>? extra = null) =>
        [.. members.Select(m =>
        {
            var p = new Dictionary<string, string>(parameters, StringComparer.Ordinal);
            if (extra is not null)
                foreach (var (k, v) in extra(m)) p[k] = v;
            return new MemberOutcome(experiment, m.Index, m.Warmup, m.ToOutcome(m.QueuedNs, PlanLoader.Name(method), p, artifactBytes));
        })];

    /// <summary>Marks the first and last spawn and answer of <paramref name="members"/> on the trial's own phases.</summary>
    public static void MarkSpread(PhaseClock phases, IReadOnlyList<FleetMember> members)
    {
        var spawns = members.Select(m => m.Phases.TryGet(Phases.Spawn, out long t) ? t : (long?)null).OfType<long>().ToList();
        var answers = members.Where(m => m.Answered)
            .Select(m => m.Phases.TryGet(Phases.FirstByte, out long t) ? t : (long?)null).OfType<long>().ToList();
        if (spawns.Count > 0)
        {
            phases.MarkAt("first-spawn", spawns.Min());
            phases.MarkAt("last-spawn", spawns.Max());
        }
        if (answers.Count > 0)
        {
            phases.MarkAt("first-answer", answers.Min());
            phases.MarkAt("last-answer", answers.Max());
        }
    }
}
