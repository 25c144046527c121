using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Runtimes.Native;
using Sandbench.Runtimes.Oci;

namespace Sandbench.Runtimes;

/// <summary>
/// Removes what an interrupted or killed Sandbench left: the sandboxes in the ledger (processes by
/// pid and start time, containers by name, their TAP devices and network namespaces) and any <c>sb-</c>
/// container the OCI runtimes still list, <c>sb-</c> network namespace <c>ip netns</c> still has, or process
/// whose environment names an <c>sb-</c> sandbox of a dead run.
/// </summary>
public static class Cleaner
{
    public const string NamePrefix = "sb-";

    /// <summary>Removes leftovers; returns one line per thing removed or that could not be removed.</summary>
    /// <param name="ledger">Where live sandboxes are recorded.</param>
    /// <param name="runId">Only this run's sandboxes; null: every run that is not alive.</param>
    /// <param name="isRunActive">Tells a live run (never touched) from a dead one.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<IReadOnlyList<string>> CleanAsync(SandboxLedger ledger, string? runId, Func<string, bool> isRunActive, CancellationToken ct)
    {
        var report = new List<string>();
        bool Mine(string name)
        {
            var parts = name.Split('-');
            if (parts.Length < 3 || parts[0] != "sb") return false;
            if (runId is not null) return parts[1] == runId;
            return parts[1] == "probe" || !isRunActive(parts[1]);
        }

        foreach (var e in ledger.Entries().Where(e => Mine(e.Name)))
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                if (e.OciCommand is { Count: > 0 } oci) await OciSandbox.Delete(e.Name, oci).ConfigureAwait(false);
                if (e.OciCommand is null)
                {
                    foreach (int pid in ProcTree.WithEnvironment($"{SandboxEnvironment.Marker}={e.Name}"))
                    {
                        Libc.Kill(-pid, Libc.SigKill);
                        Libc.Kill(pid, Libc.SigKill);
                        report.Add($"killed process {pid} of {e.Name}");
                    }
                }
                if (e.Tap is { } tap && await VmmApi.TapDevice.DeleteAsync(tap).ConfigureAwait(false)) report.Add($"deleted TAP device {tap} of {e.Name}");
                foreach (var gone in await NetNamespace.DeleteAsync(e.Netns, e.Veth).ConfigureAwait(false)) report.Add($"deleted {gone} of {e.Name}");
                if (e.WorkDir is { } dir && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
                ledger.Remove(e.Name);
                report.Add($"removed {e.Name}");
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                report.Add($"could not remove {e.Name}: {ex.Message}");
            }
        }

        foreach (var profile in RuntimeRegistry.BuiltIn.Where(p => p.Kind == RuntimeKinds.Oci))
        {
            string? bin = Executables.Find(profile.Option("binary") ?? profile.Name);
            if (bin is null) continue;
            string[] runtime = [bin, .. Flags.Split(profile.Option("flags"))];
            var list = await Command.RunAsync(bin, [.. runtime.Skip(1), "list", "--quiet"], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
            if (!list.Ok) continue;
            foreach (var name in list.Stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(Mine))
            {
                try
                {
                    await OciSandbox.Remove(name, runtime, ledger).ConfigureAwait(false);
                    report.Add($"removed {profile.Name} container {name}");
                }
                catch (InvalidOperationException ex)
                {
                    report.Add($"could not remove {name}: {ex.Message}");
                }
            }
        }

        // Processes marked with a dead run's sandbox name that no ledger entry covered: the servers a trial starts
        // beside its sandboxes (an application flow's MariaDB and image server). They inherit their Sandbench's
        // environment: only those of a Sandbench with this state directory (SANDBENCH_STATE) are this ledger's.
        foreach (var (pid, name) in ProcTree.WithVariable(SandboxEnvironment.Marker, SandboxLedger.StateVariable).Where(p => Mine(p.Value)))
        {
            Libc.Kill(pid, Libc.SigKill);
            report.Add($"killed process {pid} of {name}");
        }

        // A namespace whose ledger entry was lost; its veth pair goes with it.
        foreach (var ns in NetNamespace.Listed().Where(Mine))
        {
            try
            {
                foreach (var gone in await NetNamespace.DeleteAsync(ns, null).ConfigureAwait(false)) report.Add($"deleted {gone}");
            }
            catch (InvalidOperationException ex)
            {
                report.Add($"could not remove {ns}: {ex.Message}");
            }
        }
        return report;
    }
}
