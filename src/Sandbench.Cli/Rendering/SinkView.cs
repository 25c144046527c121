using System.Globalization;
using Sandbench.Core.Stats;
using Sandbench.Load.CloudEvents;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>Renders a sink run: a progress line per second on stderr, then the events, their delivery latency and a per-second series.</summary>
internal static class SinkView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void ProgressLine(SinkProgress p) => Console.Error.WriteLine(string.Create(Inv,
        $"[{p.ElapsedSeconds,5:F1}s] events {p.Events}  invalid {p.Invalid}  duplicates {p.Duplicates}"));

    public static void Print(SinkResult r, string runId, string db)
    {
        string limits = string.Join(" or ", new[]
        {
            r.DurationLimitSeconds is { } d ? string.Create(Inv, $"{d:0.###}s") : null,
            r.CountLimit is { } c ? string.Create(Inv, $"{c} events") : null,
        }.Where(x => x is not null));
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv,
            $"sink on {r.Listen}: ran {r.ElapsedSeconds:F2}s (limit {limits}), ended by {r.EndedBy}; stored in {db} as run {runId}")));

        var counts = new Table().AddColumns("requests", "events", "binary", "structured", "invalid (400)", "duplicates", "untimed", "other clock", "negative", "rejected (503)", "events/s");
        counts.AddRow(N(r.Requests), N(r.Events), N(r.Binary), N(r.Structured), N(r.Invalid), N(r.Duplicates), N(r.Untimed), N(r.ForeignClock),
            N(r.NegativeLatency), N(r.Rejected), r.EventsPerSecond?.ToString("F1", Inv) ?? "-");
        AnsiConsole.Write(counts);
        foreach (var (kind, n) in r.InvalidByKind)
            AnsiConsole.MarkupLine(Markup.Escape($"invalid: {kind}: {n} (first: {r.InvalidExamples.GetValueOrDefault(kind, "?")})"));
        if (r.ForeignClock + r.NegativeLatency > 0)
            AnsiConsole.MarkupLine("[yellow]some events were stamped on a clock this sink cannot compare with (another host, boot or time namespace); they are counted, not timed[/]");

        AnsiConsole.Write(DeliveryTable(r.Delivery));

        var active = r.Seconds.Where(x => x.Events + x.Invalid + x.Duplicates > 0).ToList();
        if (active.Count == 0) return;
        var seconds = new Table().AddColumns("second", "events", "invalid", "duplicates", "p50 ms", "p99 ms");
        foreach (var x in r.Seconds.Where(x => x.Second >= active[0].Second && x.Second <= active[^1].Second))
            seconds.AddRow(x.Second.ToString(Inv), N(x.Events), N(x.Invalid), N(x.Duplicates), Ms(x.P50), Ms(x.P99));
        AnsiConsole.Write(seconds);
    }

    /// <summary>The delivery latency summary as a one-row table.</summary>
    public static Table DeliveryTable(DeliverySummary? d)
    {
        var lat = new Table().Title("delivery latency: received − sent, CLOCK_MONOTONIC (ms)").AddColumns("n", "min", "mean", "stdev", "p50", "p90", "p99", "p99.9", "max");
        if (d is { } s) lat.AddRow(N(s.N), Ms(s.Min), Ms(s.Mean), Ms(s.StdDev), Ms(s.P50), Ms(s.P90), Ms(s.P99), Ms(s.P999), Ms(s.Max));
        else lat.AddRow("0", "-", "-", "-", "-", "-", "-", "-", "-");
        return lat;
    }

    /// <summary>The eventing trials of a stored run (<c>sandbench show</c>).</summary>
    public static void PrintStored(IReadOnlyList<EventingResult> results)
    {
        var table = new Table().Title("eventing: delivery latency at the sink, received − sent on CLOCK_MONOTONIC (ms)");
        bool rounds = results.Any(e => e.Accepted is not null); // an eventing round knows what the broker accepted
        string[] sender = rounds ? ["accepted", "lost"] : [];
        string[] columns = ["label", .. sender, "events", "events/s", "invalid", "duplicates", "untimed", "min", "mean", "p50", "p90", "p99", "p99.9", "max", "ended by"];
        foreach (var c in columns)
            table.AddColumn(new TableColumn(c) { Alignment = c is "label" or "ended by" ? Justify.Left : Justify.Right });
        foreach (var e in results)
        {
            string[] sent = rounds ? [e.Accepted?.ToString(Inv) ?? "-", e.Lost?.ToString(Inv) ?? "-"] : [];
            table.AddRow([Markup.Escape(e.Label.Length == 0 ? "-" : e.Label), .. sent, N(e.Events), e.EventsPerSecond?.ToString("F1", Inv) ?? "-", N(e.Invalid), N(e.Duplicates),
                N(e.Untimed + e.ForeignClock + e.NegativeLatency), Ms(e.MinMs), Ms(e.MeanMs), Ms(e.P50Ms), Ms(e.P90Ms), Ms(e.P99Ms), Ms(e.P999Ms), Ms(e.MaxMs), e.EndedBy]);
        }
        AnsiConsole.Write(table);
    }

    private static string N(long n) => n.ToString(Inv);

    private static string Ms(double? ms) => ms is { } v ? v.ToString(v < 1 ? "F4" : v < 10 ? "F3" : "F2", Inv) : "-";
}
