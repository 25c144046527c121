using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>Start-up breakdown per runtime: stacked bars of the cold start cut at its phases (seed 000, start-up costs).</summary>
internal sealed class StartupBreakdownFigure : IFigure
{
    public string Name => "startup-breakdown";

    public string Title => "Cold-start breakdown per runtime: median time in each phase";

    public FigureResult Build(ReportData data)
    {
        var rows = data.Runs.SelectMany(r => r.ColdStartPhases.Select(b => (Label: data.Label(r, b.Runtime), Segments: Segments.Of(b))))
            .Where(x => x.Segments is { Count: > 0 }).Select(x => (x.Label, Segments: x.Segments!)).ToList();
        if (rows.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.ColdStartPhases.Count > 0)
                ? "no runtime has a first-byte phase in its cold-start trials"
                : Skips.NoTrials(data, "coldstart", "plans/coldstart.yaml or 'sandbench coldstart' measures it"));
        }

        var names = Segments.Names(rows.Select(r => r.Segments));
        var plot = Chart.New(Title, "runtime", "time since spawn (ms)");
        var bars = new List<Bar>();
        for (int i = 0; i < rows.Count; i++)
        {
            double bottom = 0;
            foreach (var s in rows[i].Segments)
            {
                bars.Add(new Bar { Position = i, ValueBase = bottom, Value = bottom + s.Ms, FillColor = Chart.Color20(names.ToList().IndexOf(s.Phase)), LineWidth = 0, Size = 0.7 });
                bottom += s.Ms;
            }
            var total = plot.Add.Text(Chart.Number(bottom), i, bottom);
            total.LabelFontSize = 11;
            total.LabelAlignment = Alignment.LowerCenter;
        }
        plot.Add.Bars(bars);
        for (int n = 0; n < names.Count; n++)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "→ " + names[n], FillColor = Chart.Color20(n) });
        plot.ShowLegend(Alignment.UpperLeft);
        Chart.Categories(plot, [.. rows.Select(r => r.Label)]);
        return FigureResult.Drawn(plot,
            "Each segment ends at the phase it is named after and lasts from the phase before it in that runtime's time order; "
            + "offsets are medians over the measured trials that succeeded, so each bar is as tall as the median time to the first response byte. "
            + "Phases before the spawn (a request queued on an activated socket) are left out.");
    }
}
