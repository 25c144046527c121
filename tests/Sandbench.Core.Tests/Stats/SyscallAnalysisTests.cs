using Sandbench.Core.Stats;
using Sandbench.Core.Storage;

namespace Sandbench.Core.Tests.Stats;

public sealed class SyscallAnalysisTests
{
    private static readonly DateTimeOffset Started = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static long _id;

    private static TrialRecord Trial(string runtime, double getpid, bool warmup = false, TrialStatus status = TrialStatus.Ok, string? refusedFork = null)
    {
        var parameters = new Dictionary<string, string>();
        if (refusedFork is not null) parameters["refused.fork_wait"] = refusedFork;
        List<KeyValuePair<string, double>> samples = status == TrialStatus.Ok ? [new("syscall_ns.getpid", getpid)] : [];
        if (status == TrialStatus.Ok && refusedFork is null) samples.Add(new("syscall_ns.fork_wait", 1000));
        return new TrialRecord("run1", "syscall", runtime, "syscall", parameters, 0, warmup, status, status == TrialStatus.Ok ? null : "boom",
            "exit", 0, Started, 0, [], samples) { Id = ++_id };
    }

    [Fact]
    public void Of_ProcessAndRunsc_MedianPerRuntimeAndRatioToProcess()
    {
        TrialRecord[] trials =
        [
            Trial("process", 100), Trial("runsc", 4000, refusedFork: "EPERM"),
            Trial("process", 120), Trial("runsc", 3800, refusedFork: "EPERM"),
            Trial("process", 110), Trial("runsc", 4200, refusedFork: "EPERM"),
            Trial("process", 9999, warmup: true), Trial("runsc", 0, status: TrialStatus.Failed),
        ];

        var t = Assert.Single(SyscallAnalysis.Of(trials));

        Assert.Equal(["process", "runsc"], t.Runtimes);
        Assert.Equal("process", t.Baseline);
        var getpid = t.Rows.Single(r => r.Op == "getpid");
        Assert.Equal(110, getpid.Cells[0].Ns!.P50);
        Assert.Equal(3, getpid.Cells[0].Ns!.N);
        Assert.Equal(1.0, getpid.Cells[0].Ratio);
        Assert.Equal(4000 / 110.0, getpid.Cells[1].Ratio!.Value, 9);
        var fork = t.Rows.Single(r => r.Op == "fork_wait");
        Assert.Null(fork.Cells[1].Ns);
        Assert.Equal("EPERM", fork.Cells[1].Refused);
        Assert.Equal(0, t.Failed["process"]);
        Assert.Equal(1, t.Failed["runsc"]);
        Assert.Equal(["runsc: boom"], t.Errors);
    }

    [Fact]
    public void Of_NoProcessInTheRun_NoBaselineNoRatios()
    {
        var t = Assert.Single(SyscallAnalysis.Of([Trial("runc", 2000)]));

        Assert.Null(t.Baseline);
        Assert.All(t.Rows.SelectMany(r => r.Cells), c => Assert.Null(c.Ratio));
    }

    [Fact]
    public void Of_NoSyscallTrials_Empty() =>
        Assert.Empty(SyscallAnalysis.Of([Trial("process", 1) with { Experiment = "boot" }]));
}
