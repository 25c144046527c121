using ScottPlot;
using ScottPlot.Plottables;

namespace Sandbench.Report.Tests;

/// <summary>The syscall-overhead figure, from syscall trials stored as the experiment stores them.</summary>
public sealed class SyscallFigureTests : IDisposable
{
    private readonly Results _r = new();

    public void Dispose() => _r.Dispose();

    private static FigureResult Build(ReportData data) => FigureRegistry.All.Single(f => f.Name == "syscall-overhead").Build(data);

    [Fact]
    public void SyscallOverhead_RatiosSpanningMoreThan20x_MedianRatiosToProcessOnALogAxis()
    {
        ReportSeed.SyscallRun(_r.Store, "5c5c0001");

        var result = Build(_r.Load("5c5c0001"));

        var plot = result.Plot!;
        var series = plot.GetPlottables<BarPlot>().ToList();
        Assert.Equal(["process", "runc", "runsc"], series.Select(s => s.LegendText));
        // Ratios of medians (warm-ups and the failed runc trial left out), drawn as log10 from 1:
        // process 1 everywhere; runc getpid 60 / 50, clock_gettime 20 / 20, fork_wait 120 / 100; runsc 2500 / 50, 30 / 20, refused fork.
        Close([0, 0, 0], series[0].Bars.Select(b => b.Value));
        Close([Math.Log10(1.2), 0, Math.Log10(1.2)], series[1].Bars.Select(b => b.Value));
        Close([Math.Log10(50), Math.Log10(1.5)], series[2].Bars.Select(b => b.Value));
        Assert.All(series.SelectMany(s => s.Bars), b => Assert.Equal(0, b.ValueBase));
        Assert.Equal([0.0, 1.0], series[2].Bars.Select(b => Math.Round(b.Position - 0.8 / 3, 9)));
        Assert.Equal(0, plot.GetPlottables<HorizontalLine>().Single().Y);
        var labels = plot.GetPlottables<Text>().Select(t => t.LabelText).ToList();
        Assert.Equal(["×1.0", "×1.0", "×1.0", "×1.2", "×1.0", "×1.2", "×50.0", "×1.5"], labels);
        Assert.Equal("median time per operation ÷ process's (log scale)", plot.Axes.Left.Label.Text);
        plot.RenderInMemory(result.Width, result.Height);
        Assert.Equal(["getpid", "clock_gettime", "fork_wait"], plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label));
        Assert.Contains("÷ the same operation's median on process (no sandbox; the grey line at 1); a log axis, because the bars span more than 20×", result.Caption,
            StringComparison.Ordinal);
        Assert.Contains("n = 3 trials per bar", result.Caption, StringComparison.Ordinal);
        Assert.Contains("Failed measured trials: runc: 1.", result.Caption, StringComparison.Ordinal);
        Assert.Contains("No bar: runsc × fork_wait (refused: EPERM).", result.Caption, StringComparison.Ordinal);
        Assert.DoesNotContain("Without a process baseline", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void SyscallOverhead_RatiosWithin20x_LinearAxisFromZero()
    {
        ReportSeed.SyscallRun(_r.Store, "5c5c0002", runsc: false);

        var result = Build(_r.Load("5c5c0002"));

        var series = result.Plot!.GetPlottables<BarPlot>().ToList();
        Close([1, 1, 1], series[0].Bars.Select(b => b.Value));
        Close([1.2, 1, 1.2], series[1].Bars.Select(b => b.Value));
        Assert.Equal(1, result.Plot.GetPlottables<HorizontalLine>().Single().Y);
        Assert.Equal("median time per operation ÷ process's", result.Plot.Axes.Left.Label.Text);
        Assert.DoesNotContain("log axis", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void SyscallOverhead_WithoutProcess_AbsoluteMedianNsOnALogAxisFromTheBottomDecade()
    {
        ReportSeed.SyscallRun(_r.Store, "5c5c0003", process: false);

        var result = Build(_r.Load("5c5c0003"));

        var plot = result.Plot!;
        var series = plot.GetPlottables<BarPlot>().ToList();
        Assert.Equal(["runc", "runsc"], series.Select(s => s.LegendText));
        // Medians in ns: runc 60, 20, 120 000; runsc 2500, 30. They span 6000×: log10, bars from 10 ns (the decade under 20).
        Close([Math.Log10(60), Math.Log10(20), Math.Log10(120_000)], series[0].Bars.Select(b => b.Value));
        Close([Math.Log10(2500), Math.Log10(30)], series[1].Bars.Select(b => b.Value));
        Assert.All(series.SelectMany(s => s.Bars), b => Assert.Equal(1, b.ValueBase));
        Assert.Empty(plot.GetPlottables<HorizontalLine>());
        Assert.Equal(["60.0", "20.0", "120,000", "2,500", "30.0"], plot.GetPlottables<Text>().Select(t => t.LabelText));
        Assert.Equal("median ns per operation (log scale)", plot.Axes.Left.Label.Text);
        Assert.Contains("Bars: an operation's median time per call in ns, absolute: no run has a successful process trial to divide by", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void SyscallOverhead_WithoutSyscallTrials_SkipsSayingWhatMeasuresThem()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");

        var result = Build(_r.Load("dddd4444"));

        Assert.Null(result.Plot);
        Assert.Equal("no syscall trials in run dddd4444 (plans/syscall.yaml or 'sandbench syscall' measures it)", result.SkipReason);
    }

    private static void Close(double[] expected, IEnumerable<double> actual)
    {
        var a = actual.ToList();
        Assert.Equal(expected.Length, a.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], a[i], 9);
    }
}
