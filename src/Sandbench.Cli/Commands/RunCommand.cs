using System.CommandLine;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Execution;
using Sandbench.Core.Plans;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench run [PLAN]</c>: runs a plan, or the default plan on every usable runtime.</summary>
internal static class RunCommand
{
    public static Command Build(App app)
    {
        var plan = new Argument<string?>("plan") { Description = "Plan file (YAML); none: the default plan", Arity = ArgumentArity.ZeroOrOne };
        var db = Opts.Db();
        var strict = Opts.Strict();
        var kubeconfig = Opts.Kubeconfig();
        var cmd = new Command("run", "Run a plan (no plan: cold start of 'hello' on every usable runtime, 20 iterations each)")
        {
            plan, db, strict, kubeconfig,
        };
        cmd.SetAction((r, ct) =>
        {
            app.Kubeconfig = r.GetValue(kubeconfig);
            return Execute(app, app.LoadPlan(r.GetValue(plan)), r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }

    /// <summary>Shared by <c>run</c> and <c>coldstart</c>: run, show progress, print the tables.</summary>
    public static async Task<int> Execute(App app, Plan plan, string dbPath, bool strict, CancellationToken ct)
    {
        // A plan no runtime can carry out is refused before the results file exists.
        if (RunExecutor.Problems(plan, app.Runtime) is { Count: > 0 } problems) throw new SandbenchException(problems);
        using var store = App.OpenStore(dbPath);
        var result = await ProgressView.RunAsync(observer => app.Executor(store).RunAsync(plan, new RunOptions(strict), observer, ct)).ConfigureAwait(false);
        ResultView.Print(store, result.Run.Id, json: false);
        ResultView.Footer(result, dbPath);
        return ResultView.ExitCode(result);
    }
}
