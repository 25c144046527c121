using System.Globalization;

namespace Sandbench.Workloads.Tests;

public sealed class BuildToolsTests
{
    [Fact]
    public async Task RunAsync_Cancelled_KillsTheToolAndWhatItStarted()
    {
        string dir = Directory.CreateTempSubdirectory("sandbench-buildtools-").FullName;
        try
        {
            string pidFile = Path.Combine(dir, "pid");
            using var cts = new CancellationTokenSource();
            // The tool starts a child of its own and waits for it, as skopeo starts gpg.
            var run = BuildTools.RunAsync("/bin/sh", ["-c", $"sleep 300 & echo $! > {pidFile}.tmp; mv {pidFile}.tmp {pidFile}; wait"], cts.Token);
            while (!File.Exists(pidFile) && !run.IsCompleted) await Task.Delay(10, TestContext.Current.CancellationToken);
            int grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);

            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

            // Killed and reaped by the time the call returned: no such process any more (or a zombie no longer ours to wait for).
            string stat = $"/proc/{grandchild}/stat";
            Assert.True(!File.Exists(stat) || File.ReadAllText(stat).Split(')')[1].Trim().StartsWith('Z'), $"sleep {grandchild} still runs");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
