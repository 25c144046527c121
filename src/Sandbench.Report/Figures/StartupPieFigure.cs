using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>The cold-start breakdown of one runtime as a pie (seed 000's breakdown of one run).</summary>
internal sealed class StartupPieFigure : IFigure
{
    public string Name => "startup-pie";

    public string Title => "Cold-start breakdown of one runtime";

    public FigureResult Build(ReportData data)
    {
        // The runtime with the most phases inside the window says the most; among equals, the slowest.
        var all = data.Runs.SelectMany(r => r.ColdStartPhases.Select(b => (Label: data.Label(r, b.Runtime), Segments: Segments.Of(b)))).ToList();
        var pick = all.Where(x => x.Segments is { Count: > 1 })
            .OrderByDescending(x => x.Segments!.Count(s => s.Ms > 0)).ThenByDescending(x => x.Segments!.Sum(s => s.Ms))
            .FirstOrDefault();
        if (pick.Segments is null)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.ColdStartPhases.Count > 0)
                ? "no runtime has at least two phases between spawn and first byte"
                : Skips.NoTrials(data, "coldstart", "plans/coldstart.yaml or 'sandbench coldstart' measures it"));
        }

        var segments = pick.Segments.Where(s => s.Ms > 0).ToList();
        double total = segments.Sum(s => s.Ms);
        // The same colour per phase as in the stacked bars.
        var names = Segments.Names(all.Where(x => x.Segments is not null).Select(x => x.Segments!)).ToList();
        var plot = Chart.New($"Cold-start breakdown: {pick.Label} (median {Chart.Number(total)} ms to first byte)", "", "");
        var slices = segments.Select(s => new PieSlice
        {
            Value = s.Ms,
            FillColor = Chart.Color20(names.IndexOf(s.Phase)),
            Label = s.Ms / total >= 0.04 ? Chart.Inv($"{s.Ms / total:0%}") : "",
            LegendText = Chart.Inv($"→ {s.Phase}: {Chart.Number(s.Ms)} ms ({s.Ms / total:0.0%})"),
        }).ToList();
        var pie = plot.Add.Pie(slices);
        pie.SliceLabelDistance = 0.7;
        pie.LineColor = Colors.White;
        plot.HideAxesAndGrid();
        plot.Axes.SquareUnits();
        plot.ShowLegend(Edge.Right);
        return FigureResult.Drawn(plot,
            $"The cold start of {pick.Label} cut at its phases (the runtime with the most phases between spawn and first byte); "
            + "each slice is a median segment as in the stacked bars. Every runtime's breakdown is in the stacked bars and the phase table.");
    }
}
