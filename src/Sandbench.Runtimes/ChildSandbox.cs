using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes;

/// <summary>A sandbox that is one child process tree of ours (process and bubblewrap runtimes).</summary>
internal sealed class ChildSandbox : ISandbox
{
    private readonly ChildProcess _child;
    private readonly SandboxLedger _ledger;
    private int _disposed;

    private ChildSandbox(string name, ChildProcess child, SandboxLedger ledger)
    {
        Name = name;
        _child = child;
        _ledger = ledger;
    }

    public string Name { get; }

    public IReadOnlyList<int> ProcessIds => ProcTree.WithDescendants(_child.Pid);

    /// <summary>
    /// Records the sandbox before it exists: writing the ledger after the spawn would put file-system
    /// work beside the start-up being measured. <c>clean</c> finds the processes by the
    /// <see cref="SandboxEnvironment.Marker"/> in their environment.
    /// </summary>
    private static void Register(SandboxSpec spec, SandboxLedger ledger, string? tap) =>
        ledger.Record(new LedgerEntry(spec.Name, null, spec.WorkDir, tap));

    /// <summary>Records the sandbox, then spawns its process, marking <see cref="Phases.Spawn"/> right before posix_spawn.</summary>
    /// <param name="tap">A TAP device the sandbox uses, removed by <c>clean</c> with it.</param>
    public static ChildProcess Spawn(SandboxSpec spec, SandboxLedger ledger, PhaseClock phases, SpawnOptions options, string? tap = null)
    {
        Register(spec, ledger, tap);
        return ChildProcess.Start(options, () => phases.Mark(Phases.Spawn));
    }

    public static ChildSandbox Track(SandboxSpec spec, ChildProcess child, SandboxLedger ledger) => new(spec.Name, child, ledger);

    public bool HasExited(out string reason)
    {
        if (_child.TryReap(out int status))
        {
            reason = $"the sandbox's process {Libc.DescribeStatus(status)}";
            return true;
        }
        reason = "";
        return false;
    }

    public SandboxExit? WaitForExit(TimeSpan timeout, CancellationToken ct)
    {
        if (!_child.WaitForExit(timeout, ct)) return null;
        int status = _child.Status ?? 0;
        return new SandboxExit(Libc.Exited(status) && Libc.ExitCode(status) == 0, $"the sandbox's process {Libc.DescribeStatus(status)}");
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Held before the kill, as an OCI sandbox's are: reaping the child is not the end of its descendants (the
            // workload bwrap runs in its own PID namespace was seen still exiting after bwrap was reaped).
            var processes = PidFd.Open(ProcessIds);
            _child.KillAndReap(TimeSpan.FromSeconds(10));
            var left = PidFd.WaitGone(processes, TimeSpan.FromSeconds(10));
            if (left.Count > 0)
                throw new InvalidOperationException($"processes {string.Join(", ", left)} of {Name} outlived SIGKILL (run 'sandbench clean')");
            _ledger.Remove(Name);
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>The environment a workload sees: minimal and explicit, so runs do not depend on the caller's shell.</summary>
internal static class SandboxEnvironment
{
    /// <summary>Names the sandbox in the environment of its processes, so they can be found after a crash.</summary>
    public const string Marker = "SANDBENCH_SANDBOX";

    public static Dictionary<string, string> For(SandboxSpec spec)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            [Marker] = spec.Name,
        };
        foreach (var (k, v) in spec.Environment) env[k] = v;
        if (spec.ListenSocket is not null) env["LISTEN_FDS"] = "1";
        return env;
    }
}
