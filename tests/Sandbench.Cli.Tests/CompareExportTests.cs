using System.Text.Json;
using Sandbench.Core.Storage;
using Sandbench.Store;

namespace Sandbench.Cli.Tests;

/// <summary><c>compare</c> and <c>export</c> on a results file holding known runs.</summary>
public sealed class CompareExportTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private void Seed(params (string Id, double[] ColdStartMs)[] runs)
    {
        using var store = SqliteResultStore.Open(_h.Db);
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        foreach (var (id, values) in runs)
        {
            store.BeginRun(new RunInfo(id, "coldstart", "sha256:0", "name: coldstart\n", t0, null, RunStatus.Running, "0.1.0"), new Dictionary<string, string>());
            for (int i = 0; i < values.Length; i++)
                store.AppendTrial(new TrialRecord(id, "coldstart", "runc", "hello", new Dictionary<string, string>(), i, false, TrialStatus.Ok, null,
                    "socket", 0, t0, 0, [new("spawn", 0), new("first-byte", (long)(values[i] * 1e6))], [new("coldstart_ns", values[i] * 1e6)]));
            store.FinishRun(id, RunStatus.Completed, t0);
        }
    }

    private static double[] Around(double ms) => [.. Enumerable.Range(0, 12).Select(i => ms + (i % 4) * 0.1)];

    [Fact]
    public async Task Compare_SlowerRun_Exits5AndNamesTheRegression()
    {
        Seed(("aaaa1111", Around(70)), ("bbbb2222", Around(80)), ("cccc3333", Around(70)));

        var worse = await _h.RunAsync("compare", "aaaa", "bbbb", "--db", _h.Db);
        var same = await _h.RunAsync("compare", "aaaa", "cccc", "--db", _h.Db, "--json");

        Assert.Equal(5, worse.Code);
        Assert.Contains("regression", worse.Out, StringComparison.Ordinal);
        Assert.Contains("coldstart (ms)", worse.Out, StringComparison.Ordinal);
        Assert.Equal(0, same.Code);
        var row = JsonDocument.Parse(same.Out).RootElement.GetProperty("metrics")[0];
        Assert.Equal("same", row.GetProperty("verdict").GetString());
        Assert.Equal(1.0, row.GetProperty("ratio").GetDouble(), 9);
    }

    [Fact]
    public async Task Compare_BadInput_OneLineAndExit2()
    {
        Seed(("aaaa1111", Around(70)));

        var unknown = await _h.RunAsync("compare", "aaaa", "zzzz", "--db", _h.Db);
        var threshold = await _h.RunAsync("compare", "aaaa", "aaaa", "--threshold", "lots", "--db", _h.Db);

        Assert.Equal((2, "error: no run 'zzzz' in this database (see 'sandbench runs')"), (unknown.Code, unknown.Err.Trim()));
        Assert.Equal((2, "error: --threshold 'lots' must be a percentage such as 5% or a fraction such as 0.05"), (threshold.Code, threshold.Err.Trim()));
    }

    [Fact]
    public async Task Export_CsvAndJson_HoldTheChosenRunOnly()
    {
        Seed(("aaaa1111", Around(70)), ("bbbb2222", Around(80)));
        string dir = Path.Combine(_h.Dir, "csv");

        var csv = await _h.RunAsync("export", "bbbb", "--format", "csv", "--out", dir, "--db", _h.Db);
        var json = await _h.RunAsync("export", "aaaa", "--format", "json", "--db", _h.Db);

        Assert.Equal(0, csv.Code);
        var trials = File.ReadAllLines(Path.Combine(dir, "trials.csv"));
        Assert.Equal(13, trials.Length); // header + 12
        Assert.All(trials.Skip(1), l => Assert.Contains(",bbbb2222,", l, StringComparison.Ordinal));
        Assert.Equal(0, json.Code);
        var tables = JsonDocument.Parse(json.Out).RootElement.GetProperty("tables");
        Assert.Equal("aaaa1111", tables.GetProperty("runs")[0].GetProperty("id").GetString());
        Assert.Equal(24, tables.GetProperty("phases").GetArrayLength());
        Assert.Equal(70e6, tables.GetProperty("samples")[0].GetProperty("value").GetDouble());
    }
}
