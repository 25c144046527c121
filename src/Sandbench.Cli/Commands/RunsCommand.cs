using Sandbench.Cli.Rendering;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench runs</c>: the runs in a results file, newest first.</summary>
internal static class RunsCommand
{
    public static Command Build()
    {
        var db = Opts.Db();
        var json = Opts.Json();
        var cmd = new Command("runs", "List the runs stored in the results file") { db, json };
        cmd.SetAction(r =>
        {
            using var store = App.OpenStore(r.GetValue(db)!);
            var runs = store.ListRuns();
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(runs, JsonOutput.Options));
                return 0;
            }
            if (runs.Count == 0)
            {
                Console.WriteLine("no runs yet ('sandbench run' starts one)");
                return 0;
            }
            var t = new Table();
            t.AddColumns("run", "plan", "started", "status", "trials", "failed", "duration");
            foreach (var run in runs)
                t.AddRow(run.Id, Markup.Escape(run.PlanName), run.StartedUtc.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    run.Status.ToString().ToLowerInvariant(), run.TrialCount.ToString(CultureInfo.InvariantCulture),
                    run.FailedCount.ToString(CultureInfo.InvariantCulture),
                    run.FinishedUtc is { } f ? $"{(f - run.StartedUtc).TotalSeconds:0.0} s" : "–");
            AnsiConsole.Write(t);
            return 0;
        });
        return cmd;
    }
}
