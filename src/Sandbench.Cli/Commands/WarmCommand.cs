using System.CommandLine;
using System.Globalization;
using Sandbench.Core.Plans;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench warm</c>: warm latency under load (open loop at each rate, or closed loop) from flags.</summary>
internal static class WarmCommand
{
    public static Command Build(App app)
    {
        var flags = new FlagPlan(RuntimeRegistry.Local, "30s", "load windows per rate", defaultIterations: 3, defaultWarmup: 0);
        flags.Timeout.Description = "Per-request limit (as seed 002's 30 s); also how long a due request may wait for a free connection";
        var rate = new Option<string?>("--rate", "-R") { Description = "Open loop: requests per second, comma-separated for several (one trial each)", HelpName = "R[,R2...]" };
        rate.Validators.Add(r =>
        {
            foreach (var v in (r.GetValueOrDefault<string?>() ?? "").Split(',', StringSplitOptions.TrimEntries))
                if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !(x > 0) || x > 10_000_000)
                    r.AddError($"--rate: '{v}' must be a number of requests per second above 0 and at most 10000000");
        });
        var closed = new Option<bool>("--closed") { Description = "Closed loop: each connection sends its next request when the previous response ends" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Closed loop: connections (default 32)", HelpName = "N" };
        var connections = new Option<int?>("--connections", "-c") { Description = "Open loop: connections (default 32)", HelpName = "C" };
        foreach (var o in new[] { concurrency, connections })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1 or > 10_000) r.AddError($"{o.Name} must be from 1 to 10000"); });
        var duration = DurationOption("--duration", "10s", "Measured load window per trial");
        var warmupDuration = DurationOption("--warmup-duration", "2s", "Load at the same rate before the window, not measured (0s: none)");
        var startTimeout = DurationOption("--start-timeout", "60s", "How long the sandbox may take to start and answer a first request");
        var interval = DurationOption("--sample-interval", "100ms", "How often the memory and CPU of the sandbox's processes are read");
        var db = Opts.Db();
        var strict = Opts.Strict();
        var kubeconfig = Opts.Kubeconfig();
        var cmd = new Command("warm",
            "Load a running sandbox of each runtime at each rate (open loop) or with N connections (closed loop): corrected and uncorrected latency, achieved rate, errors, memory and CPU");
        foreach (var o in flags.Options) cmd.Options.Add(o);
        var workload = FlagPlan.WorkloadOption(app);
        cmd.Options.Add(workload);
        foreach (Option o in new Option[] { rate, closed, concurrency, connections, duration, warmupDuration, startTimeout, interval, db, strict, kubeconfig })
            cmd.Options.Add(o);
        cmd.Validators.Add(r =>
        {
            bool isClosed = r.GetValue(closed);
            if (isClosed && r.GetValue(rate) is not null) r.AddError("--rate (open loop) and --closed (closed loop) exclude each other");
            if (!isClosed && r.GetValue(rate) is null) r.AddError("give --rate R[,R2...] for an open loop at R requests per second, or --closed [--concurrency N] for a closed loop");
            if (!isClosed && r.GetValue(concurrency) is not null) r.AddError("--concurrency is for --closed; an open loop takes --connections");
            if (isClosed && r.GetValue(connections) is not null) r.AddError("--connections is for an open loop; with --closed give --concurrency");
        });
        cmd.SetAction((r, ct) =>
        {
            app.Kubeconfig = r.GetValue(kubeconfig);
            var keys = new List<string>
            {
                r.GetValue(closed) ? $"concurrency: {r.GetValue(concurrency) ?? 32}" : $"rates: [{r.GetValue(rate)}]",
                $"duration: {r.GetValue(duration)}",
                $"warmup-duration: {r.GetValue(warmupDuration)}",
                $"start-timeout: {r.GetValue(startTimeout)}",
                $"sample-interval: {r.GetValue(interval)}",
            };
            if (r.GetValue(connections) is { } c) keys.Add($"connections: {c}");
            var plan = flags.BuildFor(r, app, "warm", r.GetValue(workload)!, [.. keys]);
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }

    private static Option<string> DurationOption(string name, string fallback, string description)
    {
        var o = new Option<string>(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = "DURATION" };
        o.Validators.Add(r =>
        {
            string text = r.GetValueOrDefault<string>() ?? "";
            if (text.TrimStart().StartsWith('-')) r.AddError($"{name} must not be negative (got '{text}')");
            else if (!Durations.TryParse(text, out _)) r.AddError($"{name} takes a duration such as 500ms or 30s (got '{text}')");
        });
        return o;
    }
}
