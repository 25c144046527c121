using System.CommandLine;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench coldstart</c>: a cold-start plan from flags.</summary>
internal static class ColdStartCommand
{
    public static Command Build(App app)
    {
        var flags = new FlagPlan(RuntimeRegistry.Local, "30s", "cold starts");
        var readiness = new Option<string>("--readiness") { Description = "auto, socket or connect-retry (same method on every runtime)", DefaultValueFactory = _ => "auto" };
        readiness.AcceptOnlyFromAmong("auto", "socket", "connect-retry");
        var via = new Option<string>("--via") { Description = "direct, or gateway: the request goes to a local gateway whose service is at zero (service response latency)", DefaultValueFactory = _ => "direct" };
        via.AcceptOnlyFromAmong("direct", "gateway");
        var workload = FlagPlan.WorkloadOption(app);
        var db = Opts.Db();
        var strict = Opts.Strict();
        var kubeconfig = Opts.Kubeconfig();
        var cmd = new Command("coldstart", "Measure cold start (spawn to first response byte) of a workload ('hello' unless --workload) on the given runtimes");
        foreach (var o in flags.Options) cmd.Options.Add(o);
        cmd.Options.Add(workload);
        cmd.Options.Add(readiness);
        cmd.Options.Add(via);
        cmd.Options.Add(db);
        cmd.Options.Add(strict);
        cmd.Options.Add(kubeconfig);
        cmd.SetAction((r, ct) =>
        {
            app.Kubeconfig = r.GetValue(kubeconfig);
            var plan = flags.BuildFor(r, app, "coldstart", r.GetValue(workload)!, $"readiness: {r.GetValue(readiness)}", $"via: {r.GetValue(via)}");
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }
}
