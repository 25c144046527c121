using System.CommandLine;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Store;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench show [RUN]</c>: statistics and phase breakdown of one run.</summary>
internal static class ShowCommand
{
    public static Command Build()
    {
        var run = new Argument<string?>("run") { Description = "Run id or unique prefix (default: the newest run)", Arity = ArgumentArity.ZeroOrOne };
        var db = Opts.Db();
        var json = Opts.Json();
        var cmd = new Command("show", "Print a run's statistics per runtime (n, mean, min, p50, p90, p99, max, stddev, 95% CI) and phases") { run, db, json };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(db)!;
            if (!File.Exists(path)) throw new SandbenchException($"{path}: no results file here (use --db, or 'sandbench run' first)");
            using var store = App.OpenStore(path);
            string id = r.GetValue(run) ?? (store.ListRuns() is { Count: > 0 } runs ? runs[0].Id : null)
                ?? throw new SandbenchException($"{path} holds no runs yet");
            // The run's trials stay until the tables are printed: no collection in between (see NoGcRegion).
            using var quiet = NoGcRegion.For(store.FindRun(id)?.TrialCount ?? 0);
            ResultView.Print(store, id, r.GetValue(json));
            return 0;
        });
        return cmd;
    }
}
