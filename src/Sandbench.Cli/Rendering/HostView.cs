using System.Globalization;
using Sandbench.Core.Host;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The host during the run: CPU busy per core, available memory, load (read every second).</summary>
internal static class HostView
{
    public static void Print(IReadOnlyList<HostStat> stats)
    {
        // The cluster's figures of a knative run (k8s.*, from metrics.k8s.io) come every 5 s, the machine's every second.
        var table = new Table().Title(stats.Any(s => s.Metric.StartsWith("k8s.", StringComparison.Ordinal))
            ? "host during the run (every second; the cluster's k8s.* every 5 s)"
            : "host during the run (read every second)");
        foreach (var c in new[] { "metric", "n", "mean", "min", "max" })
            table.AddColumn(new TableColumn(c) { Alignment = c == "metric" ? Justify.Left : Justify.Right });
        foreach (var s in stats)
        {
            bool cpu = s.Metric.StartsWith(HostSampler.CpuBusy, StringComparison.Ordinal);
            bool mem = s.Metric.EndsWith("_bytes", StringComparison.Ordinal);
            string F(double v) => cpu ? string.Create(CultureInfo.InvariantCulture, $"{v * 100:0.0}%")
                : mem ? string.Create(CultureInfo.InvariantCulture, $"{v / (1L << 30):0.00} GiB")
                : v.ToString("0.00", CultureInfo.InvariantCulture);
            table.AddRow(Markup.Escape(s.Metric), s.N.ToString(CultureInfo.InvariantCulture), F(s.Mean), F(s.Min), F(s.Max));
        }
        AnsiConsole.Write(table);
    }
}
