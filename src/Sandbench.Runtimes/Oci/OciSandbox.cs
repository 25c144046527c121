using Sandbench.Core.Runtimes;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Oci;

/// <summary>A container known to its OCI runtime by name.</summary>
internal sealed class OciSandbox(string name, IReadOnlyList<string> runtime, SandboxLedger ledger, string pidFile) : ISandbox
{
    private int _disposed;

    public string Name { get; } = name;

    private int Pid => File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out int p) ? p : 0;

    public IReadOnlyList<int> ProcessIds => Pid is > 0 and var p ? ProcTree.WithDescendants(p) : [];

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
        await Remove(Name, runtime, ledger).ConfigureAwait(false);
    }

    /// <summary>Deletes a container by name (also used by clean); throws if it cannot be removed.</summary>
    internal static async Task Remove(string name, IReadOnlyList<string> runtime, SandboxLedger ledger)
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
        ledger.Remove(name);
    }

    private static bool NotFound(CommandResult r) =>
        (r.Stderr + r.Stdout).Contains("not exist", StringComparison.OrdinalIgnoreCase)
        || (r.Stderr + r.Stdout).Contains("not found", StringComparison.OrdinalIgnoreCase);
}
