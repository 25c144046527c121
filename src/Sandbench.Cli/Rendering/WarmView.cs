using System.Globalization;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The warm table: per runtime and rate, target and achieved rate, corrected and uncorrected latency, what went wrong.</summary>
internal static class WarmView
{
    public static void Print(IReadOnlyList<WarmResult> results)
    {
        var table = new Table().Title("warm: latency under load (ms; all requests of the trials pooled)");
        foreach (var c in new[] { "runtime", "load", "n", "req/s", "p50", "p99", "p99.9", "unc. p50", "unc. p99", "requests", "errors", "late", "dropped", "CPU", "RSS MiB", "failed" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "load" ? Justify.Left : Justify.Right });
        foreach (var r in results)
        {
            string load = r.Mode == "open" ? string.Create(CultureInfo.InvariantCulture, $"{r.TargetRate:0.###} req/s")
                : string.Create(CultureInfo.InvariantCulture, $"closed ×{r.Concurrency}");
            table.AddRow(
                Markup.Escape(r.Runtime), Markup.Escape(load), N(r.N),
                r.AchievedRate is { } a ? Rate(a, r.TargetRate) : "–",
                Ms(r.Corrected?.P50), Ms(r.Corrected?.P99), Ms(r.Corrected?.P999),
                Ms(r.Uncorrected?.P50), Ms(r.Uncorrected?.P99),
                N(r.Completed), Warn(r.Errors), Warn(r.Late), Warn(r.Dropped),
                r.CpuCores is { } cpu ? cpu.ToString("0.00", CultureInfo.InvariantCulture) : "–",
                r.RssPeakMiB is { } rss ? rss.ToString(rss >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture) : "–",
                r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]req/s: achieved; p50/p99/p99.9: corrected, from each request's due time (open loop: t0 + i/rate), so a stall counts for every request it delayed; " +
            "unc.: uncorrected, from the actual send; late: sent after its due time because every connection was busy; dropped: never sent (waited past the timeout or the end); " +
            "CPU: cores the sandbox's processes used during the window; RSS: peak of their total[/]");
        foreach (var r in results.Where(r => r.FailureReasons.Count > 0))
            foreach (var e in r.FailureReasons) AnsiConsole.MarkupLineInterpolated($"[red]{r.Runtime}[/]: {e}");
        PrintFunction(results);
    }

    /// <summary>For workloads that report their own duration: response time, in-function time and the overhead between them.</summary>
    private static void PrintFunction(IReadOnlyList<WarmResult> results)
    {
        var timed = results.Where(r => r.Function is not null).ToList();
        if (timed.Count == 0) return;
        var table = new Table().Title("warm: response vs in-function time (ms; per request, all requests of the trials pooled)");
        foreach (var c in new[] { "workload", "runtime", "load", "reported", "response p50", "function p50", "overhead p50", "overhead p99" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "workload" or "runtime" or "load" ? Justify.Left : Justify.Right });
        foreach (var r in timed)
        {
            string load = r.Mode == "open" ? string.Create(CultureInfo.InvariantCulture, $"{r.TargetRate:0.###} req/s")
                : string.Create(CultureInfo.InvariantCulture, $"closed ×{r.Concurrency}");
            table.AddRow(Markup.Escape(r.Workload), Markup.Escape(r.Runtime), Markup.Escape(load), N(r.Function!.N),
                Ms(r.Uncorrected?.P50), Ms(r.Function.P50), Ms(r.Overhead?.P50), Ms(r.Overhead?.P99));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]response: from the request's send to its last byte (uncorrected); function: what the workload measured around its own work " +
            "(X-Function-Duration-Ns, CLOCK_MONOTONIC); overhead: per request, response − function, then its percentiles; " +
            "reported: responses that carried the header[/]");
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Warn(long n) => n == 0 ? "0" : $"[yellow]{N(n)}[/]";

    /// <summary>The achieved rate, in yellow when it fell more than 1% short of the target.</summary>
    private static string Rate(double achieved, double? target)
    {
        string text = achieved.ToString("0.0", CultureInfo.InvariantCulture);
        return target is { } t && achieved < t * 0.99 ? $"[yellow]{text}[/]" : text;
    }

    /// <summary>A latency in ms with a precision that fits its size (three decimals below 10 ms, two below 100, one from 100); – when missing.</summary>
    internal static string Ms(double? ms) => ms is { } v ? v.ToString(v >= 100 ? "0.0" : v >= 10 ? "0.00" : "0.000", CultureInfo.InvariantCulture) : "–";
}
