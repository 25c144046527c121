using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Sandbench.Cli.Tests;

/// <summary>
/// A scale plan through the real tool: Ctrl+C in the middle of a step tears down every sandbox of the step and
/// keeps the steps that finished; <c>show</c> prints the scale and footprint tables.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ScaleCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigInt = 2;

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task Run_SigintMidStep_TearsDownTheStepKeepsFinishedStepsExits130(string runtime)
    {
        if (!CliHarness.IsRoot || (runtime != "process" && !CliHarness.Installed(runtime))) Assert.Skip($"needs root and {runtime}");
        // hello's ladder (2, then 4) finishes; hang's first step (3 sandboxes that never answer) is interrupted.
        string plan = _h.WritePlan($"""
            name: scale-interrupt
            runtimes: [{runtime}]
            workloads: [hello, hang]
            experiments:
              - type: scale
                counts: [2, 4]
                warmup: 0
                timeout: 120s
                drop-caches: false
                memory-floor: 0
            """);
        using var p = Process.Start(_h.StartInfo("run", plan, "--db", _h.Db))!;
        p.StandardInput.Close();
        var stdout = new LineWatcher(p.StandardOutput);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await stdout.WaitForAsync(lines => lines.Any(l => l.StartsWith("[2/4]", StringComparison.Ordinal)), TimeSpan.FromMinutes(3));
        var live = await WaitForLedgerAsync(names => names.Count(n => n.Contains("-3-", StringComparison.Ordinal)) == 2);
        // Ledger entries are written before the spawn: wait for the sandboxes' own processes where they are host processes.
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
            while (runtime == "process" && live.Any(n => Pids(n).Count == 0)) await Task.Delay(5, limit.Token);

        Assert.Equal(0, Kill(p.Id, SigInt));
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            limit.CancelAfter(TimeSpan.FromMinutes(1));
            await p.WaitForExitAsync(limit.Token);
        }
        await stdout.Pump;

        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {stdout.Text} {await stderr}");
        var steps = _h.Query("SELECT workload, json_extract(parameters, '$.count'), status FROM trials WHERE experiment = 'scale' ORDER BY id",
            r => (r.GetString(0), r.GetString(1), r.GetString(2)));
        Assert.Equal([("hello", "2", "ok"), ("hello", "4", "ok"), ("hang", "2", "interrupted")], steps);
        var sandboxes = _h.Query("SELECT workload, status, COUNT(*) FROM trials WHERE experiment = 'scale-sandbox' GROUP BY 1, 2 ORDER BY 1, 2",
            r => (r.GetString(0), r.GetString(1), r.GetInt32(2)));
        Assert.Equal([("hang", "interrupted", 2), ("hello", "ok", 6)], sandboxes);
        Assert.Equal("interrupted", _h.Query("SELECT status FROM runs", r => r.GetString(0)).Single());
        Assert.Empty(Directory.GetFiles(_h.StateDir, "*.json"));
        Assert.All(live, n => Assert.Empty(Pids(n)));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_h.TmpDir, "sandbench")));
        if (runtime == "runc")
        {
            var psi = new ProcessStartInfo("runc", ["list", "--quiet"]) { RedirectStandardOutput = true, UseShellExecute = false };
            using var list = Process.Start(psi)!;
            string names = await list.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await list.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.All(live, n => Assert.DoesNotContain(n, names, StringComparison.Ordinal));
            Assert.All(live, n => Assert.False(Directory.Exists(Path.Combine("/run/runc", n))));
        }

        var show = await _h.RunAsync("show", "--db", _h.Db);
        Assert.Equal(0, show.Code);
        Assert.Contains("scale: N sandboxes started at once", show.Out, StringComparison.Ordinal);
        Assert.Contains("footprint per sandbox", show.Out, StringComparison.Ordinal);
        Assert.Contains("interrupted", show.Out, StringComparison.Ordinal);
    }

    /// <summary>Waits until the ledger's sandbox names satisfy <paramref name="condition"/>; returns them.</summary>
    private async Task<IReadOnlyList<string>> WaitForLedgerAsync(Func<IReadOnlyList<string>, bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var names = new List<string>();
            foreach (var f in Directory.GetFiles(_h.StateDir, "*.json"))
            {
                try
                {
                    using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(f, limit.Token));
                    names.Add(doc.RootElement.GetProperty("Name").GetString()!);
                }
                catch (Exception ex) when (ex is IOException or JsonException)
                {
                    // Being written or removed right now: look again.
                }
            }
            if (condition(names)) return names;
            await Task.Delay(5, limit.Token);
        }
    }

    /// <summary>Live host processes of a sandbox: they carry its name in their environment.</summary>
    private static List<int> Pids(string sandbox) =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && Environ(pid).Contains($"SANDBENCH_SANDBOX={sandbox}") && !Zombie(pid))];

    private static string[] Environ(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ").Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static bool Zombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
