using System.Text;
using Sandbench.Core.Stats;
using static Sandbench.Report.Html.HtmlReport;
using static Sandbench.Report.Html.HtmlTables;

namespace Sandbench.Report.Html;

/// <summary>The application-flow tables of the HTML report (function × runtime, then the flow end to end), as <c>sandbench show</c> prints them.</summary>
internal static class HtmlFlowTable
{
    public static void Write(StringBuilder h, RunData run, string of)
    {
        foreach (var f in run.Flow)
        {
            Table(h, $"flow {f.Flow}: latency per function at the gateway (ms){of}",
                ["function", "runtime", "cold ms", "warm p50 ms", "warm p99 ms", "n", $"vs {FlowAnalysis.Native}"],
                f.Rows.Select(r => new[] { r.Function, r.Runtime, Ms(r.ColdMs?.P50), Ms(r.WarmMs?.P50), Ms(r.WarmMs?.P99), Inv($"{r.WarmMs?.N ?? 0}"), Ratio(r.Ratio) })
                    .Concat(f.EndToEnd.Select(e => new[] { "flow end to end", e.Runtime, "–", Ms(e.Ms?.P50), Ms(e.Ms?.P99), Inv($"{e.Ms?.N ?? 0}"), Ratio(e.Ratio) })),
                numeric: [2, 3, 4, 5, 6]);
            h.Append("<p class=\"note\">").Append(E("at the gateway: a request's arrival → the end of its response; an entry function's requests include the functions it calls. "
                + "cold: the function's first request, which waited for its sandbox to start (median over trials); warm: every request to it in the measured rounds, pooled; "
                + $"n: warm requests (end to end: measured rounds, as the client saw them); vs {FlowAnalysis.Native}: warm p50 ÷ the same function's (or flow's) on {FlowAnalysis.Native} "
                + "(– without a baseline)")).Append("</p>\n");
            var failed = f.Failed.Where(kv => kv.Value > 0).Select(kv => Inv($"{kv.Key} {kv.Value}")).ToList();
            if (failed.Count > 0) h.Append("<p class=\"error\">").Append(E("failed trials: " + string.Join(", ", failed))).Append("</p>\n");
            foreach (var e in f.Errors) h.Append("<p class=\"error\">").Append(E(e)).Append("</p>\n");
        }
    }

    private static string Ratio(double? r) => r is { } v ? Inv($"×{v:0.0#}") : "–";
}
