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

            // The tool was waited for; what it started got SIGKILL, which ends it a moment later (it was given 300 s).
            string stat = $"/proc/{grandchild}/stat";
            bool Gone() => !File.Exists(stat) || File.ReadAllText(stat).Split(')')[1].Trim()[0] is 'Z' or 'X';
            for (int i = 0; i < 1000 && !Gone(); i++) await Task.Delay(10, TestContext.Current.CancellationToken);
            Assert.True(Gone(), $"sleep {grandchild} still runs 10 s after the cancellation");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
