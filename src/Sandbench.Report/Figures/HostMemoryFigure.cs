using Sandbench.Core.Host;

namespace Sandbench.Report.Figures;

/// <summary>The host's available memory over a run (MemAvailable, read every second).</summary>
internal sealed class HostMemoryFigure : IFigure
{
    public string Name => "host-memory";

    public string Title => "Host memory available during the run";

    public FigureResult Build(ReportData data)
    {
        var runs = data.Runs.Where(r => r.Host.Any(m => m.Metric == HostSampler.MemAvailable)).ToList();
        if (runs.Count == 0) return FigureResult.Skip(HostSkip.Reason(data, "memory"));
        var plot = Chart.New(Title, "time since the run's first reading (s)", "MemAvailable (GiB)");
        for (int i = 0; i < runs.Count; i++)
        {
            long t0 = runs[i].Host.Min(m => m.TNs);
            var mem = runs[i].Host.Where(m => m.Metric == HostSampler.MemAvailable).ToList();
            var line = plot.Add.Scatter(mem.Select(m => (m.TNs - t0) / 1e9).ToArray(), mem.Select(m => m.Value / (1L << 30)).ToArray(), Chart.Color(i));
            line.LegendText = data.MultiRun ? runs[i].Info.Id : "MemAvailable";
            line.LineWidth = 2;
            line.MarkerSize = 0;
        }
        if (data.MultiRun) plot.ShowLegend();
        return FigureResult.Drawn(plot, "MemAvailable from /proc/meminfo: the kernel's estimate of memory available to new work without swapping. A drop while sandboxes run is their footprint plus the page cache they pulled in.");
    }
}

/// <summary>Why there are no host readings to draw.</summary>
internal static class HostSkip
{
    public static string Reason(ReportData data, string what) =>
        data.Runs.All(r => r.Host.Count == 0)
            ? $"{Skips.Runs(data)} {(data.MultiRun ? "have" : "has")} no host readings (runs recorded before the results file had a host_metrics table, schema v3, have none)"
            : $"{Skips.Runs(data)} {(data.MultiRun ? "have" : "has")} host readings, but none of the host's {what}";
}
