using ScottPlot;
using ScottPlot.Plottables;
using Sandbench.Core.Storage;

namespace Sandbench.Report.Tests;

/// <summary>The imagepull-breakdown figure, from imagepull trials stored as the experiment stores them.</summary>
public sealed class ImagePullFigureTests : IDisposable
{
    private readonly Results _r = new();

    public void Dispose() => _r.Dispose();

    private static FigureResult Build(ReportData data) => FigureRegistry.All.Single(f => f.Name == "imagepull-breakdown").Build(data);

    [Fact]
    public void ImagePullBreakdown_OneBarPerConfiguration_StackedByMedianStepTimes()
    {
        ReportSeed.ImagePullRun(_r.Store, "1a1a0001");

        var result = Build(_r.Load("1a1a0001"));

        var plot = result.Plot!;
        var bars = plot.GetPlottables<BarPlot>().Single();
        Assert.All(bars.Bars, b => Assert.Equal(Orientation.Horizontal, b.Orientation));
        // (row from the bottom, start, end) of each segment, medians over the 3 successful measured trials (the warm-up's 1000 ms left out):
        // serial plain: manifest 2, fetch 20, verify 5, decompress 8, unpack 40; concurrent plain: 2, 40, 5, 8, 40;
        // serial signed+encrypted: manifest 2, signature 3, fetch 20, verify 5, decrypt 6, decompress 8, unpack 40; containerd plain: fetch 100, unpack 50.
        Assert.Equal(
        [
            (3, 0, 2), (3, 2, 22), (3, 22, 27), (3, 27, 35), (3, 35, 75),
            (2, 0, 2), (2, 2, 42), (2, 42, 47), (2, 47, 55), (2, 55, 95),
            (1, 0, 2), (1, 2, 5), (1, 5, 25), (1, 25, 30), (1, 30, 36), (1, 36, 44), (1, 44, 84),
            (0, 0, 100), (0, 100, 150),
        ], bars.Bars.Select(b => ((int)b.Position, Math.Round(b.ValueBase, 9), Math.Round(b.Value, 9))));
        // One colour per step, the same in every bar: fetch is always the third step's.
        Assert.Equal([Chart.Color(2)], bars.Bars.Where(b => b.Position == 0 && b.ValueBase == 0).Select(b => b.FillColor));
        Assert.Equal(["75.00 ms (pull 80.00)", "95.00 ms (pull 60.00)", "84.00 ms (pull 90.00)", "150.0 ms (pull 150.0)"],
            plot.GetPlottables<Text>().Select(t => t.LabelText));
        // The median pull, a tick across each bar.
        Assert.Equal([(80.0, 3.0), (60, 2), (90, 1), (150, 0)], plot.GetPlottables<LinePlot>().Select(l => (l.Start.X, Math.Round((l.Start.Y + l.End.Y) / 2, 9))));
        Assert.Equal(["manifest", "signature", "fetch", "verify", "decrypt", "decompress", "unpack", "median pull"], plot.Legend.ManualItems.Select(i => i.LabelText));
        plot.RenderInMemory(result.Width, result.Height);
        Assert.Equal(["serial · plain", "concurrent · plain", "serial · signed+encrypted", "containerd · plain"],
            plot.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).OrderByDescending(t => t.Position).Select(t => t.Label));
        Assert.Contains("each step's median ms over the successful measured trials (warm-ups and failed trials left out; n = 3 trials per bar)", result.Caption, StringComparison.Ordinal);
        Assert.Contains("signature, the manifest's simple-signing signature read and verified (OpenPGP), before any layer;", result.Caption, StringComparison.Ordinal);
        Assert.Contains("Failed measured trials: serial · signed+encrypted: 1.", result.Caption, StringComparison.Ordinal);
        Assert.Contains("No bar: containerd · signed (none of its 2 measured trials succeeded).", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void ImagePullBreakdown_EveryTrialFailed_SkipsCountingThem()
    {
        _r.Store.BeginRun(new RunInfo("1a1a0002", "imagepull", "0123456789abcdef", "name: imagepull\n", ReportSeed.T0, null, RunStatus.Running, "0.1.0"),
            new Dictionary<string, string>());
        for (int i = 0; i < 2; i++)
        {
            _r.Store.AppendTrial(new TrialRecord("1a1a0002", "imagepull", "process", "hello", new Dictionary<string, string> { ["pull"] = "serial" }, i, false,
                TrialStatus.Failed, "pushing the image with skopeo: exit code 1", "none", 0, ReportSeed.T0, 0, [new("done", 0)], []));
        }
        _r.Store.FinishRun("1a1a0002", RunStatus.Completed, ReportSeed.T0.AddMinutes(1));

        var result = Build(_r.Load("1a1a0002"));

        Assert.Null(result.Plot);
        Assert.Equal("none of the 2 measured imagepull trials of run 1a1a0002 succeeded (2 failed)", result.SkipReason);
    }

    [Fact]
    public void ImagePullBreakdown_WithoutImagePullTrials_SkipsSayingWhatMeasuresThem()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");

        var result = Build(_r.Load("dddd4444"));

        Assert.Null(result.Plot);
        Assert.Equal("no imagepull trials in run dddd4444 (plans/imagepull.yaml or 'sandbench imagepull' measures it)", result.SkipReason);
    }
}
