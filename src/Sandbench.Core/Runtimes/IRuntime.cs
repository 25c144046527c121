using System.Net;
using System.Net.Sockets;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Runtimes;

/// <summary>A technology that starts sandboxes, configured by a <see cref="RuntimeProfile"/>.</summary>
public interface IRuntime
{
    RuntimeProfile Profile { get; }

    /// <summary>What this runtime can do; known without starting anything.</summary>
    RuntimeCapabilities Capabilities { get; }

    /// <summary>Is it installed, which version, and can it run a trivial sandbox here (and if not, why)?</summary>
    Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct);

    /// <summary>
    /// Starts one sandbox. Marks <see cref="Phases.Spawn"/> right before the first request to the
    /// runtime, marks the runtime's own phases (created, started) and returns once the runtime
    /// reports the sandbox started.
    /// On failure or cancellation everything already started is torn down before it throws.
    /// </summary>
    Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct);
}

/// <summary>What a runtime supports.</summary>
/// <param name="SocketActivation">Can pass an already-listening socket as fd 3 (<c>LISTEN_FDS</c>).</param>
/// <param name="SharesHostClock">The workload reads the host's CLOCK_MONOTONIC, so its markers can be placed on the trial's time line.</param>
/// <param name="HostLoopback">The workload's listening port is reachable on the host's 127.0.0.1 (its PORT, given in the environment).</param>
/// <param name="GuestMarker">The sandbox signals readiness itself (<see cref="IReadinessSignal"/>), e.g. a marker on a VM's serial console.</param>
/// <param name="OwnEndpoint">The sandbox names the address the host reaches it at (<see cref="ISandbox.ServiceEndpoint"/>), e.g. a guest behind a TAP device.</param>
public sealed record RuntimeCapabilities(bool SocketActivation, bool SharesHostClock, bool HostLoopback, bool GuestMarker = false, bool OwnEndpoint = false);

/// <summary>What a probe found.</summary>
public sealed record RuntimeProbe(
    string Name,
    string Kind,
    bool Installed,
    string? Version,
    bool Usable,
    string? Reason,
    string InstallHint)
{
    public static RuntimeProbe Missing(RuntimeProfile p, string binary, string hint) =>
        new(p.Name, p.Kind, false, null, false, $"{binary} not found on PATH", hint);
}

/// <summary>Everything a runtime needs to start one sandbox.</summary>
public sealed class SandboxSpec
{
    /// <summary>Unique name; carries the run id so <c>sandbench clean</c> can find leftovers.</summary>
    public required string Name { get; init; }

    public required Artifact Artifact { get; init; }

    /// <summary>Arguments after the workload binary.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>When set, passed to the workload as fd 3 with <c>LISTEN_FDS=1</c>.</summary>
    public Socket? ListenSocket { get; init; }

    /// <summary>Where the workload's stdout and stderr go (a file the trial owns).</summary>
    public required string OutputPath { get; init; }

    /// <summary>A directory the sandbox may use for its own files; removed by the caller.</summary>
    public required string WorkDir { get; init; }

    /// <summary>
    /// The workload runs its arguments to completion and the sandbox ends with it (a VM's guest powers
    /// off once the workload exits); otherwise the workload serves until the sandbox is disposed.
    /// </summary>
    public bool RunToCompletion { get; init; }

    /// <summary>
    /// Called by a runtime whose sandboxes have their own address (<see cref="RuntimeCapabilities.OwnEndpoint"/>) as
    /// soon as it is known, before the spawn, so a connect-retry poller can aim at it from the spawn on.
    /// </summary>
    public Action<EndPoint>? ServiceEndpointKnown { get; init; }

    /// <summary>
    /// Set by a cold start. A runtime whose first process is the workload itself keeps that process on the CPU it is
    /// forked on until its execve has passed the scheduler's exec balancing, gives it the caller's affinity back at
    /// once, and calls this with that CPU (before the start returns); other runtimes ignore it.
    /// </summary>
    public Action<int>? WorkloadCpuKnown { get; init; }
}

/// <summary>How a sandbox ended on its own.</summary>
/// <param name="Success">False when the workload or the sandbox reported a failure; null when the runtime cannot tell.</param>
public sealed record SandboxExit(bool? Success, string Description);

/// <summary>One running, isolated instance of a workload. Disposing it leaves nothing behind.</summary>
public interface ISandbox : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Process ids that belong to the sandbox on the host (for memory sampling).</summary>
    IReadOnlyList<int> ProcessIds { get; }

    /// <summary>True (with a description) once the sandbox's main process has ended on its own. Never blocks.</summary>
    bool HasExited(out string reason);

    /// <summary>
    /// Blocks until the sandbox has ended on its own (its workload ran to completion); null when
    /// <paramref name="timeout"/> passed first. The caller marks <see cref="Phases.Exit"/> when it returns, so a
    /// sandbox that does more work after the end (reading a console's last lines) marks it itself first.
    /// The default polls <see cref="HasExited"/> every millisecond.
    /// </summary>
    SandboxExit? WaitForExit(TimeSpan timeout, CancellationToken ct)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            if (HasExited(out string reason)) return new SandboxExit(null, reason);
            if (Environment.TickCount64 > deadline) return null;
            if (ct.WaitHandle.WaitOne(1)) ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Facts about this sandbox stored with the trial (accelerator used, image sizes ...).</summary>
    IReadOnlyDictionary<string, string> Details => new Dictionary<string, string>();

    /// <summary>What the sandbox last said (a VM's console), added to the error of a failed trial; empty when nothing.</summary>
    string Diagnose() => "";

    /// <summary>Where the host sends requests (a guest's address on a TAP device); null: 127.0.0.1 at the PORT given in its environment.</summary>
    System.Net.EndPoint? ServiceEndpoint => null;
}

/// <summary>A sandbox that says itself when the workload is ready (a guest marker, a watch event).</summary>
public interface IReadinessSignal
{
    /// <summary>Blocks until the workload signalled readiness; false when <paramref name="deadlineNs"/> passed first.</summary>
    bool WaitReady(long deadlineNs, CancellationToken ct);
}

/// <summary>Helpers shared by every runtime and experiment that talk to a sandbox on loopback.</summary>
public static class Loopback
{
    /// <summary>A listening TCP socket on 127.0.0.1 with an ephemeral port.</summary>
    public static Socket Listen(int backlog = 4096)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            s.Listen(backlog);
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>A port that was free a moment ago (for runtimes that cannot inherit a socket).</summary>
    public static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
