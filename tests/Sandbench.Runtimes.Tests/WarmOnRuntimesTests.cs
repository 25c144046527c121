using System.Globalization;
using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Load;

namespace Sandbench.Runtimes.Tests;

/// <summary>The warm experiment on real sandboxes: started, answered, warmed up, loaded, measured, torn down.</summary>
[Trait("Category", "Integration")]
public sealed class WarmOnRuntimesTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("process")]
    [InlineData("bwrap")]
    [InlineData("runc")]
    [InlineData("runsc")]
    public async Task Warm_HostSandbox_LoadedAtTheRateWithHistogramsSecondsAndMemory(string name)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await _f.WarmAsync(runtime, rate: 200);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var samples = outcome.Samples.ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal(200, samples[WarmExperiment.TargetRateMetric]);
        Assert.Equal(200, samples["scheduled"]);
        Assert.Equal(samples["scheduled"], samples["completed"] + samples["errors"] + samples["dropped"]);
        Assert.True(samples["completed"] > 0);
        Assert.True(samples["warmup_completed"] > 0);
        Assert.Equal(samples["completed"], samples["status_200"]);
        Assert.True(samples["corrected_p50_ns"] >= samples["uncorrected_p50_ns"] || samples["late"] == 0, "corrected below uncorrected");
        Assert.True(samples["corrected_p999_ns"] <= samples["corrected_max_ns"]);

        // The histograms decode with HdrHistogram and hold every completed request.
        Assert.Equal([WarmExperiment.CorrectedHistogram, WarmExperiment.UncorrectedHistogram, WarmExperiment.TtfbHistogram],
            outcome.Histograms.Select(h => h.Metric));
        foreach (var h in outcome.Histograms) Assert.Equal((long)samples["completed"], HistogramCodec.Decode(h.Data).TotalCount);
        var corrected = HistogramCodec.Decode(outcome.Histograms[0].Data);
        Assert.Equal(samples["corrected_p99_ns"], corrected.GetValueAtPercentile(99) * 1000.0);
        var second = Assert.Single(outcome.Seconds);
        Assert.Equal((long)samples["completed"], second.Completed);

        // Phases in order; the sandbox's memory read while it served.
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        string[] order = [Phases.Spawn, WarmExperiment.Answered, WarmExperiment.WarmupStart, WarmExperiment.LoadStart, WarmExperiment.LoadEnd, Phases.Done];
        for (int i = 1; i < order.Length; i++) Assert.True(phases[order[i - 1]] <= phases[order[i]], $"{order[i - 1]} after {order[i]}");
        Assert.NotEmpty(outcome.Resources);
        Assert.Contains(outcome.Resources, r => r.TNs >= phases[WarmExperiment.LoadStart] && r.TNs <= phases[WarmExperiment.LoadEnd]);
        Assert.True(samples[BootExperiment.RssPeakMetric] > 0);
        Assert.True(samples["cpu_ns"] >= 0);
        Assert.StartsWith("http://", outcome.Parameters["url"], StringComparison.Ordinal);
        Assert.Equal("200", outcome.Parameters["rate"]);
        Assert.Equal("open", outcome.Parameters["mode"]);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Warm_ClosedLoop_EveryConnectionSendsWhenAnswered_NothingLateOrDropped()
    {
        var runtime = await _f.UsableAsync("process");

        var outcome = await _f.WarmAsync(runtime, rate: null);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var samples = outcome.Samples.ToDictionary(s => s.Key, s => s.Value);
        Assert.DoesNotContain(WarmExperiment.TargetRateMetric, samples.Keys);
        Assert.DoesNotContain("scheduled", samples.Keys);
        Assert.True(samples["completed"] > 0);
        Assert.Equal(0, samples["late"] + samples["dropped"]);
        Assert.Equal("closed", outcome.Parameters["mode"]);
        Assert.Equal("4", outcome.Parameters["concurrency"]);
        Assert.Equal((long)samples["completed"], HistogramCodec.Decode(outcome.Histograms[1].Data).TotalCount);
        AssertNothingLeft();
    }

    [Fact]
    public async Task Warm_WorkloadThatNeverAnswers_TimesOutAtTheStartTimeoutAndLeavesNothing()
    {
        var runtime = await _f.UsableAsync("process");

        var outcome = await _f.WarmAsync(runtime, workload: "hang", startTimeout: TimeSpan.FromMilliseconds(1500));

        Assert.Equal(TrialStatus.Timeout, outcome.Status);
        Assert.StartsWith("the sandbox did not answer within the start-timeout 1500ms", outcome.Error, StringComparison.Ordinal);
        Assert.Empty(outcome.Histograms);
        Assert.Empty(outcome.Seconds);
        Assert.DoesNotContain(outcome.Samples, s => s.Key == "completed");
        AssertNothingLeft();
    }

    [Fact]
    public async Task Warm_Interrupted_StopsAndLeavesNothing()
    {
        var runtime = await _f.UsableAsync("runc");
        using var cts = new CancellationTokenSource();
        var artifact = await RuntimeFixture.Catalog.GetAsync("hello", TestContext.Current.CancellationToken);
        // Cancelled once the load has started: the reading the experiment takes right after marking load-start does it.
        PhaseClock? trialPhases = null;
        var reader = new Core.Host.ProcessResources(path =>
        {
            if (Volatile.Read(ref trialPhases)?.TryGet(WarmExperiment.LoadStart, out _) == true) cts.Cancel();
            try
            {
                return File.ReadAllText(path);
            }
            catch (IOException)
            {
                return null; // the process is gone
            }
        });
        var experiment = new WarmExperiment(reader, (c, phases, ct) =>
        {
            Volatile.Write(ref trialPhases, phases);
            return SandboxTarget.StartAsync(c, phases, ct);
        });
        string name = $"sb-t{Guid.NewGuid().ToString("N")[..7]}-1";
        string work = Path.Combine(_f.Root, name);
        Directory.CreateDirectory(work);
        var spec = Core.Plans.ExperimentSpec.ColdStartDefaults with
        {
            Type = "warm",
            Load = Core.Plans.LoadSpec.Defaults with { Rates = [100], Duration = TimeSpan.FromSeconds(30), WarmupDuration = TimeSpan.Zero },
        };
        var trial = new Core.Experiments.TrialPlan(spec, runtime.Profile, "hello", 0, false) { Rate = 100 };

        var outcome = await experiment.RunAsync(new TrialContext(trial, runtime, artifact, name, work, MonotonicClock.System), cts.Token);

        Assert.Equal(TrialStatus.Interrupted, outcome.Status);
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(name));
        Assert.DoesNotContain(name, await RuntimeFixture.ListedAsync(runtime));
    }

    private void AssertNothingLeft()
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
    }
}
