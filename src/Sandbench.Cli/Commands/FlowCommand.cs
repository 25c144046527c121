using System.CommandLine;
using System.Globalization;
using Sandbench.Core.Plans;
using Sandbench.Core.Workloads;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench flow</c>: the hello-retail application flows on each runtime, latency per function, from flags.</summary>
internal static class FlowCommand
{
    public static Command Build(App app)
    {
        string[] host = ["process", "bwrap", "runc", "runsc"];
        var flags = new FlagPlan([.. host.Where(RuntimeRegistry.ByName.ContainsKey)], "10m", "trials (each starts MariaDB and every function of the flow)",
            defaultIterations: 3, defaultWarmup: 0);
        var flows = new Option<string>("--flows")
        {
            Description = $"Comma-separated application flows (default: all; valid: {string.Join(", ", Flows.Names)})",
            HelpName = "LIST",
        };
        flows.Validators.Add(r =>
        {
            foreach (var f in (r.GetValueOrDefault<string>() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Where(f => !Flows.IsFlow(f)))
                r.AddError($"--flows: unknown flow '{f}' (valid: {string.Join(", ", Flows.Names)})");
        });
        var rounds = new Option<int>("--rounds")
        {
            Description = "Measured rounds of the flow per trial, after the round that starts every function",
            DefaultValueFactory = _ => ExperimentSpec.DefaultRounds,
        };
        rounds.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 100_000) r.AddError("--rounds must be from 1 to 100000"); });
        var db = Opts.Db();
        var strict = Opts.Strict();
        var cmd = new Command("flow",
            "Run the hello-retail application flows (product catalog, photos, purchase; MariaDB and an image server on 127.0.0.1) with each function in a sandbox of each runtime behind the local gateway: cold and warm latency per function, normalized to process");
        foreach (var o in flags.Options) cmd.Options.Add(o);
        cmd.Options.Add(flows);
        cmd.Options.Add(rounds);
        cmd.Options.Add(db);
        cmd.Options.Add(strict);
        cmd.SetAction((r, ct) =>
        {
            var chosen = r.GetValue(flows)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } list ? list : [.. Flows.Names];
            var plan = flags.BuildFor(r, app, "flow", string.Join(", ", chosen.Distinct()), $"rounds: {r.GetValue(rounds).ToString(CultureInfo.InvariantCulture)}");
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }
}
