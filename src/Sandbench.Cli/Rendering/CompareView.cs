using System.Globalization;
using System.Text.Json;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The comparison of two runs: one row per experiment × runtime × workload × metric.</summary>
internal static class CompareView
{
    public static void Print(RunInfo a, RunInfo b, IReadOnlyList<MetricComparison> rows, IReadOnlyList<string> unmatched,
        double threshold, double alpha, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { runA = a.Id, runB = b.Id, threshold, alpha, metrics = rows, unmatched }, JsonOutput.Options));
            return;
        }
        var table = new Table().Title(Inv($"{a.Id} (A) → {b.Id} (B): medians, B/A with 95% bootstrap interval, permutation p (significant: p < {alpha:0.###} and change > {threshold:0.#%})"));
        foreach (var c in new[] { "experiment", "runtime", "workload", "metric", "n A", "n B", "median A", "median B", "B/A", "95% CI", "p", "verdict" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "experiment" or "runtime" or "workload" or "metric" or "verdict" ? Justify.Left : Justify.Right });
        foreach (var r in rows)
        {
            string verdict = r.Verdict switch
            {
                "regression" => "[red]regression[/]",
                "improvement" => "[green]improvement[/]",
                _ => "same",
            };
            table.AddRow(Markup.Escape(r.Experiment), Markup.Escape(r.Runtime), Markup.Escape(r.Workload), Markup.Escape(Name(r.Metric)),
                Inv($"{r.NA}"), Inv($"{r.NB}"), Value(r.Metric, r.MedianA), Value(r.Metric, r.MedianB),
                Inv($"{r.Ratio:0.000}"), Inv($"{r.RatioCiLow:0.000}–{r.RatioCiHigh:0.000}"), Inv($"{r.P:0.0000}"), verdict);
        }
        AnsiConsole.Write(table);
        foreach (var u in unmatched) AnsiConsole.MarkupLine(Markup.Escape($"not compared: {u}"));
        int worse = rows.Count(r => r.Verdict == "regression"), better = rows.Count(r => r.Verdict == "improvement");
        AnsiConsole.MarkupLine(Markup.Escape(Inv($"{rows.Count} metrics: {worse} regressions, {better} improvements, {rows.Count - worse - better} unchanged")));
    }

    /// <summary>Stored units (ns, bytes) shown as ms and MiB.</summary>
    private static string Name(string metric) =>
        metric.EndsWith("_ns", StringComparison.Ordinal) ? metric[..^3] + " (ms)"
        : metric.EndsWith("_bytes", StringComparison.Ordinal) ? metric[..^6] + " (MiB)" : metric;

    private static string Value(string metric, double v) =>
        metric.EndsWith("_ns", StringComparison.Ordinal) ? Inv($"{v / 1e6:0.000}")
        : metric.EndsWith("_bytes", StringComparison.Ordinal) ? Inv($"{v / (1 << 20):0.00}")
        : Inv($"{v:0.###}");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
