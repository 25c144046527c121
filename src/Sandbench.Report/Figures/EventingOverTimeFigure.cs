using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>CloudEvents delivery latency over time: p50 and p99 of the events received in each second.</summary>
internal sealed class EventingOverTimeFigure : IFigure
{
    public string Name => "eventing-over-time";

    public string Title => "CloudEvents delivery latency over time";

    public FigureResult Build(ReportData data)
    {
        var lines = new List<(string Label, List<(double S, double Ms)> P50, List<(double S, double Ms)> P99, double Events)>();
        foreach (var run in data.Runs)
        {
            foreach (var t in EventingTrials.Of(run).Take(WarmRows.MaxLines - lines.Count))
            {
                var series = data.Series(t.Id);
                List<(double, double)> Of(string metric) => [.. series.Where(p => p.Metric == metric).OrderBy(p => p.Second).Select(p => ((double)p.Second, p.Value / 1e6))];
                var p99 = Of("delivery_p99_ns");
                if (p99.Count > 0) lines.Add((EventingTrials.Label(data, run, t), Of("delivery_p50_ns"), p99, series.Where(p => p.Metric == "events").Sum(p => p.Value)));
            }
        }
        if (lines.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => EventingTrials.Of(r).Count > 0)
                ? $"the CloudEvents sink of {Skips.Runs(data)} has no per-second latency series (no timed event)"
                : $"no CloudEvents sink in {Skips.Runs(data)} ('sandbench sink' records one, fed by 'sandbench load --cloudevents')");
        }

        var plot = Chart.New(Title, "second since the sink listened", "delivery latency (ms)");
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, p50, p99, _) = lines[i];
            var line = plot.Add.Scatter(p99.Select(p => p.S).ToArray(), p99.Select(p => p.Ms).ToArray(), Chart.Color(i));
            line.LegendText = $"{label} p99";
            line.LineWidth = 2;
            var light = plot.Add.Scatter(p50.Select(p => p.S).ToArray(), p50.Select(p => p.Ms).ToArray(), Chart.Light(i));
            light.LegendText = $"{label} p50";
        }
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Margins(bottom: 0, top: 0.25);
        return FigureResult.Drawn(plot,
            "p99 (dark) and p50 (light) of the delivery latency of the events the sink received in each second (2 significant digits); seconds without events are left out. Events: "
            + string.Join(", ", lines.Select(l => Chart.Inv($"{l.Label} {l.Events:0}"))) + ".");
    }
}
