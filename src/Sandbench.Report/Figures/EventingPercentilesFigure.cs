using HdrHistogram;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Load;

namespace Sandbench.Report.Figures;

/// <summary>CloudEvents delivery latency at the sink (received − sent), by percentile (seed 002's eventing mode).</summary>
internal sealed class EventingPercentilesFigure : IFigure
{
    /// <summary>The sink's histogram of delivery latency, in nanoseconds.</summary>
    public const string Histogram = "delivery_ns";

    public string Name => "eventing-percentiles";

    public string Title => "CloudEvents delivery latency by percentile";

    public FigureResult Build(ReportData data)
    {
        var lines = new List<(string Label, LongHistogram H)>();
        foreach (var run in data.Runs)
            foreach (var t in EventingTrials.Of(run))
                if (data.Histograms(t.Id).FirstOrDefault(h => h.Metric == Histogram) is { } encoded
                    && HistogramCodec.Decode(encoded.Data) is { TotalCount: > 0 } h && lines.Count < WarmRows.MaxLines)
                    lines.Add((EventingTrials.Label(data, run, t), h));
        if (lines.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => EventingTrials.Of(r).Count > 0)
                ? $"the CloudEvents sink of {Skips.Runs(data)} received no timed event"
                : $"no CloudEvents sink in {Skips.Runs(data)} ('sandbench sink' records one, fed by 'sandbench load --cloudevents')");
        }

        var plot = Chart.New(Title, Spectrum.Axis, "delivery latency (ms)");
        Chart.LogAxis(plot.Axes.Bottom, Spectrum.Label);
        double right = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            var points = Spectrum.Points(lines[i].H, 1e6);
            right = Math.Max(right, points.Max(p => p.X));
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray(), Chart.Color(i));
            line.LegendText = lines[i].Label;
            line.LineWidth = 2;
            line.MarkerSize = 0;
        }
        plot.Axes.SetLimitsX(0, Math.Max(2, Math.Ceiling(right)));
        plot.Axes.SetLimitsY(0, lines.Max(l => l.H.GetMaxValue()) / 1e6 * 1.08);
        plot.ShowLegend(ScottPlot.Edge.Right);
        return FigureResult.Drawn(plot,
            "Delivery latency of each event the sink received: its arrival minus the send time the generator stamped in it, both on CLOCK_MONOTONIC "
            + "(recorded in ns to 3 significant digits); x: 1/(1−q) on a log scale, as HdrHistogram's plotter. Events that were untimed, stamped on another clock, "
            + "invalid or duplicates are counted in the eventing table, not drawn. Events: " + string.Join(", ", lines.Select(l => Chart.Inv($"{l.Label} {l.H.TotalCount}"))) + ".");
    }
}

/// <summary>The CloudEvents sink trials of a run and their names in figures.</summary>
internal static class EventingTrials
{
    public static IReadOnlyList<TrialRecord> Of(RunData run) =>
        [.. run.TrialsOf(Eventing.Experiment).Where(t => !t.Warmup)];

    public static string Label(ReportData data, RunData run, TrialRecord t) =>
        data.Label(run, t.Parameters.GetValueOrDefault("label") is { Length: > 0 } l ? l : "sink");
}
