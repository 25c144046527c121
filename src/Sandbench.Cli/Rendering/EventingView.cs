using System.Globalization;
using Sandbench.Load.CloudEvents;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>Renders an eventing round: the route, what was sent, accepted, received and lost, and the delivery latency.</summary>
internal static class EventingView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Print(EventingRoundResult r, string runId, string db)
    {
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv,
            $"eventing round through {r.Broker} ({r.Mode} mode, source {r.Source}), sink on {r.Listen}: {r.Rate:0.###} events/s for {r.DurationSeconds:0.###}s, "
            + $"ended by {r.EndedBy}; stored in {db} as run {runId}")));
        var p = r.Probe;
        AnsiConsole.MarkupLine(Markup.Escape(p.RouteMs is { } route
            ? string.Create(Inv, $"route: the first probe came back {route:0.0} ms after the first was sent (probes: {p.Attempts} sent, {p.Accepted} accepted)")
            : string.Create(Inv, $"route: no probe came back (probes: {p.Attempts} sent, {p.Accepted} accepted)")));
        if (r.Warmup is { } w)
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv, $"warm-up ({r.WarmupSeconds:0.###}s, not measured): {w.Sent} sent, {w.Accepted} accepted, {w.Received} received")));

        var counts = new Table().AddColumns("sent", "accepted (2xx)", "received", "lost", "received, not accepted", "sender errors", "dropped", "duplicates", "drain s");
        counts.AddRow(N(r.Sent), N(r.Accepted), N(r.Received), r.Lost > 0 ? $"[red]{r.Lost}[/]" : "0", N(r.ReceivedNotAccepted),
            N(r.Load?.Errors ?? 0), N(r.Load?.Dropped ?? 0), N(r.Sink.Duplicates), r.DrainSeconds?.ToString("F3", Inv) ?? "-");
        AnsiConsole.Write(counts);
        AnsiConsole.Write(SinkView.DeliveryTable(r.Sink.Delivery));
        if (r.Load?.Corrected is { } c)
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(Inv,
                $"broker's answer at the sender (corrected, from due time): p50 {c.P50:0.###} ms, p99 {c.P99:0.###} ms, max {c.Max:0.###} ms")));
    }

    private static string N(long n) => n.ToString(Inv);
}
