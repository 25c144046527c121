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
    public void Export_StreamedToCsvAndJson_BlobsAsBase64NullsEmptyAndSameRowsAsInMemory()
    {
        using var dir = new TempDirectory();
        using var store = SqliteResultStore.Open(dir.File("results.db"));
        store.BeginRun(Run("r1"), new Dictionary<string, string>());
        byte[] data = [0x1c, 0x84, 0x93, 0x14, 0, 0xff];
        store.AppendTrial(Trial("r1") with { Histograms = [new("corrected_us", data)], Seconds = [new(0, 9, 0, 0, 0, null, 1500)] });
        var inMemory = store.Export(["r1"]).ToDictionary(t => t.Name);

        using (var csv = new CsvExportSink(dir.File("csv"))) store.Export(["r1"], csv);
        using var json = new MemoryStream();
        using (var sink = new JsonExportSink(json))
        {
            store.Export(["r1"], sink);
            sink.Complete();
        }

        var histogram = Assert.Single(inMemory["histograms"].Rows);
        Assert.Equal(Convert.ToBase64String(data), histogram[inMemory["histograms"].Columns.ToList().IndexOf("data")]);
        string[] csvLines = File.ReadAllLines(dir.File("csv/histograms.csv"));
        Assert.Equal(string.Join(",", inMemory["histograms"].Columns), csvLines[0]);
        Assert.Contains(Convert.ToBase64String(data), csvLines[1], StringComparison.Ordinal);
        // p50_ns is NULL: an empty CSV field, a JSON null.
        var seconds = inMemory["load_seconds"];
        Assert.Null(Assert.Single(seconds.Rows)[seconds.Columns.ToList().IndexOf("p50_ns")]);
        Assert.EndsWith(",,1500", File.ReadAllLines(dir.File("csv/load_seconds.csv"))[1], StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json.ToArray());
        var tables = doc.RootElement.GetProperty("tables");
        Assert.Equal(JsonValueKind.Null, tables.GetProperty("load_seconds")[0].GetProperty("p50_ns").ValueKind);
        Assert.Equal(Convert.ToBase64String(data), tables.GetProperty("histograms")[0].GetProperty("data").GetString());
        foreach (var (name, table) in inMemory) Assert.Equal(table.Rows.Count, tables.GetProperty(name).GetArrayLength());
        // Tables without text that could span lines: one CSV line per row, after the header.
        foreach (string name in new[] { "phases", "samples", "histograms", "load_seconds" })
            Assert.Equal(inMemory[name].Rows.Count + 1, File.ReadAllLines(dir.File($"csv/{name}.csv")).Length);
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
