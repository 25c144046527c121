using System.Net;
using System.Net.Sockets;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;

namespace Sandbench.Gateway;

internal enum SandboxState
{
    /// <summary>The runtime is starting it (with socket activation it may already hold requests: the kernel queues them).</summary>
    Starting,
    /// <summary>Started and taking requests.</summary>
    Serving,
    /// <summary>Taken out of the pool; its teardown is under way or done.</summary>
    Stopping,
}

/// <summary>One sandbox of a service, as the pool sees it. Mutable fields are guarded by the pool's lock.</summary>
internal sealed class GatewaySandbox : IDisposable
{
    private int _stopped, _announced;

    public GatewaySandbox(string name, string workDir, ReadinessMethod readiness, PhaseClock phases, long startNs)
    {
        Name = name;
        WorkDir = workDir;
        Readiness = readiness;
        Phases = phases;
        StartNs = startNs;
    }

    public string Name { get; }

    /// <summary>Started by the warm-up: in no record and no report.</summary>
    public bool Silent { get; init; }

    public string WorkDir { get; }

    public string OutputPath => Path.Combine(WorkDir, "workload.log");

    public ReadinessMethod Readiness { get; }

    public PhaseClock Phases { get; }

    public long StartNs { get; }

    public SandboxState State { get; set; } = SandboxState.Starting;

    /// <summary>Socket activation: the listening socket, ours until the runtime has handed it to the workload.</summary>
    public Socket? Listener { get; set; }

    /// <summary>Where requests go; a runtime with its own addresses may change it before the spawn.</summary>
    public EndPoint? Endpoint { get; set; }

    /// <summary><c>http://ADDRESS:PORT/</c>, YARP's destination prefix.</summary>
    public string Destination => Endpoint is IPEndPoint ip ? $"http://{ip}/" : throw new InvalidOperationException($"{Name} has no address");

    /// <summary>One connection pool per sandbox, gone with it: a port a stopped sandbox had may be reused by the next.</summary>
    public HttpMessageInvoker Client { get; } = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    });

    public ISandbox? Sandbox { get; set; }

    /// <summary>May be given requests: from its creation with socket activation, else once ready.</summary>
    public bool Accepting { get; set; }

    /// <summary>When it could first take a request (null: not yet). A request given to it before then is cold.</summary>
    public long? ReadyNs { get; set; }

    public long ReadinessResolutionNs { get; set; }

    public int InFlight { get; set; }

    public int Served { get; set; }

    /// <summary>Bumped whenever the sandbox gets a request, so an idle timer armed before knows it is stale.</summary>
    public long IdleGeneration { get; set; }

    public ITimer? IdleTimer { get; set; }

    /// <summary>Why it failed to start or ended on its own.</summary>
    public string? Failure { get; set; }

    /// <summary>Fires when the start took longer than the start timeout; made with the slot, on the scaling clock.</summary>
    public CancellationTokenSource? StartTimeout { get; set; }

    /// <summary>Cancelled when it fails or the gateway shuts down: forwards in flight stop waiting for it.</summary>
    public CancellationTokenSource Abort { get; } = new();

    /// <summary>Why it was taken out of the pool while its runtime was still starting it; its start task stops it with this reason.</summary>
    public string? PendingStop { get; set; }

    /// <summary>Its start task is over (the runtime returned and readiness was learnt, or the start failed).</summary>
    public bool StartFinished { get; set; }

    /// <summary>True for the one caller that announces it ready (socket activation: the first response's release).</summary>
    public bool TryClaimReadyAnnouncement() => Interlocked.Exchange(ref _announced, 1) == 0;

    /// <summary>True for the one caller that gets to tear it down.</summary>
    public bool TryClaimStop() => Interlocked.Exchange(ref _stopped, 1) == 0;

    public void Dispose()
    {
        IdleTimer?.Dispose();
        Listener?.Dispose();
        Client.Dispose();
        StartTimeout?.Dispose();
        // Abort is not disposed: a forward that ends late may still link to its token.
    }
}

/// <summary>A request's hold on a sandbox, from assignment to the end of its response.</summary>
internal sealed class Lease(GatewaySandbox sandbox, bool cold, long assignedNs)
{
    public GatewaySandbox Sandbox { get; } = sandbox;

    /// <summary>The sandbox was not ready when the request was given to it: the request waited for a start.</summary>
    public bool Cold { get; } = cold;

    public long AssignedNs { get; } = assignedNs;
}
