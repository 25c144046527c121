using Sandbench.Runtimes.Native;

namespace Sandbench.Runtimes.Tests;

/// <summary>How a sandbox's first process is started: what the started program begins with.</summary>
public sealed class ChildProcessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-spawn-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Output, int Pid) Run(params string[] argv)
    {
        var (output, pid, _) = Start(false, argv);
        return (output, pid);
    }

    private (string Output, int Pid, int Cpu) Start(bool stayOnForkCpu, params string[] argv)
    {
        string output = Path.Combine(_dir, $"out-{Guid.NewGuid():N}");
        var child = ChildProcess.Start(new SpawnOptions(argv[0], argv, new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, OutputPath: output,
            StayOnForkCpu: stayOnForkCpu));
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(0, child.Status);
        return (File.ReadAllText(output), child.Pid, child.Cpu);
    }

    private static string AllowedCpus(string status) =>
        status.Split('\n').Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split('\t')[1].Trim();

    [Fact]
    public void Start_TheProjectsSpawnLibrary_IsBuiltAndUsed()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, FastSpawn.LibraryName)), "the build did not put the spawn library beside the assemblies");
        Assert.True(FastSpawn.Available);
    }

    [Fact]
    public void Start_ChildHasEverySignalAtItsDefault_NoneBlocked_OwnProcessGroup()
    {
        // The runtime running this test ignores SIGPIPE and handles others; the started program must see none of it.
        string status = Run("/bin/cat", "/proc/self/status").Output;
        Assert.Contains("SigIgn:\t0000000000000000", status);
        Assert.Contains("SigBlk:\t0000000000000000", status);
        Assert.Contains("SigCgt:\t0000000000000000", status);

        var (stat, pid) = Run("/bin/cat", "/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // state, ppid, pgrp, ...
        Assert.Equal(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), fields[2]);
    }

    [Fact]
    public void Start_StdoutAndStderrGoToTheOutputFile_StdinIsDevNull()
    {
        Assert.Equal("out\nerr\n/dev/null\n", Run("/bin/sh", "-c", "echo out; echo err >&2; cat; readlink /proc/self/fd/0").Output);
    }

    [Fact]
    public void Start_StayOnForkCpu_SaysWhichCpu_AndTheProgramRunsWithTheCallersAffinity()
    {
        // Kept on its fork CPU only through exec balancing: by the time the program runs it has this thread's affinity back.
        string mine = AllowedCpus(File.ReadAllText("/proc/thread-self/status"));
        var (status, _, cpu) = Start(true, "/bin/cat", "/proc/self/status");
        Assert.InRange(cpu, 0, Environment.ProcessorCount - 1);
        Assert.Equal(mine, AllowedCpus(status));

        var (_, _, unset) = Start(false, "/bin/true");
        Assert.Equal(-1, unset);
    }

    [Fact]
    public void Start_StayOnForkCpu_MissingProgram_SaysSoAndLeavesNoChild()
    {
        var e = Assert.Throws<IOException>(() => ChildProcess.Start(new SpawnOptions("/nonexistent/program", ["/nonexistent/program"],
            new Dictionary<string, string>(), StayOnForkCpu: true)));
        Assert.Contains("No such file or directory", e.Message);
    }

    [Fact]
    public void Start_MissingProgram_SaysSoAndLeavesNoChild()
    {
        var e = Assert.Throws<IOException>(() => ChildProcess.Start(new SpawnOptions("/nonexistent/program", ["/nonexistent/program"], new Dictionary<string, string>())));
        Assert.Contains("No such file or directory", e.Message);
    }
}
