using System.Globalization;
using System.Text;
using Sandbench.Core.Host;
using Sandbench.Core.Stats;
using static Sandbench.Report.Html.HtmlReport;

namespace Sandbench.Report.Html;

/// <summary>The tables of the HTML report: the same statistics <c>sandbench show</c> and <c>compare</c> print, in the same units and precision.</summary>
internal static class HtmlTables
{
    public static void Runs(StringBuilder h, ReportData data)
    {
        Table(h, "runs", ["run", "plan", "status", "started (UTC)", "finished (UTC)", "trials", "failed", "sandbench"], data.Runs.Select(r => new[]
        {
            r.Info.Id, r.Info.PlanName, r.Info.Status.ToString().ToLowerInvariant(), Inv($"{r.Info.StartedUtc:yyyy-MM-dd HH:mm:ss}"),
            r.Info.FinishedUtc is { } f ? Inv($"{f:yyyy-MM-dd HH:mm:ss}") : "–", Inv($"{r.Info.TrialCount}"), Inv($"{r.Info.FailedCount}"), r.Info.ToolVersion,
        }), numeric: [5, 6]);
    }

    public static void Statistics(StringBuilder h, RunData run, bool multiRun)
    {
        string of = multiRun ? $" (run {run.Info.Id})" : "";
        if (multiRun) h.Append("<h3>").Append(E($"run {run.Info.Id} · plan {run.Info.PlanName}")).Append("</h3>\n");
        if (run.Trials.Count == 0 && run.Gateway.Count == 0 && run.Community.Count == 0)
        {
            h.Append("<p class=\"note\">this run has no trials</p>\n");
            return;
        }
        foreach (var (via, title) in new[] { ("direct", "cold start: spawn → first response byte (ms)"), ("gateway", "cold start through the gateway: request sent → first response byte at the client (ms)") })
        {
            var rows = run.ColdStart.Where(r => r.Via == via).ToList();
            if (rows.Count == 0) continue;
            Table(h, title + of,
                ["runtime", "n", "mean", "min", "p50", "p90", "p99", "max", "stddev", "95% CI of mean", "failed", "readiness"],
                rows.Select(r => r.ColdStartMs is { } s
                    ? new[] { r.Runtime, Inv($"{s.N}"), F(s.Mean), F(s.Min), F(s.P50), F(s.P90), F(s.P99), F(s.Max), F(s.StdDev), $"{F(s.CiLow)} – {F(s.CiHigh)}", Inv($"{r.Failed}"), r.Readiness }
                    : [r.Runtime, "0", "–", "–", "–", "–", "–", "–", "–", "–", Inv($"{r.Failed}"), r.Readiness]),
                numeric: [1, 2, 3, 4, 5, 6, 7, 8, 10]);
            Errors(h, rows.SelectMany(r => r.Errors.Select(e => (r.Runtime, e))));
        }
        Phases(h, run.ColdStartPhases, "cold-start phases" + of);
        if (run.Boot.Count > 0)
        {
            static string M(Summary? s) => s is null ? "–" : F(s.P50);
            Table(h, "boot: medians, with the 95% CI of the mean time to run" + of,
                ["runtime", "n", "run ms", "95% CI", "boot ms", "VMM start ms", "image MiB", "peak RSS MiB", "peak PSS MiB", "VMM overhead MiB", "failed"],
                run.Boot.Select(r => new[]
                {
                    r.Runtime, Inv($"{r.RunMs?.N ?? 0}"), M(r.RunMs), r.RunMs is { } s ? Inv($"{s.CiLow:0.0} – {s.CiHigh:0.0}") : "–",
                    M(r.BootMs), M(r.VmmStartMs), M(r.ImageMiB), M(r.RssPeakMiB), M(r.PssPeakMiB), M(r.VmmOverheadMiB), Inv($"{r.Failed}"),
                }), numeric: [1, 2, 4, 5, 6, 7, 8, 9, 10]);
            h.Append("<p class=\"note\">run: spawn → the sandbox ended on its own; boot: guest let run (cont) → its init; memory: VMM and guest together, sampled from /proc; VMM overhead: peak RSS minus the resident guest RAM</p>\n");
            Errors(h, run.Boot.SelectMany(r => r.Errors.Select(e => (r.Runtime, e))));
        }
        Phases(h, run.BootPhases, "boot phases" + of);
        if (run.Warm.Count > 0) Warm(h, run.Warm, of);
        HtmlSyscallTable.Write(h, run, of);
        HtmlImagePullTable.Write(h, run, of);
        HtmlFlowTable.Write(h, run, of);
        if (run.Eventing.Count > 0) Eventing(h, run.Eventing, of);
        HtmlScaleTables.Write(h, run, of);
        if (run.Gateway.Count > 0) Gateway(h, run.Gateway, of);
        if (run.Community.Count > 0) HtmlCommunityTable.Write(h, run.Community, of);
        if (run.HostStats.Count > 0)
        {
            Table(h, "host during the run (read every second)" + of, ["metric", "n", "mean", "min", "max"],
                run.HostStats.Select(s => new[] { s.Metric, Inv($"{s.N}"), Host(s.Metric, s.Mean), Host(s.Metric, s.Min), Host(s.Metric, s.Max) }),
                numeric: [1, 2, 3, 4]);
        }
    }

    private static void Warm(StringBuilder h, IReadOnlyList<WarmResult> rows, string of)
    {
        Table(h, "warm: latency under load (ms; all requests of the trials pooled)" + of,
            ["runtime", "load", "n", "req/s", "p50", "p99", "p99.9", "unc. p50", "unc. p99", "requests", "errors", "late", "dropped", "CPU", "RSS MiB", "failed"],
            rows.Select(r => new[]
            {
                r.Runtime, Figures.WarmRows.Load(r), Inv($"{r.N}"), r.AchievedRate is { } a ? Inv($"{a:0.0}") : "–",
                Ms(r.Corrected?.P50), Ms(r.Corrected?.P99), Ms(r.Corrected?.P999), Ms(r.Uncorrected?.P50), Ms(r.Uncorrected?.P99),
                Inv($"{r.Completed}"), Inv($"{r.Errors}"), Inv($"{r.Late}"), Inv($"{r.Dropped}"),
                r.CpuCores is { } cpu ? Inv($"{cpu:0.00}") : "–", r.RssPeakMiB is { } rss ? F(rss) : "–", Inv($"{r.Failed}"),
            }), numeric: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
        h.Append("<p class=\"note\">req/s: achieved; p50/p99/p99.9: corrected, from each request's due time (open loop: t0 + i/rate), so a stall counts for every request it delayed; "
            + "unc.: uncorrected, from the actual send; late: sent after its due time because every connection was busy; dropped: never sent (waited past the timeout or the end); "
            + "CPU: cores the sandbox's processes used during the window; RSS: peak of their total</p>\n");
        Errors(h, rows.SelectMany(r => r.FailureReasons.Select(e => (r.Runtime, e))));
    }

    private static void Eventing(StringBuilder h, IReadOnlyList<EventingResult> rows, string of)
    {
        static string Ms(double? ms) => ms is { } v ? v.ToString(v < 1 ? "F4" : v < 10 ? "F3" : "F2", CultureInfo.InvariantCulture) : "-";
        bool rounds = rows.Any(e => e.Accepted is not null); // an eventing round knows what the broker accepted
        string[] sender = rounds ? ["accepted", "lost"] : [];
        Table(h, "eventing: delivery latency at the sink, received − sent on CLOCK_MONOTONIC (ms)" + of,
            ["label", .. sender, "events", "events/s", "invalid", "duplicates", "untimed", "min", "mean", "p50", "p90", "p99", "p99.9", "max", "ended by"],
            rows.Select(e => (string[])
            [
                e.Label.Length == 0 ? "-" : e.Label, .. rounds ? [e.Accepted is { } a ? Inv($"{a}") : "-", e.Lost is { } l ? Inv($"{l}") : "-"] : Array.Empty<string>(),
                Inv($"{e.Events}"), e.EventsPerSecond is { } r ? Inv($"{r:F1}") : "-", Inv($"{e.Invalid}"), Inv($"{e.Duplicates}"),
                Inv($"{e.Untimed + e.ForeignClock + e.NegativeLatency}"), Ms(e.MinMs), Ms(e.MeanMs), Ms(e.P50Ms), Ms(e.P90Ms), Ms(e.P99Ms), Ms(e.P999Ms), Ms(e.MaxMs), e.EndedBy,
            ]), numeric: [.. Enumerable.Range(1, 12 + sender.Length)]);
    }

    private static void Gateway(StringBuilder h, IReadOnlyList<GatewayResult> rows, string of)
    {
        static string G(double? v) => v is { } x ? x.ToString(x >= 100 ? "0.0" : "0.000", CultureInfo.InvariantCulture) : "–";
        Table(h, "gateway: time to first byte at the gateway (ms), cold = waited for a sandbox to start" + of,
            ["service", "runtime", "requests", "failed", "cold", "warm", "cold p50", "cold p99", "cold wait", "warm p50", "warm p99", "sandboxes", "failed starts", "peak", "readiness"],
            rows.Select(r => new[]
            {
                r.Service, r.Runtimes, Inv($"{r.Requests}"), Inv($"{r.Failed}"), Inv($"{r.Cold}"), Inv($"{r.Warm}"), G(r.ColdMs?.P50), G(r.ColdMs?.P99), G(r.ColdWaitMs?.P50),
                G(r.WarmMs?.P50), G(r.WarmMs?.P99), Inv($"{r.SandboxesStarted}"), Inv($"{r.FailedStarts}"), Inv($"{r.PeakSandboxes}"), r.Readiness,
            }), numeric: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        Errors(h, rows.SelectMany(r => r.Errors.Select(e => (r.Service, e))));
    }

    public static void Comparison(StringBuilder h, RunData a, RunData b, IReadOnlyList<MetricComparison> rows)
    {
        h.Append("<h2 id=\"comparison\">").Append(E($"Comparison: {a.Info.Id} (A) → {b.Info.Id} (B)")).Append("</h2>\n");
        if (rows.Count == 0)
        {
            h.Append("<p class=\"note\">The two runs have no experiment × runtime × workload with at least two successful trials in both.</p>\n");
            return;
        }
        h.Append("<p class=\"note\">As <code>sandbench compare</code>: medians, B/A with a 95% bootstrap interval, permutation test of the means; a change counts when p &lt; 0.01 and the medians differ by more than 5%.</p>\n");
        h.Append("<table>\n<tr>");
        foreach (var c in new[] { "experiment", "runtime", "workload", "metric", "n A", "n B", "median A", "median B", "B/A", "95% CI", "p", "verdict" })
            h.Append("<th>").Append(E(c)).Append("</th>");
        h.Append("</tr>\n");
        foreach (var r in rows)
        {
            h.Append("<tr>");
            foreach (var c in new[] { r.Experiment, r.Runtime, r.Workload, MetricName(r.Metric) }) h.Append("<td>").Append(E(c)).Append("</td>");
            foreach (var c in new[] { Inv($"{r.NA}"), Inv($"{r.NB}"), MetricValue(r.Metric, r.MedianA), MetricValue(r.Metric, r.MedianB),
                Inv($"{r.Ratio:0.000}"), Inv($"{r.RatioCiLow:0.000}–{r.RatioCiHigh:0.000}"), Inv($"{r.P:0.0000}") })
                h.Append("<td class=\"num\">").Append(E(c)).Append("</td>");
            h.Append("<td class=\"").Append(r.Verdict).Append("\">").Append(E(r.Verdict)).Append("</td></tr>\n");
        }
        h.Append("</table>\n");
    }

    public static void Environment(StringBuilder h, RunData run)
    {
        Table(h, $"run {run.Info.Id}: host, tools and runtimes", ["key", "value"], run.Environment.Select(kv => new[] { kv.Key, kv.Value }), numeric: []);
        h.Append("<details><summary>").Append(E($"plan {run.Info.PlanName} (hash {run.Info.PlanHash})")).Append("</summary>\n<pre>")
            .Append(E(run.Info.PlanText)).Append("</pre>\n</details>\n");
    }

    private static void Phases(StringBuilder h, IReadOnlyList<PhaseBreakdown> phases, string what)
    {
        if (phases.Count == 0) return;
        var names = phases.SelectMany(p => p.Phases.Select(x => x.Name)).Distinct().OrderBy(RunAnalysis.CanonicalRank).ToList();
        Table(h, $"{what}: median ms since spawn (+ median ms since the runtime's previous phase)", ["phase", .. phases.Select(p => p.Runtime)],
            names.Select(n => new[] { n }.Concat(phases.Select(p => p.Phases.FirstOrDefault(x => x.Name == n) is { } s
                ? Inv($"{s.MedianFromSpawnMs:0.00}{(s.Name == "spawn" ? "" : Inv($" (+{s.MedianStepMs:0.00})"))}")
                : "–")).ToArray()),
            numeric: [.. Enumerable.Range(1, phases.Count)]);
    }

    private static void Errors(StringBuilder h, IEnumerable<(string Runtime, string Error)> errors)
    {
        foreach (var (runtime, error) in errors) h.Append("<p class=\"error\">").Append(E($"{runtime}: {error}")).Append("</p>\n");
    }

    internal static void Table(StringBuilder h, string caption, IReadOnlyList<string> columns, IEnumerable<string[]> rows, IReadOnlyCollection<int> numeric)
    {
        h.Append("<table>\n<caption>").Append(E(caption)).Append("</caption>\n<tr>");
        foreach (var c in columns) h.Append("<th>").Append(E(c)).Append("</th>");
        h.Append("</tr>\n");
        foreach (var row in rows)
        {
            h.Append("<tr>");
            for (int i = 0; i < row.Length; i++) h.Append(numeric.Contains(i) ? "<td class=\"num\">" : "<td>").Append(E(row[i])).Append("</td>");
            h.Append("</tr>\n");
        }
        h.Append("</table>\n");
    }

    /// <summary>A latency in ms as <c>show</c> prints warm ones: three decimals below 10, two below 100, one from 100 on; – when missing.</summary>
    internal static string Ms(double? ms) => ms is { } v ? v.ToString(v >= 100 ? "0.0" : v >= 10 ? "0.00" : "0.000", CultureInfo.InvariantCulture) : "–";

    /// <summary>As <c>show</c>: two decimals below 100, one from 100 on.</summary>
    private static string F(double v) => v.ToString(v >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);

    private static string Host(string metric, double v) =>
        metric.StartsWith(HostSampler.CpuBusy, StringComparison.Ordinal) ? Inv($"{v * 100:0.0}%")
        : metric == HostSampler.MemAvailable ? Inv($"{v / (1L << 30):0.00} GiB")
        : v.ToString("0.00", CultureInfo.InvariantCulture);

    private static string MetricName(string metric) =>
        metric.EndsWith("_ns", StringComparison.Ordinal) ? metric[..^3] + " (ms)"
        : metric.EndsWith("_bytes", StringComparison.Ordinal) ? metric[..^6] + " (MiB)" : metric;

    private static string MetricValue(string metric, double v) =>
        metric.EndsWith("_ns", StringComparison.Ordinal) ? Inv($"{v / 1e6:0.000}")
        : metric.EndsWith("_bytes", StringComparison.Ordinal) ? Inv($"{v / (1 << 20):0.00}")
        : Inv($"{v:0.###}");
}
