using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>
/// Latency against the number of sandboxes started at once (seed 003, Fig. 5 of the concurrent test: the
/// average service response latency per number of instances; seed 000's instantiation throughput: the time
/// until the last one is ready).
/// </summary>
internal sealed class ScaleLatencyFigure : IFigure
{
    public string Name => "scale-latency";

    public string Title => "Latency vs number of sandboxes started at once";

    public FigureResult Build(ReportData data)
    {
        var lines = data.Runs.SelectMany(r => r.Scale.GroupBy(s => s.Runtime).Select(g => (Label: data.Label(r, g.Key), Steps: g.Where(s => s.FirstByteMs is not null).OrderBy(s => s.N).ToList())))
            .Where(l => l.Steps.Count > 0).ToList();
        if (lines.Count == 0) return FigureResult.Skip(Skips.NoTrials(data, "scale", "'sandbench run plans/scale.yaml' measures it"));

        var plot = Chart.New(Title, "sandboxes started at once (N)", "ms from the step's start");
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, steps) = lines[i];
            double[] xs = [.. steps.Select(s => (double)s.N)], ys = [.. steps.Select(s => s.FirstByteMs!.Mean)];
            var mean = plot.Add.Scatter(xs, ys, Chart.Color(i));
            mean.LegendText = $"{label}: first byte, mean (whiskers min–max)";
            mean.LineWidth = 2;
            var spread = plot.Add.ErrorBar(xs, ys, [.. steps.Select(s => s.FirstByteMs!.Max - s.FirstByteMs.Mean)]);
            spread.YErrorNegative = [.. steps.Select(s => s.FirstByteMs!.Mean - s.FirstByteMs.Min)];
            spread.Color = Chart.Color(i);
            var all = steps.Where(s => s.AllReadyMs is not null).ToList();
            if (all.Count == 0) continue;
            var ready = plot.Add.Scatter(all.Select(s => (double)s.N).ToArray(), all.Select(s => s.AllReadyMs!.Mean).ToArray(), Chart.Light(i));
            ready.LegendText = $"{label}: all N ready";
        }
        plot.ShowLegend(Alignment.UpperLeft);
        double top = lines.SelectMany(l => l.Steps).Max(s => Math.Max(s.FirstByteMs!.Max, s.AllReadyMs?.Mean ?? 0));
        plot.Axes.SetLimitsY(0, top * 1.25);
        return FigureResult.Drawn(plot,
            "Dark: the mean over the sandboxes that answered of the time from the step's start to each one's first response byte (what a client asking for all N at once waited), "
            + "whiskers min–max; light: the step's start until the last of the N answered, mean over the iterations where all answered (seed 000's instantiation time). "
            + "A step where fewer answered shows in the answered figure and the scale table.");
    }
}
