namespace Sandbench.Core.Storage;

/// <summary>Where results live. Every trial is committed when it is appended, so an interrupted run keeps what finished.</summary>
public interface IResultStore : IDisposable
{
    /// <summary>Records a new run (status <see cref="RunStatus.Running"/>) and its environment.</summary>
    void BeginRun(RunInfo run, IReadOnlyDictionary<string, string> environment);

    /// <summary>Appends one finished trial with its phases and samples in one transaction; returns its id.</summary>
    long AppendTrial(TrialRecord trial);

    void FinishRun(string runId, RunStatus status, DateTimeOffset finishedUtc);

    /// <summary>Runs, newest first.</summary>
    IReadOnlyList<RunInfo> ListRuns();

    /// <summary>A run by its id or a unique prefix of it; null when none matches.</summary>
    /// <exception cref="SandbenchException">The prefix matches several runs.</exception>
    RunInfo? FindRun(string idOrPrefix);

    IReadOnlyList<TrialRecord> Trials(string runId);

    IReadOnlyDictionary<string, string> Environment(string runId);

    /// <summary>Appends readings of the host taken during a run, committed at once.</summary>
    void AppendHostMetrics(string runId, IReadOnlyList<HostMetric> metrics);

    /// <summary>The host readings of a run, in time order.</summary>
    IReadOnlyList<HostMetric> HostMetrics(string runId);

    /// <summary>The resource samples of one trial, in time order.</summary>
    IReadOnlyList<ResourceSample> Resources(long trialId);

    /// <summary>The encoded latency histograms of one trial (stored with it), by metric name.</summary>
    IReadOnlyList<EncodedHistogram> Histograms(long trialId);

    /// <summary>The per-second series of one trial's load (stored with it), in second order.</summary>
    IReadOnlyList<LoadSecond> LoadSeconds(long trialId);

    /// <summary>The per-second series of one trial (e.g. a CloudEvents sink's), by metric then second.</summary>
    IReadOnlyList<SeriesPoint> Series(long trialId);
}

/// <summary>One value of a per-second series of a trial (e.g. events received in second 3).</summary>
/// <param name="Second">Seconds since the trial's origin, counted from 0.</param>
public sealed record SeriesPoint(string Metric, int Second, double Value);

/// <summary>A distribution in HdrHistogram's standard compressed encoding (V2, zlib), decodable by any HdrHistogram library.</summary>
/// <param name="Metric">What it holds and in which unit, e.g. <c>corrected_us</c>.</param>
public sealed record EncodedHistogram(string Metric, byte[] Data);

/// <summary>One second of a load window: requests due (or sent, in closed loop) in it and what became of them.</summary>
/// <param name="Second">Seconds since the load started (0-based).</param>
/// <param name="P50Ns">Median corrected latency of the requests completed from this second (2 significant digits); null when none.</param>
public sealed record LoadSecond(int Second, long Completed, long Errors, long Late, long Dropped, long? P50Ns, long? P99Ns);

/// <summary>One reading of the host during a run.</summary>
/// <param name="TNs">Absolute monotonic nanoseconds (the clock of trials' origins, so readings join to trials by time).</param>
/// <param name="Metric">e.g. <c>cpu_busy</c> (fraction of all cores), <c>cpu_busy.cpu0</c>, <c>mem_available_bytes</c>, <c>load1</c>.</param>
public sealed record HostMetric(long TNs, string Metric, double Value);

/// <summary>One reading of one process of a sandbox.</summary>
/// <param name="TNs">Nanoseconds since the trial's origin (the spawn).</param>
/// <param name="Pid">The host process id.</param>
/// <param name="RssBytes">Resident set size; null when the process was gone or unreadable.</param>
/// <param name="PssBytes">Proportional set size (shared pages divided among their sharers), from smaps_rollup.</param>
/// <param name="CpuNs">User plus system CPU time consumed so far.</param>
public sealed record ResourceSample(long TNs, int Pid, long? RssBytes, long? PssBytes, long? CpuNs)
{
    /// <summary>Resident bytes of the VM's guest RAM mapping in this process (null: not a VMM, or not known).</summary>
    public long? GuestRssBytes { get; init; }
}

public enum RunStatus
{
    Running,
    Completed,
    Interrupted,
    Failed,
}

public enum TrialStatus
{
    Ok,
    Failed,
    Timeout,
    Interrupted,
}

/// <summary>One execution of a plan.</summary>
public sealed record RunInfo(
    string Id,
    string PlanName,
    string PlanHash,
    string PlanText,
    DateTimeOffset StartedUtc,
    DateTimeOffset? FinishedUtc,
    RunStatus Status,
    string ToolVersion)
{
    /// <summary>Filled by queries: trials stored, and how many of those failed.</summary>
    public int TrialCount { get; init; }
    public int FailedCount { get; init; }
}

/// <summary>A list whose items can be read as one span (a store's phases and samples of a trial: no enumerator per walk).</summary>
public interface ISpanList<T> : IReadOnlyList<T>
{
    ReadOnlySpan<T> Span { get; }
}

/// <summary>One measured unit.</summary>
/// <param name="OriginNs">Absolute monotonic nanoseconds of the trial's origin (the spawn phase); phases are offsets from it.</param>
/// <param name="Phases">Phase name to nanoseconds since the origin (may be negative, e.g. a request queued before spawn).</param>
/// <param name="Samples">Metric name to value (durations in nanoseconds, sizes in bytes).</param>
/// <param name="ReadinessResolutionNs">Worst-case error of the readiness method (e.g. the largest gap between connect attempts), 0 when exact.</param>
public sealed record TrialRecord(
    string RunId,
    string Experiment,
    string Runtime,
    string Workload,
    IReadOnlyDictionary<string, string> Parameters,
    int Iteration,
    bool Warmup,
    TrialStatus Status,
    string? Error,
    string Readiness,
    long ReadinessResolutionNs,
    DateTimeOffset StartedUtc,
    long OriginNs,
    IReadOnlyList<KeyValuePair<string, long>> Phases,
    IReadOnlyList<KeyValuePair<string, double>> Samples)
{
    /// <summary>Database id, set when read back.</summary>
    public long Id { get; init; }

    /// <summary>Memory and CPU of the sandbox's processes sampled over time (appended with the trial; not read back with it).</summary>
    public IReadOnlyList<ResourceSample> Resources { get; init; } = [];

    /// <summary>Latency distributions of the trial (appended with it; read back with <see cref="IResultStore.Histograms"/>).</summary>
    public IReadOnlyList<EncodedHistogram> Histograms { get; init; } = [];

    /// <summary>Per-second series of the trial's load (appended with it; read back with <see cref="IResultStore.LoadSeconds"/>).</summary>
    public IReadOnlyList<LoadSecond> Seconds { get; init; } = [];

    /// <summary>Per-second series by metric (appended with the trial; read back with <see cref="IResultStore.Series"/>).</summary>
    public IReadOnlyList<SeriesPoint> Series { get; init; } = [];

    /// <summary>The first sample named <paramref name="metric"/>, or null (a loop: analyses call it for every trial of large runs).</summary>
    public double? Sample(string metric)
    {
        foreach (var s in SampleSpan)
            if (s.Key == metric) return s.Value;
        return null;
    }

    /// <summary>
    /// <see cref="Phases"/> as a span: walking it allocates no enumerator, which a foreach over the list does for
    /// every trial (analyses walk every trial of runs with 100,000s of them).
    /// </summary>
    public ReadOnlySpan<KeyValuePair<string, long>> PhaseSpan => SpanOf(Phases);

    /// <summary><see cref="Samples"/> as a span (see <see cref="PhaseSpan"/>).</summary>
    public ReadOnlySpan<KeyValuePair<string, double>> SampleSpan => SpanOf(Samples);

    private static ReadOnlySpan<T> SpanOf<T>(IReadOnlyList<T> list) => list switch
    {
        T[] array => array,
        ISpanList<T> spans => spans.Span,
        ArraySegment<T> segment => segment,
        List<T> l => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(l),
        _ => list.ToArray(),
    };
}
