using System.Text.Json;
using Sandbench.Report.Tests;
using Sandbench.Store;

namespace Sandbench.Cli.Tests;

/// <summary><c>sandbench show</c> of a run with application flows: one table per flow, per function and runtime, then the flow end to end.</summary>
public sealed class FlowShowTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Show_FlowRun_PrintsEachFunctionPerRuntimeWithTheRatioToProcess()
    {
        using (var store = SqliteResultStore.Open(_h.Db)) ReportSeed.FlowRun(store, "ffff0001");

        var (code, shown, err) = await _h.RunAsync("show", "ffff", "--db", _h.Db);

        Assert.True(code == 0, err);
        Assert.Contains("flow retail-catalog: latency per function at the gateway (ms)", shown, StringComparison.Ordinal);
        Assert.Contains("flow retail-photos: latency per function at the gateway (ms)", shown, StringComparison.Ordinal);
        // function | runtime | cold ms (median of 2) | warm p50 | warm p99 (type 7) | n | vs process: the numbers worked out in ReportSeed.FlowRun.
        Assert.Matches(@"│ catalog-builder\s+│ process\s+│\s+110\.0 │\s+4\.000 │\s+5\.960 │\s+3 │\s+×1\.0 │", shown);
        Assert.Matches(@"│ catalog-builder\s+│ runc\s+│\s+450\.0 │\s+12\.00 │\s+13\.96 │\s+3 │\s+×3\.0 │", shown);
        Assert.Matches(@"│ catalog-api\s+│ process\s+│\s+100\.0 │\s+1\.500 │\s+4\.900 │\s+6 │\s+×1\.0 │", shown);
        Assert.Matches(@"│ catalog-api\s+│ runc\s+│\s+400\.0 │\s+3\.500 │\s+8\.850 │\s+6 │\s+×2\.33 │", shown);
        Assert.Matches(@"│ flow end to end\s+│ process\s+│\s+– │\s+12\.00 │\s+13\.96 │\s+3 │\s+×1\.0 │", shown);
        Assert.Matches(@"│ flow end to end\s+│ runc\s+│\s+– │\s+35\.00 │\s+39\.90 │\s+3 │\s+×2\.92 │", shown);
        // runc's photos-receive answered only its cold request: no warm figure, so no ratio.
        Assert.Matches(@"│ photos-receive\s+│ runc\s+│\s+320\.0 │\s+– │\s+– │\s+0 │\s+– │", shown);
        Assert.Contains("failed trials: runc 1", shown, StringComparison.Ordinal);
        Assert.Contains("runc: catalog-api answered 500 in round 2", shown, StringComparison.Ordinal);
        // The warm-up's and the failed trial's 1000 ms appear nowhere.
        Assert.DoesNotContain("1000.0", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_FlowRunWithoutProcess_PrintsNoRatios()
    {
        using (var store = SqliteResultStore.Open(_h.Db)) ReportSeed.FlowRun(store, "ffff0002", process: false);

        var (code, shown, err) = await _h.RunAsync("show", "ffff0002", "--db", _h.Db);

        Assert.True(code == 0, err);
        Assert.Matches(@"│ catalog-builder\s+│ runc\s+│\s+450\.0 │\s+12\.00 │\s+13\.96 │\s+3 │\s+– │", shown);
        Assert.DoesNotContain("×", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShowJson_FlowRun_HoldsTheSameRatios()
    {
        using (var store = SqliteResultStore.Open(_h.Db)) ReportSeed.FlowRun(store, "ffff0001");

        var (code, shown, err) = await _h.RunAsync("show", "ffff0001", "--db", _h.Db, "--json");

        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(shown);
        var catalog = json.RootElement.GetProperty("flow")[0];
        Assert.Equal("retail-catalog", catalog.GetProperty("flow").GetString());
        Assert.Equal("process", catalog.GetProperty("baseline").GetString());
        var api = catalog.GetProperty("rows").EnumerateArray()
            .Single(r => r.GetProperty("function").GetString() == "catalog-api" && r.GetProperty("runtime").GetString() == "runc");
        Assert.Equal(3.5 / 1.5, api.GetProperty("ratio").GetDouble(), 9);
        Assert.Equal(6, api.GetProperty("warmMs").GetProperty("n").GetInt32());
    }
}
