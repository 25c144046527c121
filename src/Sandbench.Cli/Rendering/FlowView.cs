using System.Globalization;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>One table per application flow: each function on each runtime (cold, warm p50 and p99, ratio to a plain process), then the flow end to end.</summary>
internal static class FlowView
{
    public static void Print(IReadOnlyList<FlowResult> flows)
    {
        foreach (var f in flows)
        {
            var table = new Table().Title($"flow {Markup.Escape(f.Flow)}: latency per function at the gateway (ms)");
            foreach (var c in new[] { "function", "runtime", "cold ms", "warm p50 ms", "warm p99 ms", "n", $"vs {FlowAnalysis.Native}" })
                table.AddColumn(new TableColumn(c) { Alignment = c is "function" or "runtime" ? Justify.Left : Justify.Right });
            foreach (var r in f.Rows)
            {
                table.AddRow(Markup.Escape(r.Function), Markup.Escape(r.Runtime), WarmView.Ms(r.ColdMs?.P50), WarmView.Ms(r.WarmMs?.P50), WarmView.Ms(r.WarmMs?.P99),
                    N(r.WarmMs), Ratio(r.Ratio));
            }
            foreach (var e in f.EndToEnd)
                table.AddRow("[bold]flow end to end[/]", Markup.Escape(e.Runtime), "–", WarmView.Ms(e.Ms?.P50), WarmView.Ms(e.Ms?.P99), N(e.Ms), Ratio(e.Ratio));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine("[grey]at the gateway: a request's arrival → the end of its response; an entry function's requests include the functions it calls. "
                + "cold: the function's first request, which waited for its sandbox to start (median over trials); warm: every request to it in the measured rounds, pooled; "
                + $"n: warm requests (end to end: measured rounds, as the client saw them); vs {FlowAnalysis.Native}: warm p50 ÷ the same function's (or flow's) on {FlowAnalysis.Native} "
                + "(– without a baseline)[/]");
            var failed = f.Failed.Where(kv => kv.Value > 0).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value}")).ToList();
            if (failed.Count > 0) AnsiConsole.MarkupLineInterpolated($"[red]failed trials[/]: {string.Join(", ", failed)}");
            foreach (var e in f.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{e}[/]");
        }
    }

    private static string N(Summary? s) => (s?.N ?? 0).ToString(CultureInfo.InvariantCulture);

    private static string Ratio(double? r) => r is { } v ? string.Create(CultureInfo.InvariantCulture, $"×{v:0.0#}") : "–";
}
