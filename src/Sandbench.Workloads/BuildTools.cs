using System.Diagnostics;
using Sandbench.Core;

namespace Sandbench.Workloads;

/// <summary>
/// Runs the tools artifacts are built with (gcc, apt-get, dpkg-deb, skopeo, gpg): argument lists, output captured,
/// failures as one line; cancellation sends SIGKILL to the tool and what it started and waits for the tool, so none outlives Ctrl+C.
/// </summary>
internal static class BuildTools
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, CancellationToken ct, string? cwd = null,
        IReadOnlyDictionary<string, string?>? env = null)
    {
        var argList = args.ToList();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null) psi.WorkingDirectory = cwd;
        foreach (var a in argList) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new SandbenchException($"cannot run {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await p.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Stop(p);
            throw;
        }
        if (p.ExitCode != 0)
            throw new SandbenchException($"building an artifact failed: {Path.GetFileName(file)} {string.Join(' ', argList.Take(2))} exited {p.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim().Split('\n').LastOrDefault()}");
        return await stdout.ConfigureAwait(false);
    }

    /// <summary>Kills <paramref name="p"/> and every process it started, and waits for it (a tool or a daemon we started).</summary>
    public static void Stop(Process? p)
    {
        if (p is null) return;
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
