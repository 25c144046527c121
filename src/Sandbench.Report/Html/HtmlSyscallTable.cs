using System.Text;
using Sandbench.Core.Stats;
using static Sandbench.Report.Html.HtmlReport;
using static Sandbench.Report.Html.HtmlTables;

namespace Sandbench.Report.Html;

/// <summary>The syscall × runtime table of the HTML report, as <c>sandbench show</c> prints it.</summary>
internal static class HtmlSyscallTable
{
    public static void Write(StringBuilder h, RunData run, string of)
    {
        foreach (var t in run.Syscall)
        {
            Table(h, $"syscall ({t.Workload}): median ns per operation{(t.Baseline is null ? "" : $" (× {t.Baseline}, native)")}{of}",
                ["operation", .. t.Runtimes],
                t.Rows.Select(r => (string[])[r.Op, .. r.Cells.Select(Cell)])
                    .Append(["failed trials", .. t.Runtimes.Select(rt => Inv($"{t.Failed.GetValueOrDefault(rt)}"))]),
                numeric: [.. Enumerable.Range(1, t.Runtimes.Count)]);
            h.Append("<p class=\"note\">each trial runs each operation in a loop whose count doubles until it lasts at least min-time, then 3 more loops of that count; ns = the fastest loop's time / its count, on the sandbox's own clock; cells: median over trials (× median / native median)</p>\n");
            foreach (var e in t.Errors) h.Append("<p class=\"note\">").Append(E(e)).Append("</p>\n");
        }
    }

    private static string Cell(SyscallCell c)
    {
        if (c.Ns is null) return c.Refused is null ? "–" : "refused " + c.Refused;
        string ns = Chart.Ns(c.Ns.P50);
        return c.Ratio is { } r ? $"{ns} ({Chart.Ratio(r)})" : ns;
    }
}
