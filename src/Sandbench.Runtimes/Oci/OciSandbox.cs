using System.Globalization;
using System.Net;
using Sandbench.Core.Runtimes;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Oci;

/// <summary>A container known to its OCI runtime by name, with its own network namespace when it has one.</summary>
internal sealed class OciSandbox(string name, IReadOnlyList<string> runtime, SandboxLedger ledger, string pidFile,
    NetNamespace? network = null, EndPoint? endpoint = null) : ISandbox
{
    private int _disposed;

    public string Name { get; } = name;

    /// <summary>The workload's address in its network namespace (<c>network: netns</c>); null: host loopback.</summary>
    public EndPoint? ServiceEndpoint { get; } = endpoint;

    public IReadOnlyDictionary<string, string> Details { get; } = network is null
        ? new Dictionary<string, string>()
        : new Dictionary<string, string>
        {
            ["network"] = $"netns {network.SandboxAddress}",
            ["network_setup_us"] = ((long)network.SetupTime.TotalMicroseconds).ToString(CultureInfo.InvariantCulture),
        };

    private int Pid => File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int p) ? p : 0;

    private int? _gofer;

    /// <summary>
    /// The container's process (runc: the workload itself; runsc: the sandbox, with its ptrace stubs) and its
    /// descendants, plus runsc's gofer, which is no descendant of it (read from runsc's state once, then kept).
    /// </summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            if (Pid is not (> 0 and var p)) return [];
            _gofer ??= RunscState.GoferPid(runtime, Name) ?? 0;
            return _gofer is > 0 and var g && g != p ? [.. ProcTree.WithDescendants(p), .. ProcTree.WithDescendants(g)] : ProcTree.WithDescendants(p);
        }
    }

    public bool HasExited(out string reason)
    {
        int pid = Pid;
        if (pid > 0 && !PidFd.IsAlive(pid))
        {
            reason = "the container's process exited";
            return true;
        }
        reason = "";
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await Delete(Name, runtime).ConfigureAwait(false);
        }
        finally
        {
            // The namespace goes even when the container would not: clean retries the container by its ledger entry.
            if (network is not null) await network.DeleteAsync().ConfigureAwait(false);
        }
        ledger.Remove(Name);
    }

    /// <summary>Deletes a container by name and its ledger entry (also used by clean); throws if it cannot be removed.</summary>
    internal static async Task Remove(string name, IReadOnlyList<string> runtime, SandboxLedger ledger)
    {
        await Delete(name, runtime).ConfigureAwait(false);
        ledger.Remove(name);
    }

    /// <summary>Deletes a container by name; throws if it cannot be removed.</summary>
    internal static async Task Delete(string name, IReadOnlyList<string> runtime)
    {
        var timeout = TimeSpan.FromSeconds(30);
        var r = await Command.RunAsync(runtime[0], [.. runtime.Skip(1), "delete", "--force", name], timeout).ConfigureAwait(false);
        if (!r.Ok && !NotFound(r))
        {
            await Command.RunAsync(runtime[0], [.. runtime.Skip(1), "kill", name, "KILL"], timeout).ConfigureAwait(false);
            r = await Command.RunAsync(runtime[0], [.. runtime.Skip(1), "delete", "--force", name], timeout).ConfigureAwait(false);
            if (!r.Ok && !NotFound(r))
                throw new InvalidOperationException($"{Path.GetFileName(runtime[0])} delete {name} failed: {r.Reason()} (run 'sandbench clean')");
        }
    }

    private static bool NotFound(CommandResult r) =>
        (r.Stderr + r.Stdout).Contains("not exist", StringComparison.OrdinalIgnoreCase)
        || (r.Stderr + r.Stdout).Contains("not found", StringComparison.OrdinalIgnoreCase);
}
