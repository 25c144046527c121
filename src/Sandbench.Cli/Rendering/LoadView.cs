using System.Globalization;
using Sandbench.Load;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>Renders a load run: a progress line per second on stderr, then tables.</summary>
internal static class LoadView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void ProgressLine(LoadProgress p) => Console.Error.WriteLine(string.Create(Inv,
        $"[{p.ElapsedSeconds,5:F1}s] sent {p.Sent}  completed {p.Completed}  errors {p.Errors}  late {p.Late}  dropped {p.Dropped}"));

    public static void Print(LoadResult r)
    {
        string mode = r.Mode == "open" ? string.Create(Inv, $"open loop at {r.TargetRate:0.###} req/s") : "closed loop";
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv,
            $"{r.Target}: {mode}, {r.Connections} connections, {r.DurationSeconds:0.###}s (ran {r.ElapsedSeconds:F2}s), timeout {r.TimeoutSeconds:0.###}s{(r.Interrupted ? ", INTERRUPTED" : "")}")));
        if (r.CloudEvents is { } ce)
            AnsiConsole.MarkupLine(Markup.Escape($"each request a CloudEvent, {ce.Mode} mode: type {ce.Type}, source {ce.Source}, send time in '{ce.Extensions[0]}' (CLOCK_MONOTONIC ns)"));

        var counts = new Table().AddColumns("scheduled", "sent", "completed", "errors", "late", "dropped", "achieved req/s", "bytes read");
        counts.AddRow(r.Scheduled?.ToString(Inv) ?? "-", N(r.Sent), N(r.Completed), N(r.Errors), N(r.Late), N(r.Dropped), r.AchievedRate.ToString("F1", Inv), N(r.BytesRead));
        AnsiConsole.Write(counts);

        var lat = new Table().AddColumns("ms", "n", "mean", "stdev", "p50", "p90", "p99", "p99.9", "max");
        Row(lat, r.Mode == "open" ? "latency (corrected, from due time)" : "latency", r.Corrected);
        if (r.Mode == "open") Row(lat, "latency (uncorrected, from send)", r.Uncorrected);
        Row(lat, "time to first byte", r.Ttfb);
        if (r.Mode == "open") Row(lat, "generator lag (send - due)", r.Lag);
        AnsiConsole.Write(lat);

        var status = string.Join("  ", r.StatusCodes.Select(kv => $"{kv.Key}: {kv.Value}"));
        var errors = string.Join("  ", r.ErrorsByKind.Select(kv => $"{kv.Key}: {kv.Value}"));
        AnsiConsole.MarkupLine(Markup.Escape($"status codes  {(status.Length == 0 ? "none" : status)}"));
        AnsiConsole.MarkupLine(Markup.Escape($"errors        {(errors.Length == 0 ? "none" : errors)}"));

        var seconds = new Table().AddColumns("second", "completed", "errors", "late", "dropped", "p50 ms", "p99 ms");
        foreach (var s in r.Seconds)
            seconds.AddRow(s.Second.ToString(Inv), N(s.Completed), N(s.Errors), N(s.Late), N(s.Dropped), Ms(s.P50), Ms(s.P99));
        AnsiConsole.Write(seconds);
    }

    private static void Row(Table t, string name, LatencySummary? s)
    {
        if (s is null) t.AddRow(name, "0", "-", "-", "-", "-", "-", "-", "-");
        else t.AddRow(name, N(s.N), Ms(s.Mean), Ms(s.StdDev), Ms(s.P50), Ms(s.P90), Ms(s.P99), Ms(s.P999), Ms(s.Max));
    }

    private static string N(long n) => n.ToString(Inv);

    private static string Ms(double? ms) => ms is { } v ? v.ToString(v < 10 ? "F3" : "F2", Inv) : "-";
}
