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

    /// <summary>The container's bundle directory, which the runtime's own processes name on their command lines.</summary>
    public string? Bundle { get; init; }

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
        // Held before the delete: 'delete' returns once the runtime let go, but runsc's sandbox and gofer may still be
        // exiting then. Teardown ends when they are gone.
        // A create that was killed (it timed out) wrote no pid file: its processes are found by the bundle they name.
        var processes = PidFd.Open(Pid == 0 && Bundle is { } b ? ProcTree.Mentioning(b) : ProcessIds);
        List<int> left;
        try
        {
            await Delete(Name, runtime).ConfigureAwait(false);
        }
        finally
        {
            left = await Task.Run(() => PidFd.WaitGone(processes, TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            // The namespace goes even when the container would not: clean retries the container by its ledger entry.
            if (network is not null) await network.DeleteAsync().ConfigureAwait(false);
        }
        if (left.Count > 0)
            throw new InvalidOperationException($"processes {string.Join(", ", left)} of {Name} outlived its delete and SIGKILL (run 'sandbench clean')");
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
        RemoveStateLeftovers(name, runtime);
    }

    /// <summary>
    /// runc 1.1 guards its binary by bind-mounting a copy of it into the container's state directory
    /// (<c>/run/runc/ID/runc.XXXXXX</c>) while it creates. A create killed midway (the run was interrupted, or
    /// the create timed out) leaves that mount and the directory behind, and <c>delete</c> no longer knows the
    /// container (there is no state.json): unmount what is mounted under it, then remove it.
    /// </summary>
    private static void RemoveStateLeftovers(string name, IReadOnlyList<string> runtime)
    {
        RunscState.RemoveLock(runtime, name);
        if (StateRoot(runtime) is not { } root) return;
        string dir = Path.Combine(root, name);
        if (!Directory.Exists(dir)) return;
        foreach (var mount in MountPointsUnder(dir)) Libc.Umount2(mount, Libc.MntDetach);
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"{Path.GetFileName(runtime[0])} left {dir}: {e.Message} (run 'sandbench clean')");
        }
    }

    /// <summary>Where the runtime keeps its containers' state as a directory per container: its <c>--root</c>, else runc's and crun's defaults for root.</summary>
    internal static string? StateRoot(IReadOnlyList<string> runtime)
    {
        for (int i = 1; i < runtime.Count; i++)
        {
            if (runtime[i].StartsWith("--root=", StringComparison.Ordinal)) return runtime[i]["--root=".Length..];
            if (runtime[i] == "--root" && i + 1 < runtime.Count) return runtime[i + 1];
        }
        if (Environment.UserName != "root") return null;
        return Path.GetFileName(runtime[0]) switch
        {
            "runc" => "/run/runc",
            "crun" => "/run/crun",
            _ => null,
        };
    }

    /// <summary>Mount points below <paramref name="dir"/> in our mount namespace, deepest first.</summary>
    private static List<string> MountPointsUnder(string dir)
    {
        string prefix = dir.TrimEnd('/') + "/";
        var points = new List<string>();
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            if (fields.Length < 5) continue;
            // mountinfo escapes space, tab, newline and backslash as octal.
            string point = fields[4].Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
                .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
            if (point.StartsWith(prefix, StringComparison.Ordinal)) points.Add(point);
        }
        return [.. points.OrderByDescending(p => p.Length)];
    }

    private static bool NotFound(CommandResult r) =>
        (r.Stderr + r.Stdout).Contains("not exist", StringComparison.OrdinalIgnoreCase)
        || (r.Stderr + r.Stdout).Contains("not found", StringComparison.OrdinalIgnoreCase);
}
