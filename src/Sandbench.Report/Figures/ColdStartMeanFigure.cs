namespace Sandbench.Report.Figures;

/// <summary>Cold start per runtime: mean bars with min/max whiskers (seed 003, Fig. 4: the service response latency of a single cold instance).</summary>
internal sealed class ColdStartMeanFigure : IFigure
{
    public string Name => "coldstart-mean";

    public string Title => "Cold start per runtime: mean, whiskers min–max";

    public FigureResult Build(ReportData data)
    {
        var rows = ColdStartRows.Of(data);
        if (rows.Count == 0) return FigureResult.Skip(Skips.NoTrials(data, "coldstart", "plans/coldstart.yaml or 'sandbench coldstart' measures it"));
        var plot = Chart.New(Title, "runtime", "cold start: spawn → first response byte (ms)");
        Chart.BarsWithWhiskers(plot, [.. rows.Select(r => r.Ms.Mean)], [.. rows.Select(r => r.Ms.Min)], [.. rows.Select(r => r.Ms.Max)]);
        Chart.Categories(plot, [.. rows.Select(r => $"{r.Label}\nn={r.Ms.N}")]);
        return FigureResult.Drawn(plot,
            "Bars: mean of the measured trials that succeeded (warm-ups excluded); whiskers: the fastest and the slowest of them. "
            + ColdStartRows.Readiness(rows));
    }
}
