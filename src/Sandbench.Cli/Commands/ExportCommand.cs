using System.CommandLine;
using Sandbench.Core;
using Sandbench.Store;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench export [RUN...] --format csv|json</c>: runs, trials, phases, samples and every other table of the chosen runs.</summary>
internal static class ExportCommand
{
    public static Command Build()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run ids or unique prefixes (default: every run)", Arity = ArgumentArity.ZeroOrMore };
        var format = new Option<string>("--format") { Description = "csv (one file per table, into --out) or json (one document)", Required = true };
        format.AcceptOnlyFromAmong("csv", "json");
        var output = new Option<string?>("--out", "-o") { Description = "csv: the directory to write; json: the file (default: standard output)", HelpName = "PATH" };
        var db = Opts.Db();
        var cmd = new Command("export", "Export runs with their trials, phases, samples, resources, histograms and host readings as CSV or JSON")
            { runs, format, output, db };
        cmd.SetAction(r =>
        {
            string path = r.GetValue(db)!;
            if (!File.Exists(path)) throw new SandbenchException($"{path}: no results file here (use --db)");
            string fmt = r.GetValue(format)!;
            string? outPath = r.GetValue(output);
            if (fmt == "csv" && outPath is null) throw new SandbenchException("--format csv writes one file per table: give the directory with --out DIR");
            using var store = App.OpenStore(path);
            var ids = r.GetValue(runs) is { Length: > 0 } wanted
                ? [.. wanted.Select(w => store.FindRun(w)?.Id ?? throw new SandbenchException($"no run '{w}' in {path} (see 'sandbench runs')"))]
                : store.ListRuns().Select(x => x.Id).ToList();
            if (ids.Count == 0) throw new SandbenchException($"{path} holds no runs yet");
            // Streamed table by table, row by row: a run of millions of rows is never held in memory.
            if (fmt == "csv")
            {
                using var csv = new CsvExportSink(outPath!);
                store.Export(ids, csv);
                foreach (var file in csv.Written) Console.Error.WriteLine($"wrote {file}");
            }
            else
            {
                using var stream = outPath is null ? Console.OpenStandardOutput() : File.Create(outPath);
                using (var json = new JsonExportSink(stream))
                {
                    store.Export(ids, json);
                    json.Complete();
                }
                if (outPath is not null) Console.Error.WriteLine($"wrote {outPath}");
            }
            return 0;
        });
        return cmd;
    }
}
