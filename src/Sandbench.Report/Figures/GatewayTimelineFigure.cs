using ScottPlot;
using Sandbench.Core.Stats;

namespace Sandbench.Report.Figures;

/// <summary>
/// Scale from zero and back: per service, requests in flight at the gateway and sandboxes alive (started, not yet
/// torn down) and ready over the run, so the autoscaler's reaction and the idle window can be read off one axis.
/// </summary>
internal sealed class GatewayTimelineFigure : IFigure
{
    /// <summary>At most this many services, so the lines stay readable.</summary>
    private const int MaxServices = 4;

    public string Name => "gateway-timeline";

    public string Title => "Through the gateway: requests in flight and sandboxes over time";

    public FigureResult Build(ReportData data)
    {
        var services = data.Runs.SelectMany(r => r.GatewayRequests.Select(q => q.Service).Concat(r.GatewaySandboxes.Select(s => s.Service)).Distinct()
            .Select(s => (Run: r, Service: s))).Take(MaxServices).ToList();
        if (services.Count == 0) return FigureResult.Skip($"no gateway requests in {Skips.Runs(data)} ('sandbench gateway' records them)");

        var plot = Chart.New(Title, "time since the run's first request or start (s)", "count");
        for (int i = 0; i < services.Count; i++)
        {
            var (run, service) = services[i];
            var requests = run.GatewayRequests.Where(q => q.Service == service).ToList();
            var sandboxes = run.GatewaySandboxes.Where(s => s.Service == service).ToList();
            long origin = run.GatewayRequests.Select(q => q.ArrivalNs).Concat(run.GatewaySandboxes.Select(s => s.StartNs)).DefaultIfEmpty(0).Min();
            string label = data.Label(run, service.Length == 0 ? "(no service)" : service);
            Steps(plot, [.. requests.Select(q => (q.ArrivalNs, q.ArrivalNs + q.TotalNs))], origin, Chart.Color(i), $"{label}: requests in flight", 2);
            Steps(plot, [.. sandboxes.Select(s => (s.StartNs, s.StoppedNs))], origin, Chart.Light(i), $"{label}: sandboxes alive", 4);
            Steps(plot, [.. sandboxes.Where(s => s.ReadyNs is not null).Select(s => (s.ReadyNs!.Value, s.StoppedNs))], origin, Chart.Color(i + 5), $"{label}: sandboxes ready", 1.5f);
        }
        plot.ShowLegend(Edge.Right);
        plot.Axes.Margins(bottom: 0, top: 0.1);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        return FigureResult.Drawn(plot,
            "Step lines counted from the stored requests (arrival at the gateway to the end of its response) and sandboxes "
            + "(the gateway deciding to start one, its readiness, the end of its teardown). A sandbox alive but not ready is starting or being torn down; "
            + "the drop to zero after the last request is the idle window.", width: 1100);
    }

    /// <summary>How many of the [from, to) intervals are open over time, as a step line in seconds from <paramref name="origin"/>.</summary>
    private static void Steps(Plot plot, IReadOnlyList<(long From, long To)> intervals, long origin, Color color, string legend, float width)
    {
        if (intervals.Count == 0) return;
        var steps = GatewayAnalysis.Open(intervals);
        double[] xs = [0, .. steps.Select(s => (s.T - origin) / 1e9)];
        double[] ys = [0, .. steps.Select(s => (double)s.Open)];
        var line = plot.Add.Scatter(xs, ys, color);
        line.ConnectStyle = ConnectStyle.StepHorizontal;
        line.LineWidth = width;
        line.MarkerSize = 0;
        line.LegendText = legend;
    }
}
