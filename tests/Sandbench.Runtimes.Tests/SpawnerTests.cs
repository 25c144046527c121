using System.Globalization;
using Sandbench.Core.Timing;
using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Tests;

/// <summary>Children started through sandbench-spawn: still ours, marked at the helper's clock reading, errors reported.</summary>
[Trait("Category", "Integration")]
public sealed class SpawnerTests
{
    private static readonly Dictionary<string, string> Env = new() { ["PATH"] = "/usr/bin:/bin" };

    [Fact]
    public void Start_ThroughTheHelper_TheChildIsOursAndItsSpawnMarkPrecedesItsStart()
    {
        var phases = new PhaseClock(MonotonicClock.System);
        long before = MonotonicClock.System.NowNs();
        var child = ChildProcess.Start(new SpawnOptions("/bin/sh", ["/bin/sh", "-c", "exit 7"], Env), phases);
        long after = MonotonicClock.System.NowNs();

        Assert.Null(Spawner.DisabledReason);
        Assert.True(phases.TryGet(Phases.Spawn, out long spawn));
        Assert.InRange(spawn, before, after);
        // CLONE_PARENT: we reap it, and its status is the one it exited with.
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
        Assert.Equal(7, Libc.ExitCode(child.Status!.Value));
    }

    [Fact]
    public void Start_ProgramMissing_OneLineErrorAndNoChildLeft()
    {
        var e = Assert.Throws<IOException>(() => ChildProcess.Start(new SpawnOptions("/nonexistent/fn", ["/nonexistent/fn"], Env)));
        Assert.Equal("cannot start /nonexistent/fn: No such file or directory", e.Message);
        // The child that could not exec was reaped: no zombie of ours is left.
        Assert.DoesNotContain(Children(), pid => File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Trim().StartsWith('Z'));
    }

    [Fact]
    public void Start_HelperKilledFromOutside_TheNextSpawnsStillWork()
    {
        Run("exit 0");
        int helper = Helper();
        Libc.Kill(helper, Libc.SigKill);
        _ = Libc.WaitPid(helper, out _, 0);

        Run("exit 0"); // in-process while the dead helper is found out, or through a new one
        Run("exit 0");
        Assert.Null(Spawner.DisabledReason);
        Assert.NotEqual(helper, Helper());
    }

    private static void Run(string script)
    {
        var child = ChildProcess.Start(new SpawnOptions("/bin/sh", ["/bin/sh", "-c", script], Env));
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    private static IEnumerable<int> Children() =>
        Directory.EnumerateDirectories("/proc/self/task")
            .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture));

    /// <summary>The pid of our running sandbench-spawn.</summary>
    private static int Helper() =>
        Children().First(pid => File.ReadAllText($"/proc/{pid}/comm").Trim() == Spawner.FileName);
}
