using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>Sandboxes that answered against the number asked for (seed 003, Figs. 6 and 7).</summary>
internal sealed class ScaleAnsweredFigure : IFigure
{
    public string Name => "scale-answered";

    public string Title => "Sandboxes that answered vs target";

    public FigureResult Build(ReportData data)
    {
        var lines = data.Runs.SelectMany(r => r.Scale.GroupBy(s => s.Runtime).Select(g => (Label: data.Label(r, g.Key), Steps: g.OrderBy(s => s.N).ToList()))).ToList();
        if (lines.Count == 0) return FigureResult.Skip(Skips.NoTrials(data, "scale", "'sandbench run plans/scale.yaml' measures it"));

        var plot = Chart.New(Title, "target: sandboxes started at once (N)", "answered within the timeout (mean per iteration)");
        int top = lines.Max(l => l.Steps.Max(s => s.N));
        var diagonal = plot.Add.Scatter(new double[] { 0, top }, new double[] { 0, top }, Colors.Gray);
        diagonal.LegendText = "target";
        diagonal.MarkerSize = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            var (label, steps) = lines[i];
            var line = plot.Add.Scatter(steps.Select(s => (double)s.N).ToArray(), steps.Select(s => (double)s.Answered / Math.Max(1, s.Steps)).ToArray(), Chart.Color(i));
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.SetLimits(0, top * 1.05, 0, top * 1.1);
        var broke = lines.SelectMany(l => l.Steps.Where(s => s.BreakReason is not null).Select(s => Chart.Inv($"{l.Label} at N = {s.N}: {s.BreakReason}"))).ToList();
        return FigureResult.Drawn(plot,
            "Sandboxes that answered a first request within the timeout, per step, mean over its iterations; the grey diagonal is the target. "
            + (broke.Count > 0 ? "The ladder broke: " + string.Join("; ", broke) + "." : "No step broke the ladder."));
    }
}
