using Sandbench.Core.Experiments;
using Sandbench.Core.Storage;
using Sandbench.Load;

namespace Sandbench.Runtimes.Tests;

/// <summary>
/// The compute and I/O workloads in real sandboxes under a short warm load: every response is a 200 that reports
/// the function's own duration, and the trial stores the in-function and overhead distributions.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ComputeOnRuntimesTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    [Theory]
    [InlineData("process", "compress")]
    [InlineData("process", "json")]
    [InlineData("process", "graph-bfs")]
    [InlineData("process", "file-io")]
    [InlineData("runc", "compress")]
    [InlineData("runc", "json")]
    [InlineData("runc", "graph-bfs")]
    [InlineData("runc", "file-io")]
    public async Task Warm_ComputeWorkload_EveryResponse200WithItsDuration_FunctionAndOverheadStored(string name, string workload)
    {
        var runtime = await _f.UsableAsync(name);

        var outcome = await _f.WarmAsync(runtime, rate: 20, workload: workload);

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var samples = outcome.Samples.ToDictionary(s => s.Key, s => s.Value);
        Assert.True(samples["completed"] > 0);
        Assert.Equal(samples["completed"], samples["status_200"]);
        Assert.Equal(samples["completed"], samples["function_reported"]);
        Assert.True(samples["function_p50_ns"] > 0);
        var histograms = outcome.Histograms.ToDictionary(h => h.Metric, h => HistogramCodec.Decode(h.Data));
        Assert.Equal((long)samples["completed"], histograms[WarmExperiment.FunctionHistogram].TotalCount);
        Assert.Equal((long)samples["completed"],
            histograms[WarmExperiment.OverheadHistogram].TotalCount + (long)samples["function_exceeds_response"]);
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
    }
}
