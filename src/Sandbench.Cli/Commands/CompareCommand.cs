using System.CommandLine;
using System.Globalization;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench compare RUN_A RUN_B</c>: every metric both runs measured, with a significance test; gates CI.</summary>
internal static class CompareCommand
{
    public static Command Build()
    {
        var a = new Argument<string>("run-a") { Description = "The baseline run (id or unique prefix)" };
        var b = new Argument<string>("run-b") { Description = "The run to judge against it" };
        var threshold = new Option<string>("--threshold")
        {
            Description = "Smallest change of the median that counts, as a percentage or a fraction",
            DefaultValueFactory = _ => "5%",
            HelpName = "PCT",
        };
        var alpha = new Option<double>("--alpha") { Description = "Significance level of the permutation test", DefaultValueFactory = _ => 0.01 };
        var db = Opts.Db();
        var json = Opts.Json();
        var cmd = new Command("compare",
            "Compare two runs per experiment × runtime × metric: medians, ratio with a 95% bootstrap interval, permutation test; "
            + $"exits {ExitCodes.Regression} when a metric got significantly worse by more than the threshold")
        { a, b, threshold, alpha, db, json };
        cmd.SetAction(r =>
        {
            double t = ParseThreshold(r.GetValue(threshold)!);
            double al = r.GetValue(alpha);
            if (!(al is > 0 and < 1)) throw new SandbenchException($"--alpha must be between 0 and 1 (got {al.ToString(CultureInfo.InvariantCulture)})");
            string path = r.GetValue(db)!;
            if (!File.Exists(path)) throw new SandbenchException($"{path}: no results file here (use --db)");
            using var store = App.OpenStore(path);
            // Community runs hold one observation per repository, not trials: shown side by side with the change, no test.
            if (CommunityRuns(store, r.GetValue(a)!, r.GetValue(b)!) is { } community)
            {
                CommunityView.PrintComparison(community.A, community.RowsA, community.B, community.RowsB, r.GetValue(json));
                return ExitCodes.Ok;
            }
            var (runA, trialsA) = Load(store, r.GetValue(a)!);
            var (runB, trialsB) = Load(store, r.GetValue(b)!);
            var rows = Comparison.Compare(trialsA, trialsB, t, al);
            if (rows.Count == 0)
                throw new SandbenchException($"runs {runA.Id} and {runB.Id} have no experiment × runtime × workload with at least 2 successful trials in both");
            CompareView.Print(runA, runB, rows, Comparison.Unmatched(trialsA, trialsB), t, al, r.GetValue(json));
            return rows.Any(x => x.Verdict == "regression") ? ExitCodes.Regression : ExitCodes.Ok;
        });
        return cmd;
    }

    private static (RunInfo Run, IReadOnlyList<TrialRecord> Trials) Load(Sandbench.Store.SqliteResultStore store, string id)
    {
        var run = store.FindRun(id) ?? throw new SandbenchException($"no run '{id}' in this database (see 'sandbench runs')");
        var trials = store.Trials(run.Id);
        if (!trials.Any(x => !x.Warmup && x.Status == TrialStatus.Ok))
            throw new SandbenchException($"run {run.Id} has no successful measured trials to compare ({trials.Count} stored)");
        return (run, trials);
    }

    private static (RunInfo A, IReadOnlyList<CommunityRecord> RowsA, RunInfo B, IReadOnlyList<CommunityRecord> RowsB)? CommunityRuns(
        Sandbench.Store.SqliteResultStore store, string idA, string idB)
    {
        var runA = store.FindRun(idA);
        var runB = store.FindRun(idB);
        if (runA is null || runB is null) return null;
        var rowsA = store.Community(runA.Id);
        var rowsB = store.Community(runB.Id);
        return rowsA.Count > 0 && rowsB.Count > 0 ? (runA, rowsA, runB, rowsB) : null;
    }

    internal static double ParseThreshold(string text)
    {
        string s = text.Trim();
        bool percent = s.EndsWith('%');
        if (percent) s = s[..^1];
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || v < 0 || (percent ? v >= 1000 : v >= 10))
            throw new SandbenchException($"--threshold '{text}' must be a percentage such as 5% or a fraction such as 0.05");
        return percent ? v / 100 : v;
    }
}
