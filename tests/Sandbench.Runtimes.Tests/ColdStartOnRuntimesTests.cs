using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Runtimes.Tests;

[Trait("Category", "Integration")]
public sealed class ColdStartOnRuntimesTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("process", "socket")]
    [InlineData("bwrap", "socket")]
    [InlineData("runc", "socket")]
    [InlineData("runsc", "connect-retry")]
    [InlineData("qemu", "marker")]
    public async Task ColdStart_RealRuntime_AnswersAndRecordsPhasesInOrder(string name, string readiness)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await _f.ColdStartAsync(runtime);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal(readiness, outcome.Readiness);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(0, phases[Phases.Spawn]);
        Assert.True(phases[Phases.FirstByte] > 0);
        Assert.True(phases[Phases.Done] >= phases[Phases.FirstByte]);
        Assert.True(phases[Phases.Listening] <= phases[Phases.FirstByte]);
        double coldstart = outcome.Samples.Single(s => s.Key == ColdStartExperiment.Metric).Value;
        Assert.Equal(phases[Phases.FirstByte], coldstart);
        if (runtime.Profile.Kind == "oci")
        {
            Assert.True(phases[Phases.Created] < phases[Phases.Started]);
            // 'started' is when the start command returned; the function may answer before that.
            Assert.True(readiness != "socket" || phases[Phases.Created] < phases[Phases.WorkloadStart]);
        }
        if (readiness == "marker")
        {
            // A VM: VMM ready, then boot, then the guest's own signs of life, in this order.
            string[] order = [Phases.Spawn, Phases.VmmReady, Phases.Boot, Phases.GuestKernel, Phases.GuestInit, Phases.GuestNet, Phases.Listening, Phases.RequestSent, Phases.FirstByte];
            for (int i = 1; i < order.Length; i++)
                Assert.True(phases[order[i - 1]] <= phases[order[i]], $"{order[i - 1]} after {order[i]}");
            Assert.InRange(phases[Phases.GuestPrintkInit], phases[Phases.Boot], phases[Phases.GuestInit]);
            Assert.Contains(outcome.Parameters, p => p.Key == "accel");
            Assert.Contains(outcome.Parameters, p => p.Key == "initrd_bytes");
        }
        else if (readiness == "socket")
        {
            // The workload's own clock agrees with ours: its start lies between spawn and its readiness.
            Assert.InRange(phases[Phases.WorkloadStart], 1, phases[Phases.Listening]);
            Assert.True(phases[Phases.RequestSent] < phases[Phases.FirstByte]);
        }
        else if (readiness == "connect-retry")
        {
            Assert.InRange(outcome.ReadinessResolutionNs, 1, 50_000_000);
        }
        await AssertNothingLeftAsync(runtime);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("runc")]
    public async Task ColdStart_ForcedConnectRetry_MeasuresTheSameServer(string name)
    {
        var runtime = await _f.UsableAsync(name);
        var spec = ExperimentSpec.ColdStartDefaults with { Readiness = ReadinessMethod.ConnectRetry };

        var outcome = await _f.ColdStartAsync(runtime, spec: spec);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        Assert.Equal("connect-retry", outcome.Readiness);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        // With a shared clock the workload's own readiness comes before the first accepted connect.
        Assert.True(phases["workload-ready"] <= phases[Phases.Listening] + 1_000_000);
        await AssertNothingLeftAsync(runtime);
    }

    [Theory]
    [InlineData("process")]
    [InlineData("bwrap")]
    [InlineData("runc")]
    [InlineData("runsc")]
    [InlineData("qemu")]
    public async Task ColdStart_WorkloadNeverListens_TimesOutAndTearsDown(string name)
    {
        var runtime = await _f.UsableAsync(name);
        var spec = ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromMilliseconds(1500) };

        var outcome = await _f.ColdStartAsync(runtime, "hang", spec);

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        Assert.Contains("no response within 1500ms", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Samples, s => s.Key == ColdStartExperiment.Metric);
        Assert.Contains(outcome.Phases, p => p.Key == Phases.Done);
        await AssertNothingLeftAsync(runtime);
    }

    [Fact]
    public async Task ColdStart_CancelledWhileStarting_IsInterruptedAndLeavesNothing()
    {
        var runtime = await _f.UsableAsync("runc");
        using var cts = new CancellationTokenSource();
        var spec = ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(20) };
        var task = _f.ColdStartAsync(runtime, "hang", spec, cts.Token);
        // Cancel once the sandbox exists: its ledger entry is written before create.
        await WaitUntil(() => _f.Ledger.Entries().Count > 0);
        await cts.CancelAsync();

        var outcome = await task;

        Assert.Equal(TrialStatus.Interrupted, outcome.Status);
        await AssertNothingLeftAsync(runtime);
    }

    private async Task AssertNothingLeftAsync(Core.Runtimes.IRuntime runtime)
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
        Assert.Empty(RuntimeFixture.ProcessesMentioning(RuntimeFixture.Catalog.CacheDir + "/artifacts/hello-"));
        if (runtime.Profile.Kind == "oci") Assert.DoesNotContain(_f.LastName, await RuntimeFixture.ListedAsync(runtime));
    }

    /// <summary>Polls a condition on the file system (a ledger entry appearing), with a hard limit.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition()) await Task.Delay(5, timeout.Token);
    }
}
