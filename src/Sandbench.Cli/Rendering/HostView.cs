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
        var table = new Table().Title("host during the run (read every second)");
        foreach (var c in new[] { "metric", "n", "mean", "min", "max" })
            table.AddColumn(new TableColumn(c) { Alignment = c == "metric" ? Justify.Left : Justify.Right });
        foreach (var s in stats)
        {
            bool cpu = s.Metric.StartsWith(HostSampler.CpuBusy, StringComparison.Ordinal);
            bool mem = s.Metric == HostSampler.MemAvailable;
            string F(double v) => cpu ? string.Create(CultureInfo.InvariantCulture, $"{v * 100:0.0}%")
                : mem ? string.Create(CultureInfo.InvariantCulture, $"{v / (1L << 30):0.00} GiB")
                : v.ToString("0.00", CultureInfo.InvariantCulture);
            table.AddRow(Markup.Escape(s.Metric), s.N.ToString(CultureInfo.InvariantCulture), F(s.Mean), F(s.Min), F(s.Max));
        }
        AnsiConsole.Write(table);
    }
}
