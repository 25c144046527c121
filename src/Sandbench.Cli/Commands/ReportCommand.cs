using System.CommandLine;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Storage;
using Sandbench.Report;
using Sandbench.Store;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench report [RUN...] --out DIR</c>: every figure the runs' data supports as PNG and SVG, and one self-contained report.html.</summary>
internal static class ReportCommand
{
    /// <summary>What the figures and page allocate besides the trials (20 MiB over 300,000 trials), with room to spare.</summary>
    private const long ReportBytes = 64L << 20;

    public static Command Build()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run ids or unique prefixes (default: the newest run); two runs add their comparison", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string>("--out", "-o") { Description = "Directory to write the figures and report.html into (made if missing)", Required = true, HelpName = "DIR" };
        var db = Opts.Db();
        var cmd = new Command("report", "Figures of runs as PNG and SVG (cold start, breakdowns, VM timelines, sweeps, memory, host) and one self-contained HTML page")
            { runs, output, db };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(db)!;
            if (!File.Exists(path)) throw new SandbenchException($"{path}: no results file here (use --db, or 'sandbench run' first)");
            string dir = r.GetValue(output)!;
            using var store = App.OpenStore(path);
            var chosen = Resolve(store, path, r.GetValue(runs) ?? []);
            ReportBuilder.PrepareOutput(dir);
            // What a report reads stays until it ends (the figures are drawn from it): no collection over the read,
            // the analyses and the figures, where each would only move the run's trials (see NoGcRegion).
            using var quiet = NoGcRegion.For(chosen.Sum(x => x.TrialCount), ReportBytes);
            var data = ReportData.Load(store, chosen);
            try
            {
                var outcome = new ReportBuilder(FigureRegistry.All, TimeProvider.System).Write(data, dir, App.Version, ReportView.Figure);
                ReportView.Summary(outcome);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SandbenchException($"--out {dir}: writing the report failed ({e.Message.TrimEnd('.')})", ExitCodes.InternalError);
            }
            return 0;
        });
        return cmd;
    }

    private static List<RunInfo> Resolve(Sandbench.Store.SqliteResultStore store, string path, string[] wanted)
    {
        List<RunInfo> chosen = wanted.Length > 0
            ? [.. wanted.Select(w => store.FindRun(w) ?? throw new SandbenchException($"no run '{w}' in {path} (see 'sandbench runs')")).DistinctBy(x => x.Id)]
            : [store.ListRuns() is { Count: > 0 } all ? all[0] : throw new SandbenchException($"{path} holds no runs yet")];
        // A gateway run keeps its requests, a community run its repositories, in tables of their own: they have no trials.
        var empty = chosen.Where(x => x.TrialCount == 0 && store.GatewayRequests(x.Id).Count == 0 && store.Community(x.Id).Count == 0).Select(x =>
            $"run {x.Id} has no trials ({x.Status.ToString().ToLowerInvariant()}): nothing to report").ToList();
        if (empty.Count > 0) throw new SandbenchException(empty);
        return chosen;
    }
}
