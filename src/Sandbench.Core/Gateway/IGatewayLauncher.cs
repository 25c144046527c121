using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Gateway;

/// <summary>
/// Starts a local gateway (the single-machine stand-in for Knative's activator and autoscaler) in front
/// of one service, at zero sandboxes. Core defines it; the composition root supplies the implementation
/// (Sandbench.Gateway), so experiments can aim at a gateway without Core depending on its HTTP server.
/// </summary>
public interface IGatewayLauncher
{
    /// <summary>Starts listening on 127.0.0.1; no sandbox starts before the first request.</summary>
    Task<IGatewayHandle> StartAsync(GatewayLaunch launch, CancellationToken ct);
}

/// <summary>A running gateway. Disposing it stops listening and tears down every sandbox it started.</summary>
public interface IGatewayHandle : IAsyncDisposable
{
    /// <summary>Where to send requests: <c>http://127.0.0.1:PORT/</c> (the one service takes every path and Host).</summary>
    Uri Url { get; }

    /// <summary>Requests answered so far, in the order they ended (also after disposal).</summary>
    IReadOnlyList<GatewayRequestRecord> Requests { get; }

    /// <summary>Sandboxes that have ended so far (every one, once the gateway is disposed).</summary>
    IReadOnlyList<GatewaySandboxRecord> Sandboxes { get; }

    /// <summary>Sandboxes alive now (starting or serving).</summary>
    int LiveSandboxes { get; }
}

/// <summary>What to start a gateway for.</summary>
/// <param name="Service">The one service: name, runtime, workload artifact, scaling.</param>
/// <param name="WorkDir">Scratch directory for the sandboxes' files; the caller removes it.</param>
/// <param name="SandboxPrefix">Sandbox names are this plus <c>-N</c>; carries the run id (<c>sb-RUN-...</c>) so <c>clean</c> finds leftovers.</param>
/// <param name="Clock">The measurement clock: every recorded timestamp comes from it.</param>
public sealed record GatewayLaunch(GatewayService Service, string WorkDir, string SandboxPrefix, MonotonicClock Clock)
{
    /// <summary>Drives the idle window and queue/start timeouts (a fake one in tests); the system's by default.</summary>
    public TimeProvider? ScalingTime { get; init; }

    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Further services behind the same gateway (the functions of an application flow), routed by name like the first.</summary>
    public IReadOnlyList<GatewayService> MoreServices { get; init; } = [];
}

/// <summary>One service behind the gateway: requests whose Host's first label or first path segment is <see cref="Name"/>.</summary>
public sealed record GatewayService(string Name, IRuntime Runtime, Artifact Artifact, ScalingOptions Scaling)
{
    /// <summary>Variables every sandbox of the service gets in its environment (besides <c>PORT</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>How a service scales, in Knative's terms.</summary>
public sealed record ScalingOptions
{
    /// <summary>Requests one sandbox serves at once (Knative's containerConcurrency); 0 = no limit.</summary>
    public int ContainerConcurrency { get; init; }

    /// <summary>At most this many sandboxes at once; further requests queue.</summary>
    public int MaxScale { get; init; } = 10;

    /// <summary>A sandbox that served nothing for this long is stopped (down to zero).</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A request that found no free sandbox for this long is answered 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A sandbox not ready this long after its start is a failed start (502 to the requests waiting for it).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest silence from a sandbox while forwarding (YARP's activity timeout): then 504.</summary>
    public TimeSpan UpstreamTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How the gateway learns a new sandbox can take requests (auto: as the coldstart experiment resolves it).</summary>
    public ReadinessMethod Readiness { get; init; } = ReadinessMethod.Auto;

    /// <summary>Least time between two connection attempts with connect-retry.</summary>
    public TimeSpan RetrySpacing { get; init; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Every problem with these values, one line each.</summary>
    public IEnumerable<string> Validate()
    {
        if (ContainerConcurrency < 0) yield return $"container concurrency must be 0 (no limit) or more, got {ContainerConcurrency}";
        if (MaxScale < 1) yield return $"max scale must be at least 1, got {MaxScale}";
        if (IdleWindow <= TimeSpan.Zero) yield return "the idle window must be above 0";
        if (QueueTimeout <= TimeSpan.Zero) yield return "the queue timeout must be above 0";
        if (StartTimeout <= TimeSpan.Zero) yield return "the start timeout must be above 0";
        if (UpstreamTimeout <= TimeSpan.Zero) yield return "the upstream timeout must be above 0";
        if (RetrySpacing <= TimeSpan.Zero) yield return "the retry spacing must be above 0";
    }
}
