namespace Sandbench.Report.Figures;

/// <summary>
/// Per service behind the local gateway: time to first byte of requests that waited for a sandbox to start
/// (cold) beside those a ready sandbox took (warm) — the scale-from-zero penalty seed 003 reads off Knative.
/// </summary>
internal sealed class GatewayLatencyFigure : IFigure
{
    public string Name => "gateway-latency";

    public string Title => "Through the gateway: cold vs warm time to first byte";

    public FigureResult Build(ReportData data)
    {
        var rows = data.Runs.SelectMany(r => r.Gateway.Where(g => g.ColdMs is not null || g.WarmMs is not null)
            .Select(g => (Label: data.Label(r, $"{g.Service} ({g.Runtimes})"), g))).ToList();
        if (rows.Count == 0)
        {
            return FigureResult.Skip(data.Runs.Any(r => r.GatewayRequests.Count > 0)
                ? $"no request through the gateway in {Skips.Runs(data)} was answered by a sandbox"
                : $"no gateway requests in {Skips.Runs(data)} ('sandbench gateway' records them)");
        }
        var plot = Chart.New(Title, "service (runtime)", "gateway: request arrival → sandbox's first byte (ms)");
        double[] P50(Func<Sandbench.Core.Stats.GatewayResult, Sandbench.Core.Stats.Summary?> of) => [.. rows.Select(r => of(r.g)?.P50 ?? double.NaN)];
        double[] Min(Func<Sandbench.Core.Stats.GatewayResult, Sandbench.Core.Stats.Summary?> of) => [.. rows.Select(r => of(r.g)?.Min ?? double.NaN)];
        double[] P99(Func<Sandbench.Core.Stats.GatewayResult, Sandbench.Core.Stats.Summary?> of) => [.. rows.Select(r => of(r.g)?.P99 ?? double.NaN)];
        Chart.BarsWithWhiskers(plot, P50(g => g.ColdMs), Min(g => g.ColdMs), P99(g => g.ColdMs), offset: -0.2, width: 0.4, color: Chart.Color(0), legend: "cold (waited for a start)");
        Chart.BarsWithWhiskers(plot, P50(g => g.WarmMs), Min(g => g.WarmMs), P99(g => g.WarmMs), offset: 0.2, width: 0.4, color: Chart.Color(1), legend: "warm");
        Chart.Categories(plot, [.. rows.Select(r => Chart.Inv($"{r.Label}\ncold n={r.g.Cold}, warm n={r.g.Warm}"))]);
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        return FigureResult.Drawn(plot,
            "Bars: median time from the gateway parsing a request to the sandbox's response head reaching it, over requests a sandbox answered with 2xx/3xx; "
            + "whiskers: fastest to p99. Cold requests include the sandbox's start (and any queueing); warm ones only the hop and the function. "
            + "Readiness: " + string.Join("; ", rows.Select(r => $"{r.Label}: {r.g.Readiness}")) + ".");
    }
}
