using System.CommandLine;
using System.Globalization;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Gateway;
using Sandbench.Core.Plans;
using Sandbench.Gateway;
using Sandbench.Runtimes;
using Sandbench.Store;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench gateway</c>: a local scale-from-zero gateway in front of one runtime + workload, until Ctrl+C.</summary>
internal static class GatewayCommand
{
    public static Command Build(App app)
    {
        var runtime = new Option<string>("--runtime") { Description = $"Runtime of the service's sandboxes ({string.Join(", ", RuntimeRegistry.ByName.Keys)})", Required = true };
        var workload = new Option<string>("--workload") { Description = "Workload the sandboxes run", DefaultValueFactory = _ => "hello" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: any free one)", DefaultValueFactory = _ => 8080 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests one sandbox serves at once (Knative's containerConcurrency; 0: no limit)", DefaultValueFactory = _ => 0 };
        var maxScale = new Option<int>("--max-scale") { Description = "Most sandboxes at once; further requests queue", DefaultValueFactory = _ => 10 };
        var idle = new Option<string>("--idle-window") { Description = "A sandbox idle this long is stopped (scale to zero)", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        var queue = new Option<string>("--queue-timeout") { Description = "A request waiting this long for a free sandbox gets 503", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        var start = new Option<string>("--start-timeout") { Description = "A sandbox not ready this long after its start has failed (502)", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        var upstream = new Option<string>("--timeout") { Description = "Longest silence from a sandbox while it answers (504)", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        var readiness = new Option<string>("--readiness") { Description = "How a new sandbox is known ready: auto, socket or connect-retry", DefaultValueFactory = _ => "auto" };
        readiness.AcceptOnlyFromAmong("auto", "socket", "connect-retry");
        var db = Opts.Db();
        var cmd = new Command("gateway", "Serve a function on 127.0.0.1 through a local scale-from-zero gateway until Ctrl+C; every request is stored with the run")
        {
            runtime, workload, port, concurrency, maxScale, idle, queue, start, upstream, readiness, db,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var problems = new List<string>();
            string name = r.GetValue(runtime)!;
            if (!RuntimeRegistry.ByName.ContainsKey(name)) problems.Add($"--runtime: unknown runtime '{name}' (valid: {string.Join(", ", RuntimeRegistry.ByName.Keys)})");
            string w = r.GetValue(workload)!;
            if (Core.Workloads.Flows.IsFlow(w)) problems.Add($"--workload: '{w}' is an application flow of several functions: run it with 'sandbench flow'");
            else if (!app.SingleWorkloads.Contains(w)) problems.Add($"--workload: unknown workload '{w}' (valid: {string.Join(", ", app.SingleWorkloads)})");
            int p = r.GetValue(port);
            if (p is < 0 or > 65535) problems.Add($"--port must be from 0 to 65535, got {p}");
            var scaling = new ScalingOptions
            {
                ContainerConcurrency = r.GetValue(concurrency),
                MaxScale = r.GetValue(maxScale),
                IdleWindow = Duration("--idle-window", r.GetValue(idle)!, problems),
                QueueTimeout = Duration("--queue-timeout", r.GetValue(queue)!, problems),
                StartTimeout = Duration("--start-timeout", r.GetValue(start)!, problems),
                UpstreamTimeout = Duration("--timeout", r.GetValue(upstream)!, problems),
                Readiness = r.GetValue(readiness) switch { "socket" => ReadinessMethod.Socket, "connect-retry" => ReadinessMethod.ConnectRetry, _ => ReadinessMethod.Auto },
            };
            problems.AddRange(scaling.Validate().Select(v => v
                .Replace("container concurrency", "--concurrency", StringComparison.Ordinal)
                .Replace("max scale", "--max-scale", StringComparison.Ordinal)));
            if (problems.Count > 0) throw new SandbenchException([.. problems.Distinct()]);

            var rt = app.Runtime(RuntimeRegistry.Get(name));
            var check = new Sandbench.Core.Experiments.ColdStartExperiment().Check(ExperimentSpec.ColdStartDefaults with { Readiness = scaling.Readiness }, rt).ToList();
            if (check.Count > 0) throw new SandbenchException(check);
            var artifact = await app.Workloads.GetAsync(w, ct).ConfigureAwait(false);
            string path = r.GetValue(db)!;
            using var store = App.OpenStore(path);
            var result = await GatewaySession.RunAsync(
                new GatewaySessionOptions(new GatewayService(w, rt, artifact, scaling), p, store, store, app.Host, app.Clock, App.Version, RunIds.New, app.Workloads),
                new GatewayView.Lines(app.Clock), (run, url) => GatewayView.Listening(run, url, name, w, scaling), ct).ConfigureAwait(false);
            GatewayView.Print(store, result.Run.Id);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"stopped: {result.Requests} requests, {result.SandboxesStarted} sandboxes stored in {path} as run {result.Run.Id}; 'sandbench show {result.Run.Id}' prints this again"));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static TimeSpan Duration(string flag, string text, List<string> problems)
    {
        if (Durations.TryParse(text, out var v) && v > TimeSpan.Zero) return v;
        problems.Add($"{flag} takes a duration above 0 such as 500ms or 30s (got '{text}')");
        return TimeSpan.FromSeconds(1);
    }
}
