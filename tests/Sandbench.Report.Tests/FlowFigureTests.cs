using ScottPlot;
using ScottPlot.Plottables;

namespace Sandbench.Report.Tests;

/// <summary>The flow-normalized figure and the flow tables behind it, from flow trials stored as the experiment stores them.</summary>
public sealed class FlowFigureTests : IDisposable
{
    private readonly Results _r = new();

    public void Dispose() => _r.Dispose();

    private static FigureResult Build(ReportData data) => FigureRegistry.All.Single(f => f.Name == "flow-normalized").Build(data);

    [Fact]
    public void FlowAnalysis_PoolsTheMeasuredTrials_MediansColdAndEndToEnd()
    {
        ReportSeed.FlowRun(_r.Store, "ffff0001");

        var flows = _r.Load("ffff0001").Runs[0].Flow;

        Assert.Equal(["retail-catalog", "retail-photos"], flows.Select(f => f.Flow));
        var catalog = flows[0];
        Assert.Equal(["catalog-builder", "catalog-api"], catalog.Functions);
        Assert.Equal(["process", "runc"], catalog.Runtimes);
        Assert.Equal("process", catalog.Baseline);
        Assert.Equal(1, catalog.Failed["runc"]);
        Assert.Equal(["runc: catalog-api answered 500 in round 2"], catalog.Errors);
        var rows = catalog.Rows.ToDictionary(r => (r.Function, r.Runtime));
        // Warm, pooled over both measured trials (the warm-up and the failed trial's 1000 ms never enter):
        // process builder {2, 4, 6} → 4, api {1, 1, 1, 2, 3, 5} → 1.5; runc builder {10, 12, 14} → 12, api {3, 3, 3, 4, 6, 9} → 3.5.
        Assert.Equal((4.0, 3), (rows[("catalog-builder", "process")].WarmMs!.P50, rows[("catalog-builder", "process")].WarmMs!.N));
        Assert.Equal((1.5, 6), (rows[("catalog-api", "process")].WarmMs!.P50, rows[("catalog-api", "process")].WarmMs!.N));
        Assert.Equal((12.0, 3), (rows[("catalog-builder", "runc")].WarmMs!.P50, rows[("catalog-builder", "runc")].WarmMs!.N));
        Assert.Equal(3.5, rows[("catalog-api", "runc")].WarmMs!.P50, 9);
        Assert.Equal(8.85, rows[("catalog-api", "runc")].WarmMs!.P99, 9); // rank 4.95 of 6: 6 + 0.95 × (9 − 6)
        Assert.Equal(3.0, rows[("catalog-builder", "runc")].Ratio!.Value, 9);
        Assert.Equal(3.5 / 1.5, rows[("catalog-api", "runc")].Ratio!.Value, 9);
        Assert.Equal(1.0, rows[("catalog-api", "process")].Ratio!.Value, 9);
        // Cold: one per function per trial, the median of the two.
        Assert.Equal(110, rows[("catalog-builder", "process")].ColdMs!.P50, 9);
        Assert.Equal(400, rows[("catalog-api", "runc")].ColdMs!.P50, 9);
        // End to end: process rounds {10, 12, 14} → 12; runc {30, 35, 40} → 35.
        var e2e = catalog.EndToEnd.ToDictionary(e => e.Runtime);
        Assert.Equal((12.0, 3), (e2e["process"].Ms!.P50, e2e["process"].Ms!.N));
        Assert.Equal(35.0 / 12, e2e["runc"].Ratio!.Value, 9);
        // runc's photos-receive answered no measured request: a cold latency, no warm one, no ratio.
        var receive = flows[1].Rows.Single(r => r is { Function: "photos-receive", Runtime: "runc" });
        Assert.Equal(320.0, receive.ColdMs!.P50);
        Assert.Null(receive.WarmMs);
        Assert.Null(receive.Ratio);
    }

    [Fact]
    public void FlowNormalized_BarsAreMedianRatiosToProcess_PerFunctionInCallOrder()
    {
        ReportSeed.FlowRun(_r.Store, "ffff0001");

        var result = Build(_r.Load("ffff0001"));

        var plot = result.Plot!;
        var series = plot.GetPlottables<BarPlot>().ToList();
        Assert.Equal(["process", "runc"], series.Select(s => s.LegendText));
        // process is its own baseline: 1 for every function; runc: 12 / 4, 3.5 / 1.5, 5 / 2, and no bar for photos-receive.
        Assert.Equal([1.0, 1.0, 1.0, 1.0], series[0].Bars.Select(b => b.Value));
        Assert.Equal([-0.2, 0.8, 1.8, 2.8], series[0].Bars.Select(b => Math.Round(b.Position, 9)));
        Close([3.0, 3.5 / 1.5, 2.5], series[1].Bars.Select(b => b.Value));
        Assert.Equal([0.2, 1.2, 2.2], series[1].Bars.Select(b => Math.Round(b.Position, 9)));
        Assert.Equal(1.0, plot.GetPlottables<HorizontalLine>().Single().Y);
        plot.RenderInMemory(result.Width, result.Height);
        Assert.Equal(["catalog-builder\nretail-catalog", "catalog-api\nretail-catalog", "photos-assign\nretail-photos", "photos-receive\nretail-photos"],
            plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label));
        Assert.Contains("median warm latency on the runtime ÷ the same function's median on process", result.Caption, StringComparison.Ordinal);
        Assert.Contains("n = 1–6 requests per bar", result.Caption, StringComparison.Ordinal);
        Assert.Contains("an entry function's includes the functions it calls", result.Caption, StringComparison.Ordinal);
        Assert.Contains("No bar: runc × retail-photos/photos-receive (no warm latency).", result.Caption, StringComparison.Ordinal);
        Assert.DoesNotContain("Without a process baseline", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void FlowNormalized_WithoutProcess_SkipsNamingTheFlowsThatLackIt()
    {
        ReportSeed.FlowRun(_r.Store, "ffff0002", process: false);

        var result = Build(_r.Load("ffff0002"));

        Assert.Null(result.Plot);
        Assert.Equal("no process baseline to normalize to in run ffff0002 (retail-catalog: no successful process trial; retail-photos: no successful process trial); "
            + "list 'process' among the flow's runtimes", result.SkipReason);
    }

    [Fact]
    public void FlowNormalized_WithoutFlowTrials_SkipsSayingWhatMeasuresThem()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");

        var result = Build(_r.Load("dddd4444"));

        Assert.Null(result.Plot);
        Assert.Equal("no flow trials in run dddd4444 ('sandbench flow' measures it)", result.SkipReason);
    }

    private static void Close(double[] expected, IEnumerable<double> actual)
    {
        var a = actual.ToList();
        Assert.Equal(expected.Length, a.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], a[i], 9);
    }
}
