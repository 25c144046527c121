using System.Globalization;
using Sandbench.Core.Gateway;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Gateway;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The gateway: a line per sandbox start and stop while it runs, and its table.</summary>
internal static class GatewayView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Listening(RunInfo run, Uri url, string runtime, string workload, ScalingOptions s) =>
        Console.WriteLine(string.Create(Inv,
            $"run {run.Id}: gateway on {url} → {workload} on {runtime} (concurrency {(s.ContainerConcurrency == 0 ? "unlimited" : s.ContainerConcurrency)}, max scale {s.MaxScale}, idle window {Sandbench.Core.Plans.Durations.Format(s.IdleWindow)}); Ctrl+C stops"));

    /// <summary>One line per sandbox event, written as it happens (from the gateway's threads).</summary>
    internal sealed class Lines(MonotonicClock clock) : IGatewayObserver
    {
        private readonly long _t0 = clock.NowNs();

        private string T(long ns) => string.Create(Inv, $"[{(ns - _t0) / 1e9,8:F3}s]");

        public void SandboxStarting(string service, string name, string reason) =>
            Console.WriteLine($"{T(clock.NowNs())} + {name} starting ({reason})");

        public void SandboxReady(string service, string name, long startNs, long readyNs) =>
            Console.WriteLine(string.Create(Inv, $"{T(readyNs)}   {name} ready {(readyNs - startNs) / 1e6:F2} ms after its start"));

        public void SandboxStopped(GatewaySandboxRecord s) =>
            Console.WriteLine(string.Create(Inv,
                $"{T(s.StoppedNs)} - {s.Name} stopped ({s.StopReason}) after {s.Requests} requests{(s.Error is null ? "" : ": " + s.Error)}"));
    }

    public static void Print(IGatewayStore store, string runId)
    {
        var results = GatewayAnalysis.Of(store.GatewayRequests(runId), store.GatewaySandboxes(runId));
        if (results.Count > 0) Print(results);
    }

    public static void Print(IReadOnlyList<GatewayResult> results)
    {
        var table = new Table().Title("gateway: time to first byte at the gateway (ms), cold = waited for a sandbox to start");
        foreach (var c in new[] { "service", "runtime", "requests", "failed", "cold", "warm", "cold p50", "cold p99", "cold wait", "warm p50", "warm p99",
                     "sandboxes", "failed starts", "peak", "readiness" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "service" or "runtime" or "readiness" ? Justify.Left : Justify.Right });
        static string F(double? v) => v is { } x ? x.ToString(x >= 100 ? "0.0" : "0.000", Inv) : "–";
        static string N(int n) => n.ToString(Inv);
        foreach (var r in results)
            table.AddRow(Markup.Escape(r.Service), Markup.Escape(r.Runtimes), N(r.Requests), r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]", N(r.Cold), N(r.Warm),
                F(r.ColdMs?.P50), F(r.ColdMs?.P99), F(r.ColdWaitMs?.P50), F(r.WarmMs?.P50), F(r.WarmMs?.P99),
                N(r.SandboxesStarted), r.FailedStarts == 0 ? "0" : $"[red]{r.FailedStarts}[/]", N(r.PeakSandboxes), Markup.Escape(r.Readiness));
        AnsiConsole.Write(table);
        foreach (var r in results)
            foreach (var e in r.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{r.Service}[/]: {e}");
    }
}
