using HdrHistogram;
using Sandbench.Core.Experiments;
using Sandbench.Core.Stats;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Warm latency by percentile, as HdrHistogram's plotter draws a distribution: x is 1/(1−q) on a log
/// scale (so 90%, 99%, 99.9% are equally spaced), y the latency; corrected and uncorrected.
/// </summary>
internal sealed class WarmPercentilesFigure : IFigure
{
    public string Name => "warm-percentiles";

    public string Title => "Warm latency by percentile";

    public FigureResult Build(ReportData data)
    {
        var lines = new List<(string Label, LongHistogram Corrected, LongHistogram? Uncorrected, WarmResult Row)>();
        foreach (var run in data.Runs)
        {
            var corrected = RunAnalysis.WarmHistograms(run.TrialsOf("warm"), data.Histograms, WarmExperiment.CorrectedHistogram);
            var uncorrected = RunAnalysis.WarmHistograms(run.TrialsOf("warm"), data.Histograms, WarmExperiment.UncorrectedHistogram);
            for (int i = 0; i < run.Warm.Count && lines.Count < WarmRows.MaxLines; i++)
                if (corrected[i] is { TotalCount: > 0 } h) lines.Add((WarmRows.Label(data, run, run.Warm[i]), h, uncorrected[i], run.Warm[i]));
        }
        if (lines.Count == 0) return FigureResult.Skip(Skips.NoTrials(data, "warm", WarmRows.Hint));

        var plot = Chart.New(Title, Spectrum.Axis, "latency (ms)");
        Chart.LogAxis(plot.Axes.Bottom, Spectrum.Label);
        double right = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, corrected, uncorrected, _) = lines[i];
            var c = Spectrum.Points(corrected, 1000);
            right = Math.Max(right, c.Max(p => p.X));
            var line = plot.Add.Scatter(c.Select(p => p.X).ToArray(), c.Select(p => p.Y).ToArray(), Chart.Color(i));
            line.LegendText = $"{label} corrected";
            line.LineWidth = 2;
            line.MarkerSize = 0;
            if (uncorrected is not { TotalCount: > 0 }) continue;
            var u = Spectrum.Points(uncorrected, 1000);
            var light = plot.Add.Scatter(u.Select(p => p.X).ToArray(), u.Select(p => p.Y).ToArray(), Chart.Light(i));
            light.LegendText = $"{label} uncorrected";
            light.MarkerSize = 0;
        }
        plot.Axes.SetLimitsX(0, Math.Max(2, Math.Ceiling(right)));
        plot.Axes.SetLimitsY(0, lines.Max(l => Math.Max(l.Corrected.GetMaxValue(), l.Uncorrected?.GetMaxValue() ?? 0)) / 1000.0 * 1.08);
        plot.ShowLegend(Edge.Right);
        return FigureResult.Drawn(plot,
            "x: 1/(1−q) on a log scale, as HdrHistogram's plotter draws a distribution, so each step right is a tenfold rarer request; "
            + "y: latency of every request of the measured trials that succeeded, pooled (histograms merged, recorded in µs to 3 significant digits). "
            + "Dark: corrected, from each request's due time (a stall counts for every request it delayed); light: uncorrected, from the actual send. "
            + "Requests: " + string.Join(", ", lines.Select(l => Chart.Inv($"{l.Label} {l.Corrected.TotalCount}"))) + ". The 100th percentile (the maximum) is in the warm table.");
    }
}
