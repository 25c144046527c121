using Sandbench.Core.Runtimes;

namespace Sandbench.Core.Plans;

/// <summary>A validated plan: which experiments, over which runtimes and workloads.</summary>
public sealed record Plan(
    string Name,
    string? Description,
    IReadOnlyList<RuntimeProfile> Runtimes,
    IReadOnlyList<string> Workloads,
    IReadOnlyList<ExperimentSpec> Experiments,
    string Text);

/// <summary>How a trial learns that the function is ready.</summary>
public enum ReadinessMethod
{
    /// <summary>Socket activation where the runtime can, else connect-retry.</summary>
    Auto,
    /// <summary>An already-listening socket is passed in; the request is sent at once and held by the kernel.</summary>
    Socket,
    /// <summary>Connect to the function's port until accepted, with a fixed spacing.</summary>
    ConnectRetry,
    /// <summary>The sandbox signals readiness (a guest's serial marker); then the request is sent.</summary>
    Marker,
}

/// <summary>How a cold start's first request reaches the sandbox.</summary>
public enum RequestPath
{
    /// <summary>The tool starts the sandbox and sends the request to it.</summary>
    Direct,
    /// <summary>The request goes to a local gateway whose service is at zero; the gateway starts the sandbox and forwards it (seed 003's service response latency).</summary>
    Gateway,
}

/// <summary>In which order trials of several runtimes run.</summary>
public enum TrialOrder
{
    /// <summary>Round-robin over runtimes, so slow drift of the host hits every runtime alike.</summary>
    Interleaved,
    /// <summary>All iterations of one runtime, then the next.</summary>
    Sequential,
}

/// <summary>One experiment section of a plan.</summary>
public sealed record ExperimentSpec(
    string Type,
    int Iterations,
    int Warmup,
    TimeSpan Timeout,
    ReadinessMethod Readiness,
    TimeSpan RetrySpacing,
    TrialOrder Order)
{
    /// <summary>Runtime options to sweep: each combination of values runs as its own runtime variant.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Sweep { get; init; } = NoSweep;

    /// <summary>How often the resources (memory, CPU) of a sandbox's processes are read, where the experiment samples them.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>What a warm section loads the sandbox with; null for other experiments.</summary>
    public LoadSpec? Load { get; init; }

    /// <summary>Settings of the experiments that run many sandboxes at once (scale, density); null on the others.</summary>
    public FleetSpec? Fleet { get; init; }

    /// <summary>How a cold start's request reaches the sandbox: directly, or through the local gateway.</summary>
    public RequestPath Via { get; init; } = RequestPath.Direct;

    /// <summary>syscall: the least time the calibrated loop of each operation runs (its count doubles until a loop lasts this long).</summary>
    public TimeSpan MinOpTime { get; init; } = DefaultMinOpTime;

    public static TimeSpan DefaultMinOpTime { get; } = TimeSpan.FromMilliseconds(20);

    /// <summary>flow: measured rounds of the flow per trial (after round 0, which starts every function).</summary>
    public int Rounds { get; init; } = DefaultRounds;

    public const int DefaultRounds = 20;

    /// <summary>imagepull: the image built and pulled; null on other experiments.</summary>
    public ImagePullSpec? Image { get; init; }

    /// <summary>eventing: how events travel and how long the sink waits for the last ones; null on other experiments.</summary>
    public EventingSpec? Events { get; init; }

    /// <summary>The one empty sweep, so sections without a sweep compare equal.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> NoSweep { get; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// The runtimes this section runs: each profile once, or, with a sweep, once per combination of the
    /// swept values, named <c>runtime@key=value,...</c> (the values also go in the trial's parameters).
    /// </summary>
    public IReadOnlyList<(RuntimeProfile Profile, IReadOnlyDictionary<string, string> Swept)> Variants(IReadOnlyList<RuntimeProfile> runtimes)
    {
        IEnumerable<Dictionary<string, string>> combos = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (var (key, values) in Sweep)
            combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, string>(c, StringComparer.Ordinal) { [key] = v }));
        var list = combos.ToList();
        return [.. runtimes.SelectMany(r => list.Select(c => c.Count == 0
            ? (r, (IReadOnlyDictionary<string, string>)c)
            : (r.With(c) with { Name = $"{r.Name}@{string.Join(',', c.Select(kv => $"{kv.Key}={kv.Value}"))}" }, c)))];
    }
    public static ExperimentSpec ColdStartDefaults { get; } = new(
        "coldstart", 20, 2, TimeSpan.FromSeconds(30), ReadinessMethod.Auto,
        TimeSpan.FromMicroseconds(100), TrialOrder.Interleaved);
}

/// <summary>
/// The load of a warm section. Open loop: one trial per rate, request i due at t0 + i/rate on one of
/// <see cref="Connections"/> keep-alive connections. Closed loop (no rates): <see cref="Concurrency"/>
/// connections, each sending its next request when the previous response ends.
/// </summary>
/// <param name="Rates">Requests per second, one trial each; empty for closed loop.</param>
/// <param name="Concurrency">Closed loop: connections; null for open loop.</param>
/// <param name="Duration">How long measured requests are started.</param>
/// <param name="Connections">Open loop: connections.</param>
/// <param name="WarmupDuration">Load at the same rate (or concurrency) before the measured window, not measured; zero: none.</param>
/// <param name="StartTimeout">How long the sandbox may take to start and answer its first request.</param>
public sealed record LoadSpec(
    IReadOnlyList<double> Rates,
    int? Concurrency,
    TimeSpan Duration,
    int Connections,
    TimeSpan WarmupDuration,
    TimeSpan StartTimeout)
{
    public static LoadSpec Defaults { get; } = new([], null, TimeSpan.FromSeconds(10), 32, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
}

/// <summary>
/// An eventing section's own settings (its rates, connections, duration and warm-up are its <see cref="LoadSpec"/>).
/// </summary>
/// <param name="Mode">CloudEvents HTTP content mode: <c>binary</c> or <c>structured</c>.</param>
/// <param name="Drain">After the last event was sent, how long the sink waits for the ones still on their way.</param>
public sealed record EventingSpec(string Mode, TimeSpan Drain)
{
    public const string Type = "eventing";

    public static EventingSpec Defaults { get; } = new("binary", TimeSpan.FromSeconds(10));
}

/// <summary>The names a plan may use, supplied by the registries of the layers that own them.</summary>
public sealed record PlanCatalog(
    IReadOnlyDictionary<string, RuntimeProfile> Runtimes,
    IReadOnlyDictionary<string, IReadOnlyList<string>> OptionsByKind,
    IReadOnlyList<string> Experiments,
    IReadOnlyList<string> Workloads);

/// <summary>The image an imagepull section builds and pulls: the workload's root filesystem plus random padding, in gzip layers.</summary>
/// <param name="PaddingBytes">Incompressible bytes spread evenly over the layers.</param>
/// <param name="Mode">Who pulls, and how (serial, concurrent, containerd).</param>
/// <param name="Security">The security levels compared: each is a point of the section (one trial per level and iteration).</param>
public sealed record ImagePullSpec(long PaddingBytes, int Layers, Images.PullMode Mode, IReadOnlyList<Images.SecurityLevel> Security)
{
    public const string Type = "imagepull";
    public const long MaxPadding = 4L << 30;

    /// <summary>Plain only: the levels' list when a section names none.</summary>
    public static IReadOnlyList<Images.SecurityLevel> PlainOnly { get; } = [Images.SecurityLevel.Plain];

    /// <summary>How the layers are compressed (one per section: a plan compares gzip and zstd with two sections).</summary>
    public Images.LayerCompression Compression { get; init; } = Images.LayerCompression.Gzip;

    public static ImagePullSpec Defaults { get; } = new(16L << 20, 4, Images.PullMode.Serial, PlainOnly);
}
