using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Sandbench.Store;

/// <summary>One table of an export: its columns and the rows that belong to the exported runs.</summary>
/// <param name="Rows">Values as SQLite returns them: long, double, string, null; BLOBs (encoded histograms) as base64 text.</param>
public sealed record ExportTable(string Name, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows);

// Export: every table of the schema, restricted to the chosen runs, so what a later version adds is exported too.
public sealed partial class SqliteResultStore
{
    /// <summary>
    /// The rows of <paramref name="runIds"/> in every table: tables with a <c>run_id</c> column by it,
    /// tables with a <c>trial_id</c> column through the runs' trials, <c>runs</c> by its id.
    /// </summary>
    public IReadOnlyList<ExportTable> Export(IReadOnlyList<string> runIds)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var names = new List<string>();
            using (var list = Command(null, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid;"))
            using (var reader = list.ExecuteReader())
                while (reader.Read()) names.Add(reader.GetString(0));

            string ids = string.Join(", ", runIds.Select((_, i) => $"$r{i}"));
            var tables = new List<ExportTable>();
            foreach (var name in names)
            {
                var columns = Columns(name);
                string? where = name == "runs" ? $"id IN ({ids})"
                    : columns.Contains("run_id") ? $"run_id IN ({ids})"
                    : columns.Contains("trial_id") ? $"trial_id IN (SELECT id FROM trials WHERE run_id IN ({ids}))"
                    : null;
                if (where is null) continue; // not per run (none today)
                using var query = Command(null, $"SELECT * FROM \"{name}\" WHERE {where} ORDER BY rowid;");
                for (int i = 0; i < runIds.Count; i++) query.Parameters.AddWithValue($"$r{i}", runIds[i]);
                using var reader = query.ExecuteReader();
                var rows = new List<object?[]>();
                while (reader.Read())
                {
                    var row = new object?[reader.FieldCount];
                    for (int c = 0; c < row.Length; c++)
                        row[c] = reader.IsDBNull(c) ? null : reader.GetValue(c) is byte[] blob ? Convert.ToBase64String(blob) : reader.GetValue(c);
                    rows.Add(row);
                }
                tables.Add(new ExportTable(name, columns, rows));
            }
            return tables;
        }
    }

    private List<string> Columns(string table)
    {
        using var query = Command(null, $"SELECT name FROM pragma_table_info('{table}') ORDER BY cid;");
        using var reader = query.ExecuteReader();
        var columns = new List<string>();
        while (reader.Read()) columns.Add(reader.GetString(0));
        return columns;
    }

    /// <summary>Writes one RFC 4180 CSV file per table (header row, comma-separated, quoted where needed) into <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> WriteCsv(IReadOnlyList<ExportTable> tables, string directory)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var t in tables)
        {
            string path = System.IO.Path.Combine(directory, t.Name + ".csv");
            using var w = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\r\n" };
            w.WriteLine(string.Join(",", t.Columns.Select(Csv)));
            foreach (var row in t.Rows) w.WriteLine(string.Join(",", row.Select(v => Csv(Text(v)))));
            written.Add(path);
        }
        return written;
    }

    /// <summary>Writes all tables as one JSON document: <c>{"schema": N, "tables": {"runs": [{column: value}...], ...}}</c>.</summary>
    public static void WriteJson(IReadOnlyList<ExportTable> tables, Stream output)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteNumber("schema", SchemaVersion);
        w.WriteStartObject("tables");
        foreach (var t in tables)
        {
            w.WriteStartArray(t.Name);
            foreach (var row in t.Rows)
            {
                w.WriteStartObject();
                for (int c = 0; c < row.Length; c++)
                {
                    switch (row[c])
                    {
                        case null: w.WriteNull(t.Columns[c]); break;
                        case long l: w.WriteNumber(t.Columns[c], l); break;
                        case double d when double.IsFinite(d): w.WriteNumber(t.Columns[c], d); break;
                        case double d: w.WriteString(t.Columns[c], d.ToString(CultureInfo.InvariantCulture)); break;
                        // The JSON columns of the schema (trial parameters) are embedded as objects, not strings.
                        case string s when t.Columns[c] == "parameters" && s.StartsWith('{'): w.WritePropertyName(t.Columns[c]); w.WriteRawValue(s); break;
                        default: w.WriteString(t.Columns[c], Text(row[c])); break;
                    }
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string Text(object? v) => v switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static string Csv(string s) =>
        s.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
