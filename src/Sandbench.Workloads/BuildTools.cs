using System.Diagnostics;
using Sandbench.Core;

namespace Sandbench.Workloads;

/// <summary>Runs the tools artifacts are built with (gcc, apt-get, dpkg-deb): argument lists, output captured, failures as one line.</summary>
internal static class BuildTools
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, CancellationToken ct, string? cwd = null, IReadOnlyDictionary<string, string>? env = null)
    {
        var argList = args.ToList();
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null) psi.WorkingDirectory = cwd;
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        foreach (var a in argList) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new SandbenchException($"cannot run {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct).ConfigureAwait(false);
        if (p.ExitCode != 0)
            throw new SandbenchException($"building an artifact failed: {Path.GetFileName(file)} {string.Join(' ', argList.Take(2))} exited {p.ExitCode}: {(await stderr.ConfigureAwait(false)).Trim().Split('\n').LastOrDefault()}");
        return await stdout.ConfigureAwait(false);
    }
}
