using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;

namespace Sandbench.Runtimes.Tests;

/// <summary>The syscall experiment on real sandboxes: the workload's report line is parsed into one sample per operation.</summary>
[Trait("Category", "Integration")]
public sealed class SyscallOnRuntimesTests : IDisposable
{
    private static readonly string[] Ops =
        ["getpid", "getpid_raw", "clock_gettime", "open_close", "stat", "read_4k", "write_4k", "pipe_pingpong", "mmap_munmap", "socket_close", "fork_wait"];

    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task Syscall_HostSandbox_EveryOperationMeasuredWithACalibratedLoop(string name)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await _f.SyscallAsync(runtime);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var samples = outcome.Samples.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(Ops.Select(o => SyscallExperiment.MetricPrefix + o), samples.Keys);
        foreach (var op in Ops)
        {
            // Positive and below a second per call: anything else is a broken loop or a broken parse.
            Assert.InRange(samples[SyscallExperiment.MetricPrefix + op], 0.01, 1e9);
            long n = long.Parse(outcome.Parameters["iterations." + op], CultureInfo.InvariantCulture);
            Assert.True(n >= 1, $"{op}: {n} iterations");
            // Calibrated: a count large enough that the loop took time on the clock (the fastest repetition may undercut min-time).
            Assert.True(n * samples[SyscallExperiment.MetricPrefix + op] >= 1e4, $"{op}: {n} × {samples[SyscallExperiment.MetricPrefix + op]} ns");
        }
        // Creating and reaping a process costs more than one clock read: the figures are not swapped.
        Assert.True(samples[SyscallExperiment.MetricPrefix + "fork_wait"] > samples[SyscallExperiment.MetricPrefix + "clock_gettime"]);
        Assert.Equal("2ms", outcome.Parameters["min-time"]);
        Assert.Equal("3", outcome.Parameters["reps"]);
        Assert.DoesNotContain(outcome.Parameters.Keys, k => k.StartsWith("refused.", StringComparison.Ordinal));
        AssertNothingLeft();
    }

    [Fact]
    public async Task Syscall_WorkloadWithoutAReport_FailedTrialSaysWhy()
    {
        var runtime = await _f.UsableAsync("process");

        // hello does not know --min-ms: it fails or serves, never prints a report; either way the trial fails and says so.
        var outcome = await _f.SyscallAsync(runtime, "hello");

        Assert.Equal(TrialStatus.Failed, outcome.Status);
        Assert.Empty(outcome.Samples);
        AssertNothingLeft();
    }

    private void AssertNothingLeft()
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
    }
}
