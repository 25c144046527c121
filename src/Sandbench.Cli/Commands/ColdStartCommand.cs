using System.CommandLine;
using System.Globalization;
using System.Text;
using Sandbench.Core;
using Sandbench.Core.Plans;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench coldstart</c>: a cold-start plan from flags.</summary>
internal static class ColdStartCommand
{
    public static Command Build(App app)
    {
        var runtimes = new Option<string>("--runtimes")
        {
            Description = "Comma-separated runtimes (default: all: " + string.Join(",", RuntimeRegistry.ByName.Keys) + ")",
            HelpName = "LIST",
        };
        var iterations = new Option<int>("--iterations", "-n") { Description = "Measured cold starts per runtime", DefaultValueFactory = _ => 20 };
        iterations.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 100_000) r.AddError("--iterations must be from 1 to 100000"); });
        var warmup = new Option<int>("--warmup") { Description = "Warm-up cold starts per runtime (stored, flagged, not in statistics)", DefaultValueFactory = _ => 2 };
        warmup.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 10_000) r.AddError("--warmup must be from 0 to 10000"); });
        var timeout = new Option<string>("--timeout") { Description = "Per-trial limit from spawn to first byte", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        timeout.Validators.Add(r => { if (!Durations.TryParse(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError("--timeout takes a duration such as 500ms or 30s"); });
        var readiness = new Option<string>("--readiness") { Description = "auto, socket or connect-retry (same method on every runtime)", DefaultValueFactory = _ => "auto" };
        readiness.AcceptOnlyFromAmong("auto", "socket", "connect-retry");
        var db = Opts.Db();
        var strict = Opts.Strict();
        var cmd = new Command("coldstart", "Measure cold start (spawn to first response byte) of 'hello' on the given runtimes")
        {
            runtimes, iterations, warmup, timeout, readiness, db, strict,
        };
        cmd.SetAction((r, ct) =>
        {
            var names = (r.GetValue(runtimes) ?? string.Join(",", RuntimeRegistry.ByName.Keys))
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
            var unknown = names.Where(n => !RuntimeRegistry.ByName.ContainsKey(n)).ToList();
            if (unknown.Count > 0 || names.Count == 0)
                throw new SandbenchException([.. (names.Count == 0 ? ["--runtimes: no runtime given"] : unknown.Select(u => $"--runtimes: unknown runtime '{u}'"))
                    .Select(m => $"{m} (valid: {string.Join(", ", RuntimeRegistry.ByName.Keys)})")]);
            var yaml = new StringBuilder()
                .AppendLine("name: coldstart")
                .AppendLine(CultureInfo.InvariantCulture, $"runtimes: [{string.Join(", ", names.Distinct())}]")
                .AppendLine("workloads: [hello]")
                .AppendLine("experiments:")
                .AppendLine("  - type: coldstart")
                .AppendLine(CultureInfo.InvariantCulture, $"    iterations: {r.GetValue(iterations)}")
                .AppendLine(CultureInfo.InvariantCulture, $"    warmup: {r.GetValue(warmup)}")
                .AppendLine(CultureInfo.InvariantCulture, $"    timeout: {r.GetValue(timeout)}")
                .AppendLine(CultureInfo.InvariantCulture, $"    readiness: {r.GetValue(readiness)}")
                .ToString();
            var plan = PlanLoader.Load(yaml, "command line", app.PlanCatalog);
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }
}
