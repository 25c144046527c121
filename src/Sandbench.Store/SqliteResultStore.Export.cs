namespace Sandbench.Store;

/// <summary>One table of an export: its columns and the rows that belong to the exported runs.</summary>
/// <param name="Rows">Values as SQLite returns them: long, double, string, null; BLOBs (encoded histograms) as base64 text.</param>
public sealed record ExportTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

// Export: every table of the schema, restricted to the chosen runs, so what a later version adds is exported too.
public sealed partial class SqliteResultStore
{
    /// <summary>
    /// The rows of <paramref name="runIds"/> in every table, in memory (small exports and tests; the command streams
    /// with <see cref="Export(IReadOnlyList{string}, IExportSink)"/>).
    /// </summary>
    public IReadOnlyList<ExportTable> Export(IReadOnlyList<string> runIds)
    {
        var sink = new TablesSink();
        Export(runIds, sink);
        return sink.Tables;
    }

    /// <summary>
    /// Streams the rows of <paramref name="runIds"/> in every table to <paramref name="sink"/>: tables with a
    /// <c>run_id</c> column by it, tables with a <c>trial_id</c> column through the runs' trials, <c>runs</c> by its id.
    /// Read on a private connection (one snapshot of the file; columns read natively: millions of rows in seconds).
    /// </summary>
    public void Export(IReadOnlyList<string> runIds, IExportSink sink)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate) ObjectDisposedException.ThrowIf(_disposed, this);
        using var c = BulkConnection.Open(Path, BusyTimeoutSeconds * 1000);
        var names = new List<string>();
        using (var list = c.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid;"))
            while (list.Step()) names.Add(list.Text(0));

        string ids = string.Join(", ", runIds.Select((_, i) => $"?{i + 1}"));
        foreach (var name in names)
        {
            List<string> columns;
            using (var info = c.Prepare($"SELECT name FROM pragma_table_info('{name}') ORDER BY cid;"))
            {
                columns = [];
                while (info.Step()) columns.Add(info.Text(0));
            }
            string? where = name == "runs" ? $"id IN ({ids})"
                : columns.Contains("run_id") ? $"run_id IN ({ids})"
                : columns.Contains("trial_id") ? $"trial_id IN (SELECT id FROM trials WHERE run_id IN ({ids}))"
                : null;
            if (where is null) continue; // not per run (none today)
            using var query = c.Prepare($"SELECT * FROM \"{name}\" WHERE {where} ORDER BY rowid;");
            for (int i = 0; i < runIds.Count; i++) query.Bind(i + 1, runIds[i]);
            sink.BeginTable(name, columns);
            while (query.Step()) sink.Row(new ExportRow(query, columns.Count));
            sink.EndTable();
        }
    }

    /// <summary>Writes one RFC 4180 CSV file per table (header row, comma-separated, quoted where needed) into <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> WriteCsv(IReadOnlyList<ExportTable> tables, string directory)
    {
        using var sink = new CsvExportSink(directory);
        Replay(tables, sink);
        return sink.Written;
    }

    /// <summary>Writes all tables as one JSON document: <c>{"schema": N, "tables": {"runs": [{column: value}...], ...}}</c>.</summary>
    public static void WriteJson(IReadOnlyList<ExportTable> tables, Stream output)
    {
        using var sink = new JsonExportSink(output);
        Replay(tables, sink);
        sink.Complete();
    }

    private static void Replay(IReadOnlyList<ExportTable> tables, IExportSink sink)
    {
        foreach (var t in tables)
        {
            sink.BeginTable(t.Name, t.Columns);
            foreach (var row in t.Rows) sink.Row(new ExportRow(row));
            sink.EndTable();
        }
    }
}
