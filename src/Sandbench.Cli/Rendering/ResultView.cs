using System.Globalization;
using System.Text.Json;
using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>One JSON style for every <c>--json</c>: indented, camelCase, enums as names.</summary>
internal static class JsonOutput
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Prints a document of a run just stored, its run id and results file first.</summary>
    public static void PrintStored(System.Text.Json.Nodes.JsonObject doc, string runId, string db)
    {
        doc.Insert(0, "runId", runId);
        doc.Insert(1, "db", db);
        Console.WriteLine(doc.ToJsonString(Options));
    }
}

/// <summary>The tables of one run: cold-start statistics per runtime and the phase breakdown.</summary>
internal static class ResultView
{
    public static void Print(IResultStore store, string runId, bool json)
    {
        var run = store.FindRun(runId) ?? throw new SandbenchException($"no run '{runId}' in this database (see 'sandbench runs')");
        var trials = store.Trials(run.Id);
        var results = RunAnalysis.ColdStart(trials);
        var phases = RunAnalysis.PhaseBreakdowns(trials);
        var boot = RunAnalysis.Boot(trials);
        var bootPhases = RunAnalysis.PhaseBreakdowns(trials, "boot");
        var warm = RunAnalysis.Warm(trials, store.Histograms);
        var hostMetrics = store.HostMetrics(run.Id);
        var host = RunAnalysis.Host(hostMetrics);
        var eventing = Eventing.Of(trials);
        var scale = ScaleAnalysis.Scale(trials, hostMetrics);
        var footprint = ScaleAnalysis.Footprints(trials);
        var density = ScaleAnalysis.Density(trials, hostMetrics);
        var syscall = SyscallAnalysis.Of(trials);
        var imagepull = ImagePullAnalysis.Of(trials);
        var flow = FlowAnalysis.Of(trials);
        var gateway = store is IGatewayStore g ? GatewayAnalysis.Of(g.GatewayRequests(run.Id), g.GatewaySandboxes(run.Id)) : [];
        var community = store is ICommunityStore c ? c.Community(run.Id) : [];
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { run, environment = store.Environment(run.Id), coldstart = results, phases, boot, bootPhases, warm, scale, footprint, density, host, eventing, gateway, syscall, imagepull, flow, community = community.Select(CommunityView.Seed) },
                JsonOutput.Options));
            return;
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]run {run.Id}[/] · plan {run.PlanName} · {run.Status.ToString().ToLowerInvariant()} · {run.StartedUtc.ToLocalTime():yyyy-MM-dd HH:mm:ss}");
        if (trials.Count == 0 && gateway.Count == 0 && community.Count == 0)
        {
            AnsiConsole.MarkupLine("[yellow]this run has no trials[/]");
            return;
        }
        if (results.Any(r => r.Via != "gateway")) PrintColdStart([.. results.Where(r => r.Via != "gateway")], "cold start: spawn → first response byte (ms)");
        if (results.Any(r => r.Via == "gateway"))
            PrintColdStart([.. results.Where(r => r.Via == "gateway")], "cold start through the gateway: request sent → first response byte at the client (ms)");
        PrintPhases(phases, "cold-start phases");
        if (boot.Count > 0) BootView.Print(boot);
        PrintPhases(bootPhases, "boot phases");
        if (warm.Count > 0) WarmView.Print(warm);
        if (syscall.Count > 0) SyscallView.Print(syscall);
        if (imagepull.Count > 0) ImagePullView.Print(imagepull);
        if (flow.Count > 0) FlowView.Print(flow);
        if (eventing.Count > 0) SinkView.PrintStored(eventing);
        if (scale.Count > 0) ScaleView.PrintScale(scale);
        if (density.Count > 0) ScaleView.PrintDensity(density);
        if (footprint.Count > 0) ScaleView.PrintFootprint(footprint);
        if (gateway.Count > 0) GatewayView.Print(gateway);
        if (community.Count > 0) CommunityView.Print(community);
        if (host.Count > 0) HostView.Print(host);
    }

    private static void PrintColdStart(IReadOnlyList<RuntimeResult> results, string title)
    {
        var table = new Table().Title(title);
        foreach (var c in new[] { "runtime", "n", "mean", "min", "p50", "p90", "p99", "max", "stddev", "95% CI of mean", "failed", "readiness" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "readiness" or "95% CI of mean" ? Justify.Left : Justify.Right });
        foreach (var r in results)
        {
            var s = r.ColdStartMs;
            string F(double v) => v.ToString(v >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
            table.AddRow(
                Markup.Escape(r.Runtime), s?.N.ToString(CultureInfo.InvariantCulture) ?? "0",
                s is null ? "–" : F(s.Mean), s is null ? "–" : F(s.Min), s is null ? "–" : F(s.P50), s is null ? "–" : F(s.P90),
                s is null ? "–" : F(s.P99), s is null ? "–" : F(s.Max), s is null ? "–" : F(s.StdDev),
                s is null ? "–" : $"{F(s.CiLow)} – {F(s.CiHigh)}",
                r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]", Markup.Escape(r.Readiness));
        }
        AnsiConsole.Write(table);
        foreach (var r in results.Where(r => r.Errors.Count > 0))
            foreach (var e in r.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{r.Runtime}[/]: {e}");
    }

    private static void PrintPhases(IReadOnlyList<PhaseBreakdown> phases, string what)
    {
        if (phases.Count == 0) return;
        var names = phases.SelectMany(p => p.Phases.Select(x => x.Name)).Distinct()
            .OrderBy(RunAnalysis.CanonicalRank).ToList();
        var pt = new Table().Title($"{what}: median ms since spawn (+ median ms since the runtime's previous phase)");
        pt.AddColumn("phase");
        foreach (var p in phases) pt.AddColumn(new TableColumn(Markup.Escape(p.Runtime)) { Alignment = Justify.Right });
        foreach (var n in names)
        {
            var cells = phases.Select(p => p.Phases.FirstOrDefault(x => x.Name == n) is { } s
                ? string.Create(CultureInfo.InvariantCulture, $"{s.MedianFromSpawnMs:0.00}{(s.Name == "spawn" ? "" : $" (+{s.MedianStepMs:0.00})")}")
                : "–");
            pt.AddRow([Markup.Escape(n), .. cells]);
        }
        AnsiConsole.Write(pt);
    }

    public static void Footer(RunResult result, string dbPath)
    {
        string what = result.Interrupted ? "[yellow]interrupted[/]" : "done";
        AnsiConsole.MarkupLine(what + Markup.Escape($": {result.Trials} trials ({result.Failed} failed) stored in {dbPath} as run {result.Run.Id}; 'sandbench show {result.Run.Id}' prints this again"));
    }

    public static int ExitCode(RunResult result) =>
        result.Interrupted ? ExitCodes.Interrupted : result.Failed > 0 ? ExitCodes.TrialsFailed : ExitCodes.Ok;
}
