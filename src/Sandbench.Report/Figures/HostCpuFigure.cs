using Sandbench.Core.Host;
using ScottPlot;

namespace Sandbench.Report.Figures;

/// <summary>The host's CPU over a run: busy share of all cores and of each core, read every second.</summary>
internal sealed class HostCpuFigure : IFigure
{
    public string Name => "host-cpu";

    public string Title => "Host CPU during the run";

    public FigureResult Build(ReportData data)
    {
        var runs = data.Runs.Where(r => r.Host.Any(m => m.Metric == HostSampler.CpuBusy)).ToList();
        if (runs.Count == 0) return FigureResult.Skip(HostSkip.Reason(data, "CPU"));
        var plot = Chart.New(Title, "time since the run's first reading (s)", "CPU busy (%)");
        int color = 0;
        foreach (var run in runs)
        {
            long t0 = run.Host.Min(m => m.TNs);
            var metrics = run.Host.Where(m => m.Metric.StartsWith(HostSampler.CpuBusy, StringComparison.Ordinal)).GroupBy(m => m.Metric)
                .OrderBy(g => g.Key.Length).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
            foreach (var g in metrics)
            {
                bool all = g.Key == HostSampler.CpuBusy;
                // Several runs: all cores only, one line per run; one run: every core too, thinner.
                if (!all && data.MultiRun) continue;
                var line = plot.Add.Scatter(g.Select(m => (m.TNs - t0) / 1e9).ToArray(), g.Select(m => m.Value * 100).ToArray(), Chart.Color(color++));
                line.LegendText = (data.MultiRun ? run.Info.Id + " " : "") + (all ? "all cores" : g.Key[(HostSampler.CpuBusy.Length + 1)..]);
                line.LineWidth = all ? 2.5f : 1;
                line.MarkerSize = 0;
            }
        }
        plot.Axes.SetLimitsY(0, 105);
        plot.ShowLegend(Edge.Right);
        return FigureResult.Drawn(plot,
            "All but idle and iowait, from two /proc/stat readings a second apart, over all cores and per core. "
            + "Sandbench's own work (the load generator, the poller of connect-retry) is part of it; a busy host makes figures unstable.");
    }
}
