namespace Sandbench.Report.Figures;

/// <summary>Cold start per runtime: the 99th percentile (seed 003, Fig. 5).</summary>
internal sealed class ColdStartP99Figure : IFigure
{
    public string Name => "coldstart-p99";

    public string Title => "Cold start per runtime: 99th percentile";

    public FigureResult Build(ReportData data)
    {
        var rows = ColdStartRows.Of(data);
        if (rows.Count == 0) return FigureResult.Skip(Skips.NoTrials(data, "coldstart", "plans/coldstart.yaml or 'sandbench coldstart' measures it"));
        var plot = Chart.New(Title, "runtime", "cold start p99: spawn → first response byte (ms)");
        Chart.BarsWithWhiskers(plot, [.. rows.Select(r => r.Ms.P99)], null, null);
        Chart.Categories(plot, [.. rows.Select(r => $"{r.Label}\nn={r.Ms.N}")]);
        int smallest = rows.Min(r => r.Ms.N);
        string tail = smallest < 100
            ? Chart.Inv($" With n = {smallest} a p99 lies between the two slowest trials (linear interpolation of ranks, as numpy): run 100 or more iterations for a tail figure.")
            : "";
        return FigureResult.Drawn(plot, "Bars: 99th percentile of the measured trials that succeeded." + tail + " " + ColdStartRows.Readiness(rows));
    }
}
