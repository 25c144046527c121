using Sandbench.Core.Stats;
using ScottPlot;
using ScottPlot.Plottables;

namespace Sandbench.Report.Tests;

/// <summary>Each figure draws the statistics RunAnalysis computes (the numbers <c>show</c> prints), from stored runs.</summary>
public sealed class FigureTests : IDisposable
{
    private readonly Results _r = new();

    public void Dispose() => _r.Dispose();

    private static FigureResult Build(string name, ReportData data) => FigureRegistry.All.Single(f => f.Name == name).Build(data);

    /// <summary>The labels of the bottom axis's major ticks (generated when the plot is laid out).</summary>
    private static List<string> Ticks(Plot plot)
    {
        plot.RenderInMemory(900, 540);
        return [.. plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label)];
    }

    private static List<Bar> Bars(Plot plot) => [.. plot.GetPlottables<BarPlot>().SelectMany(b => b.Bars)];

    [Fact]
    public void Registry_EveryFigureClassIsListedOnceUnderAUniqueName()
    {
        var figureTypes = typeof(IFigure).Assembly.GetTypes().Where(t => typeof(IFigure).IsAssignableFrom(t) && !t.IsInterface).ToList();

        Assert.Equal(FigureRegistry.All.Count, FigureRegistry.All.Select(f => f.Name).Distinct().Count());
        Assert.All(figureTypes, t => Assert.Contains(FigureRegistry.All, f => f.GetType() == t));
        Assert.All(FigureRegistry.All, f => Assert.Matches("^[a-z0-9-]+$", f.Name));
    }

    [Fact]
    public void ColdStartMean_BarsAreTheMeansWithMinMaxWhiskers()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var plot = Build("coldstart-mean", data).Plot!;

        var expected = RunAnalysis.ColdStart(data.Runs[0].Trials);
        Assert.Equal(expected.Select(e => e.ColdStartMs!.Mean), Bars(plot).Select(b => b.Value));
        var whiskers = plot.GetPlottables<ErrorBar>().Single();
        Assert.Equal(expected.Select(e => e.ColdStartMs!.Max - e.ColdStartMs.Mean), whiskers.YErrorPositive!);
        Assert.Equal(expected.Select(e => e.ColdStartMs!.Mean - e.ColdStartMs.Min), whiskers.YErrorNegative!);
        Assert.Equal(["process\nn=10", "runc\nn=10", "qemu\nn=10"], Ticks(plot));
    }

    [Fact]
    public void ColdStartP99_BarsAreThe99thPercentiles_AndTheCaptionWarnsAboutSmallN()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var result = Build("coldstart-p99", data);

        Assert.Equal(RunAnalysis.ColdStart(data.Runs[0].Trials).Select(e => e.ColdStartMs!.P99), Bars(result.Plot!).Select(b => b.Value));
        Assert.Contains("With n = 10 a p99 lies between the two slowest trials", result.Caption, StringComparison.Ordinal);
        Assert.Contains("runc: socket", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void StartupBreakdown_EachBarIsAsTallAsTheMedianColdStart()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var bars = Bars(Build("startup-breakdown", data).Plot!);

        var medians = RunAnalysis.ColdStart(data.Runs[0].Trials).Select(c => c.ColdStartMs!.P50).ToList();
        for (int i = 0; i < medians.Count; i++)
        {
            var stack = bars.Where(b => b.Position == i).OrderBy(b => b.ValueBase).ToList();
            Assert.Equal(0, stack[0].ValueBase);
            Assert.All(stack.Zip(stack.Skip(1)), p => Assert.Equal(p.First.Value, p.Second.ValueBase, 9));
            Assert.Equal(medians[i], stack[^1].Value, 6);
        }
        // qemu: every phase from vmm-ready to first-byte, none of the ones after it.
        Assert.Equal(12, bars.Count(b => b.Position == 2));
    }

    [Fact]
    public void StartupPie_DrawsTheRuntimeWithTheMostPhases()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var plot = Build("startup-pie", data).Plot!;

        Assert.StartsWith("Cold-start breakdown: qemu (median 2215.0 ms", plot.Axes.Title.Label.Text, StringComparison.Ordinal);
        Assert.Equal(2215.0, plot.GetPlottables<Pie>().Single().Slices.Sum(s => s.Value), 6);
    }

    [Fact]
    public void VmTimeline_DrawsQemuBootPhasesFromSpawnToDone()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var result = Build("vm-timeline", data);

        var bars = Bars(result.Plot!);
        var phases = data.Runs[0].BootPhases.Single(b => b.Runtime == "qemu").Phases;
        Assert.Equal(phases.Count - 1, bars.Count); // every phase but spawn
        Assert.Equal(phases[^1].MedianFromSpawnMs, bars.Max(b => b.Value), 6);
        Assert.Equal(phases.Skip(1).Select(p => p.MedianFromSpawnMs), bars.Select(b => b.Value));
        Assert.Contains("(boot)", result.Plot!.Axes.Title.Label.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void VmTimelineMemory_ComparesTheSmallestAndLargestValues()
    {
        ReportSeed.SweepRun(_r.Store, "bbbb2222", "memory", ["512", "128", "2048"]);
        var data = _r.Load("bbbb2222");

        var plot = Build("vm-timeline-memory", data).Plot!;

        Assert.Equal(["memory=128", "memory=2048"], plot.Legend.ManualItems.Select(i => i.LabelText));
        Assert.Equal("qemu: memory=128 vs memory=2048 (boot)", plot.Axes.Title.Label.Text);
    }

    [Fact]
    public void VmTimelineFirmware_NonNumericValuesKeepThePlanOrder()
    {
        ReportSeed.SweepRun(_r.Store, "bbbb2222", "firmware", ["default", "/usr/share/ovmf/OVMF.fd"]);
        var data = _r.Load("bbbb2222");

        var plot = Build("vm-timeline-firmware", data).Plot!;

        Assert.Equal(["firmware=default", "firmware=/usr/share/ovmf/OVMF.fd"], plot.Legend.ManualItems.Select(i => i.LabelText));
    }

    [Fact]
    public void SweepInitrd_XIsTheStoredInitramfsSize_YTheMeans()
    {
        ReportSeed.SweepRun(_r.Store, "bbbb2222", "initrd-padding", ["0", "32M", "64M"]);
        var data = _r.Load("bbbb2222");

        var plot = Build("sweep-initrd", data).Plot!;

        var lines = plot.GetPlottables<Scatter>().ToList();
        Assert.Equal(["qemu: cold start", "qemu: time to run (boot)", "qemu: time to boot (boot)"], lines.Select(l => l.LegendText));
        var run = lines[1].Data.GetScatterPoints();
        Assert.Equal([5.0, 37.0, 69.0], run.Select(p => p.X));
        Assert.Equal(data.Runs[0].Boot.Select(b => b.RunMs!.Mean), run.Select(p => p.Y));
    }

    [Fact]
    public void SweepMemory_SweptValueIsX()
    {
        ReportSeed.SweepRun(_r.Store, "bbbb2222", "memory", ["2048", "128", "512"]);
        var data = _r.Load("bbbb2222");

        var points = Build("sweep-memory", data).Plot!.GetPlottables<Scatter>().First().Data.GetScatterPoints();

        Assert.Equal([128.0, 512.0, 2048.0], points.Select(p => p.X));
        // Cold start of variant v (plan order 2048, 128, 512) is 1900 + 300 v + 5 i ms: means over i = 0..3.
        Assert.Equal([2207.5, 2507.5, 1907.5], points.Select(p => p.Y));
    }

    [Fact]
    public void MemoryPerSandbox_BarsAreMedianPeaksPerRuntime()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var plot = Build("memory-per-sandbox", data).Plot!;

        var boot = data.Runs[0].Boot;
        var rss = plot.GetPlottables<BarPlot>().Single(b => b.LegendText == "peak RSS").Bars;
        Assert.Equal(boot.Select(b => b.RssPeakMiB!.P50), rss.Select(b => b.Value));
        Assert.Equal(221.0, rss[1].Value, 9);
        Assert.Equal(3, plot.GetPlottables<BarPlot>().Count()); // RSS, PSS and VMM overhead
    }

    [Fact]
    public void MemoryOverTime_TheMedianTrialOfEachRuntimeSummedPerReading()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var result = Build("memory-over-time", data);

        var qemu = result.Plot!.GetPlottables<Scatter>().Single(s => s.LegendText == "qemu RSS").Data.GetScatterPoints();
        Assert.Equal(20, qemu.Count);
        Assert.Equal(60.0 + 2, qemu[0].Y, 9); // iteration 2 has the median peak: (60 + 8k + i) MiB
        Assert.Contains("time since spawn (ms, log scale)", result.Plot.Axes.Bottom.Label.Text, StringComparison.Ordinal);
        Assert.Equal(Math.Log10(130), qemu[0].X, 9);
    }

    [Fact]
    public void HostFigures_DrawEveryCoreAndMemAvailable()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        var data = _r.Load("aaaa1111");

        var cpu = Build("host-cpu", data).Plot!.GetPlottables<Scatter>().ToList();
        var mem = Build("host-memory", data).Plot!.GetPlottables<Scatter>().Single().Data.GetScatterPoints();

        Assert.Equal(["all cores", "cpu0", "cpu1"], cpu.Select(s => s.LegendText));
        Assert.Equal(40.0, cpu[0].Data.GetScatterPoints()[0].Y, 9);
        Assert.Equal(59.0, mem[^1].X, 9);
        Assert.Equal(23.0 - 0.59, mem[^1].Y, 9);
    }

    [Fact]
    public void WarmPercentiles_HdrHistogramSpectrumOfThePooledTrials()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");
        var data = _r.Load("dddd4444");

        var result = Build("warm-percentiles", data);

        var lines = result.Plot!.GetPlottables<Scatter>().ToList();
        Assert.Equal(["process 1000 req/s corrected", "process 1000 req/s uncorrected", "runc 1000 req/s corrected", "runc 1000 req/s uncorrected"],
            lines.Select(l => l.LegendText));
        var spectrum = lines[0].Data.GetScatterPoints();
        Assert.Equal((0.0, 0.1), (spectrum[0].X, spectrum[0].Y)); // q = 0: the fastest request, 100 µs
        Assert.All(spectrum.Zip(spectrum.Skip(1)), p => Assert.True(p.Second.X > p.First.X && p.Second.Y >= p.First.Y));
        // The median the warm table prints sits at 1/(1−0.5) = 2.
        var row = data.Runs[0].Warm[0];
        Assert.Equal(row.Corrected!.P50, spectrum.Single(p => Math.Abs(p.X - Math.Log10(2)) < 1e-9).Y, 9);
        Assert.Contains("process 1000 req/s 3003", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void WarmOverTime_PerSecondSeriesOfTheMedianTrial()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");
        var data = _r.Load("dddd4444");

        var lines = Build("warm-over-time", data).Plot!.GetPlottables<Scatter>().ToList();

        Assert.Equal("runc 1000 req/s p99", lines[2].LegendText);
        var p99 = lines[2].Data.GetScatterPoints();
        Assert.Equal([0.0, 1, 2, 3, 4], p99.Select(p => p.X));
        Assert.Equal(150 + 990 + 0 + 1, p99[0].Y * 1000, 6); // iteration 1 has the median p99
    }

    [Fact]
    public void EventingFigures_SpectrumOfTheSinkHistogramAndItsPerSecondSeries()
    {
        ReportSeed.EventingRun(_r.Store, "ffff6666");
        var data = _r.Load("ffff6666");

        var spectrum = Build("eventing-percentiles", data).Plot!.GetPlottables<Scatter>().Single();
        var overTime = Build("eventing-over-time", data).Plot!.GetPlottables<Scatter>().ToList();

        Assert.Equal("load to sink", spectrum.LegendText);
        var points = spectrum.Data.GetScatterPoints();
        Assert.Equal(0.0, points[0].X);
        Assert.Equal(0.2, points[0].Y, 3); // the fastest event, 200 µs (to 3 significant digits, as recorded)
        Assert.Equal(["load to sink p99", "load to sink p50"], overTime.Select(s => s.LegendText));
        Assert.Equal([1.12, 1.14, 1.16, 1.18], overTime[0].Data.GetScatterPoints().Select(p => p.Y));
        Assert.Null(Build("warm-percentiles", data).Plot);
    }

    [Fact]
    public void ScaleFigures_LatencyAnsweredTimelineAndFootprintOfTheLadder()
    {
        ReportSeed.ScaleRun(_r.Store, "abcd7777");
        var data = _r.Load("abcd7777");

        var latency = Build("scale-latency", data).Plot!.GetPlottables<Scatter>().ToList();
        var answered = Build("scale-answered", data);
        var timeline = Build("scale-timeline", data);
        var footprint = Build("footprint", data).Plot!;

        var steps = data.Runs[0].Scale;
        Assert.Equal([2.0, 4, 8], latency[0].Data.GetScatterPoints().Select(p => p.X));
        Assert.Equal(steps.Select(s => s.FirstByteMs!.Mean), latency[0].Data.GetScatterPoints().Select(p => p.Y));
        Assert.Equal([2.0, 4], latency[1].Data.GetScatterPoints().Select(p => p.X)); // all ready: only where all answered
        var points = answered.Plot!.GetPlottables<Scatter>().Single(s => s.LegendText == "process").Data.GetScatterPoints();
        Assert.Equal([2.0, 4, 6], points.Select(p => p.Y));
        Assert.Contains("process at N = 8: 2 of 8 did not answer (timeout: 2)", answered.Caption, StringComparison.Ordinal);
        // The largest step that did not break: N = 4, each sandbox a row from its spawn (10 ms apart) to its first byte.
        Assert.Contains("N = 4", timeline.Plot!.Axes.Title.Label.Text, StringComparison.Ordinal);
        var bars = Bars(timeline.Plot);
        Assert.Equal(8, bars.Count); // 4 sandboxes × (→ started, → first-byte)
        Assert.Equal(30.0, bars.Where(b => b.Position == 0).Min(b => b.ValueBase), 6);
        Assert.Equal(30.0 + 6.5, bars.Where(b => b.Position == 0).Max(b => b.Value), 6);
        Assert.Equal(3, footprint.GetPlottables<BarPlot>().Count());
        Assert.Equal(3.0, footprint.GetPlottables<BarPlot>().Single(b => b.LegendText == "host MemAvailable drop / sandboxes").Bars.Single().Value, 9);
    }

    [Fact]
    public void Figures_WithoutTheirData_AreSkippedWithAReason()
    {
        ReportSeed.SweepRun(_r.Store, "bbbb2222", "memory", ["128", "512"]);
        var data = _r.Load("bbbb2222");

        var results = FigureRegistry.All.ToDictionary(f => f.Name, f => f.Build(data));

        Assert.All(results.Values, r => Assert.True(r.Plot is not null ^ r.SkipReason is not null));
        Assert.Equal("run bbbb2222 has no host readings (runs recorded before the results file had a host_metrics table, schema v3, have none)",
            results["host-cpu"].SkipReason);
        Assert.Equal("no sweep over firmware with two or more values of a VM runtime in run bbbb2222 (plans/vm-firmware.yaml sweeps it)",
            results["vm-timeline-firmware"].SkipReason);
        Assert.Equal("no boot trial of run bbbb2222 has memory readings in the resources table", results["memory-over-time"].SkipReason);
        Assert.NotNull(results["vm-timeline"].Plot); // a run of sweep variants only still has a timeline: the first variant
        Assert.Equal("no CloudEvents sink in run bbbb2222 ('sandbench sink' records one, fed by 'sandbench load --cloudevents')", results["eventing-percentiles"].SkipReason);
    }

    [Fact]
    public void ColdStartFigures_WhenEveryTrialFailed_SaySo()
    {
        ReportSeed.EmptyRun(_r.Store, "cccc3333");
        for (int i = 0; i < 3; i++)
        {
            _r.Store.AppendTrial(new Core.Storage.TrialRecord("cccc3333", "coldstart", "runc", "hello", new Dictionary<string, string>(), i, false,
                Core.Storage.TrialStatus.Failed, "runc create exited with code 1", "socket", 0, ReportSeed.T0, 0, [new("spawn", 0)], []));
        }
        var data = _r.Load("cccc3333");

        Assert.Equal("none of the 3 measured coldstart trials of run cccc3333 succeeded (3 failed)", Build("coldstart-mean", data).SkipReason);
        Assert.Equal("no boot trials in run cccc3333 (plans/boot.yaml or 'sandbench boot' measures it)", Build("memory-per-sandbox", data).SkipReason);
    }

    [Fact]
    public void TwoRuns_SeriesCarryTheirRunId()
    {
        ReportSeed.FullRun(_r.Store, "aaaa1111");
        ReportSeed.FullRun(_r.Store, "bbbb2222", slower: 1.5);
        var data = _r.Load("aaaa1111", "bbbb2222");

        var plot = Build("coldstart-mean", data).Plot!;

        Assert.Equal(6, Bars(plot).Count);
        Assert.Contains("runc · bbbb2222\nn=10", Ticks(plot));
    }

    [Fact]
    public void GatewayLatency_ColdAndWarmMediansSideBySide_WithWhiskersToP99()
    {
        ReportSeed.GatewayRun(_r.Store, "gggg7777");
        var data = _r.Load("gggg7777");

        var result = Build("gateway-latency", data);

        var g = data.Runs[0].Gateway.Single();
        // Cold: 100+2 and 200+2 ms to first byte; warm: nine of 1 ms.
        Assert.Equal((2, 9), (g.Cold, g.Warm));
        Assert.Equal([g.ColdMs!.P50, g.WarmMs!.P50], Bars(result.Plot!).Select(b => b.Value));
        Assert.Equal([-0.2, 0.2], Bars(result.Plot!).Select(b => Math.Round(b.Position, 3)));
        Assert.Equal(1.0, g.WarmMs.P50, 9);
        Assert.Equal(["hello (runc)\ncold n=2, warm n=9"], Ticks(result.Plot!));
        Assert.Contains("hello (runc): socket", result.Caption, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayTimeline_CountsSandboxesAliveAndReadyFromTheStoredTimes()
    {
        ReportSeed.GatewayRun(_r.Store, "gggg7777");

        var plot = Build("gateway-timeline", _r.Load("gggg7777")).Plot!;

        var lines = plot.GetPlottables<Scatter>().ToDictionary(s => s.LegendText);
        var alive = lines["hello: sandboxes alive"].Data.GetScatterPoints();
        // Up at 0, down at 3 s (idle), up at 5 s, down at 6 s.
        Assert.Equal([(0.0, 0.0), (0, 1), (3, 0), (5, 1), (6, 0)], alive.Select(p => (Math.Round(p.X, 6), p.Y)));
        var ready = lines["hello: sandboxes ready"].Data.GetScatterPoints();
        Assert.Equal([(0.0, 0.0), (0.1, 1), (3, 0), (5.2, 1), (6, 0)], ready.Select(p => (Math.Round(p.X, 6), p.Y)));
        Assert.Equal(1, lines["hello: requests in flight"].Data.GetScatterPoints().Max(p => p.Y));
    }

    [Fact]
    public void GatewayFigures_WithoutGatewayRequests_AreSkippedWithTheCommandThatRecordsThem()
    {
        ReportSeed.WarmRun(_r.Store, "dddd4444");
        var data = _r.Load("dddd4444");

        Assert.Contains("'sandbench gateway' records them", Build("gateway-latency", data).SkipReason, StringComparison.Ordinal);
        Assert.Contains("'sandbench gateway' records them", Build("gateway-timeline", data).SkipReason, StringComparison.Ordinal);
    }
}
