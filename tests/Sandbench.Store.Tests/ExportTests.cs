using Sandbench.Core.Storage;
using System.Text.Json;
using static Sandbench.Store.Tests.TestData;

namespace Sandbench.Store.Tests;

public sealed class ExportTests
{
    [Fact]
    public void Export_OneRun_EveryTableHoldsOnlyItsRows()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("r1"), new Dictionary<string, string> { ["kernel"] = "6.1" });
        store.BeginRun(Run("r2"), new Dictionary<string, string> { ["kernel"] = "6.2" });
        store.AppendTrial(Trial("r1") with { Resources = [new(1, 42, 100, 90, 5)] });
        store.AppendTrial(Trial("r2"));
        store.AppendHostMetrics("r1", [new(10, "load1", 0.5)]);

        var tables = store.Export(["r1"]).ToDictionary(t => t.Name);

        Assert.Equal("r1", Assert.Single(tables["runs"].Rows)[0]);
        Assert.Equal("6.1", Assert.Single(tables["environment"].Rows)[tables["environment"].Columns.ToList().IndexOf("value")]);
        Assert.Single(tables["trials"].Rows);
        Assert.Equal(2, tables["phases"].Rows.Count);
        Assert.Single(tables["resources"].Rows);
        Assert.Single(tables["host_metrics"].Rows);
    }

    [Fact]
    public void WriteCsv_ValuesWithCommasQuotesAndNewlines_QuotedPerRfc4180()
    {
        using var dir = new TempDirectory();
        ExportTable[] tables = [new("runs", ["id", "plan_text", "n"], [["r1", "a, \"b\"\nc", 3L], ["r2", null, 1.5]])];

        SqliteResultStore.WriteCsv(tables, dir.Path);

        Assert.Equal("id,plan_text,n\r\nr1,\"a, \"\"b\"\"\nc\",3\r\nr2,,1.5\r\n", File.ReadAllText(System.IO.Path.Combine(dir.Path, "runs.csv")));
    }

    [Fact]
    public void WriteJson_TypesKeptAndParametersEmbeddedAsObjects()
    {
        ExportTable[] tables = [new("trials", ["id", "parameters", "error", "x"], [[7L, "{\"memory\":\"128m\"}", null, 0.25]])];
        using var ms = new MemoryStream();

        SqliteResultStore.WriteJson(tables, ms);

        using var doc = JsonDocument.Parse(ms.ToArray());
        var row = doc.RootElement.GetProperty("tables").GetProperty("trials")[0];
        Assert.Equal(SqliteResultStore.SchemaVersion, doc.RootElement.GetProperty("schema").GetInt32());
        Assert.Equal(7, row.GetProperty("id").GetInt64());
        Assert.Equal("128m", row.GetProperty("parameters").GetProperty("memory").GetString());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("error").ValueKind);
        Assert.Equal(0.25, row.GetProperty("x").GetDouble());
    }
}
