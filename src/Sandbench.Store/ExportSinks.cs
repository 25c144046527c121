using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SQLitePCL;

namespace Sandbench.Store;

/// <summary>Where an export's tables go, one row at a time (a run can hold millions of rows: none is kept in memory).</summary>
public interface IExportSink
{
    void BeginTable(string name, IReadOnlyList<string> columns);

    void Row(in ExportRow row);

    void EndTable();
}

/// <summary>The kind of one value of an export row, as SQLite stores it.</summary>
public enum ExportKind
{
    Null,
    Whole,
    Real,
    Text,

    /// <summary>Bytes (encoded histograms): exported as base64 text.</summary>
    Blob,
}

/// <summary>One row of an export: each column's kind and value, valid until the next row is read.</summary>
public readonly ref struct ExportRow
{
    private readonly BulkStatement? _stmt;
    private readonly object?[]? _values;

    internal ExportRow(BulkStatement stmt, int count) => (_stmt, Count) = (stmt, count);

    /// <summary>A row of values already read: long, double, string or null.</summary>
    public ExportRow(object?[] values) => (_values, Count) = (values, values.Length);

    public int Count { get; }

    public ExportKind Kind(int column) => _values is { } v
        ? v[column] switch { null => ExportKind.Null, long => ExportKind.Whole, double => ExportKind.Real, _ => ExportKind.Text }
        : _stmt!.Type(column) switch
        {
            raw.SQLITE_INTEGER => ExportKind.Whole,
            raw.SQLITE_FLOAT => ExportKind.Real,
            raw.SQLITE_TEXT => ExportKind.Text,
            raw.SQLITE_BLOB => ExportKind.Blob,
            _ => ExportKind.Null,
        };

    public long Whole(int column) => _values is { } v ? (long)v[column]! : _stmt!.Int64(column);

    public double Real(int column) => _values is { } v ? (double)v[column]! : _stmt!.Double(column);

    /// <summary>A text or blob value as UTF-8 text (a blob as base64).</summary>
    public ReadOnlySpan<byte> Utf8(int column)
    {
        if (_values is { } v) return Encoding.UTF8.GetBytes(v[column]?.ToString() ?? "");
        return Kind(column) == ExportKind.Blob ? Encoding.ASCII.GetBytes(Convert.ToBase64String(_stmt!.Blob(column))) : _stmt!.Utf8(column);
    }

    /// <summary>The value as .NET reads it: long, double, string (a blob as base64) or null.</summary>
    public object? Value(int column) => Kind(column) switch
    {
        ExportKind.Null => null,
        ExportKind.Whole => Whole(column),
        ExportKind.Real => Real(column),
        ExportKind.Blob => Convert.ToBase64String(_stmt!.Blob(column)),
        _ => _values is { } v ? v[column]?.ToString() ?? "" : _stmt!.Text(column),
    };
}

/// <summary>Keeps every table in memory (<see cref="SqliteResultStore.Export(IReadOnlyList{string})"/>: tests, small exports).</summary>
internal sealed class TablesSink : IExportSink
{
    private string _name = "";
    private IReadOnlyList<string> _columns = [];
    private List<object?[]> _rows = [];

    public List<ExportTable> Tables { get; } = [];

    public void BeginTable(string name, IReadOnlyList<string> columns) => (_name, _columns, _rows) = (name, columns, []);

    public void Row(in ExportRow row)
    {
        var values = new object?[row.Count];
        for (int c = 0; c < values.Length; c++) values[c] = row.Value(c);
        _rows.Add(values);
    }

    public void EndTable() => Tables.Add(new ExportTable(_name, _columns, _rows));
}

/// <summary>One RFC 4180 CSV file per table in a directory: a header row, comma-separated values, quoted where needed.</summary>
public sealed class CsvExportSink(string directory) : IExportSink, IDisposable
{
    private static readonly byte[] Crlf = "\r\n"u8.ToArray();
    private readonly byte[] _number = new byte[32];
    private Stream? _file;

    /// <summary>The files written, in table order.</summary>
    public List<string> Written { get; } = [];

    public void BeginTable(string name, IReadOnlyList<string> columns)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, name + ".csv");
        _file = new BufferedStream(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), 1 << 16);
        Written.Add(path);
        for (int c = 0; c < columns.Count; c++)
        {
            if (c > 0) _file.WriteByte((byte)',');
            WriteText(Encoding.UTF8.GetBytes(columns[c]));
        }
        _file.Write(Crlf);
    }

    public void Row(in ExportRow row)
    {
        var f = _file!;
        for (int c = 0; c < row.Count; c++)
        {
            if (c > 0) f.WriteByte((byte)',');
            int n;
            switch (row.Kind(c))
            {
                case ExportKind.Null:
                    break;
                case ExportKind.Whole:
                    row.Whole(c).TryFormat(_number, out n, default, CultureInfo.InvariantCulture);
                    f.Write(_number, 0, n);
                    break;
                case ExportKind.Real:
                    row.Real(c).TryFormat(_number, out n, "R", CultureInfo.InvariantCulture);
                    f.Write(_number, 0, n);
                    break;
                default:
                    WriteText(row.Utf8(c));
                    break;
            }
        }
        f.Write(Crlf);
    }

    public void EndTable()
    {
        _file?.Dispose();
        _file = null;
    }

    public void Dispose() => EndTable();

    private static readonly SearchValues<byte> Special = SearchValues.Create(",\"\r\n"u8);

    private void WriteText(ReadOnlySpan<byte> text)
    {
        var f = _file!;
        if (text.IndexOfAny(Special) < 0)
        {
            f.Write(text);
            return;
        }
        f.WriteByte((byte)'"');
        foreach (byte b in text)
        {
            if (b == (byte)'"') f.WriteByte(b);
            f.WriteByte(b);
        }
        f.WriteByte((byte)'"');
    }
}

/// <summary>All tables as one JSON document: <c>{"schema": N, "tables": {"runs": [{column: value}...], ...}}</c>.</summary>
public sealed class JsonExportSink : IExportSink, IDisposable
{
    private readonly Utf8JsonWriter _w;
    private JsonEncodedText[] _columns = [];
    private int _parameters = -1;

    public JsonExportSink(Stream output)
    {
        _w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        _w.WriteStartObject();
        _w.WriteNumber("schema", SqliteResultStore.SchemaVersion);
        _w.WriteStartObject("tables");
    }

    public void BeginTable(string name, IReadOnlyList<string> columns)
    {
        _columns = [.. columns.Select(c => JsonEncodedText.Encode(c))];
        // The JSON columns of the schema (trial parameters) are embedded as objects, not strings.
        _parameters = columns.ToList().IndexOf("parameters");
        _w.WriteStartArray(name);
    }

    public void Row(in ExportRow row)
    {
        _w.WriteStartObject();
        for (int c = 0; c < row.Count; c++)
        {
            var name = _columns[c];
            switch (row.Kind(c))
            {
                case ExportKind.Null: _w.WriteNull(name); break;
                case ExportKind.Whole: _w.WriteNumber(name, row.Whole(c)); break;
                case ExportKind.Real when double.IsFinite(row.Real(c)): _w.WriteNumber(name, row.Real(c)); break;
                case ExportKind.Real: _w.WriteString(name, row.Real(c).ToString(CultureInfo.InvariantCulture)); break;
                case ExportKind.Text when c == _parameters && row.Utf8(c) is [(byte)'{', ..] json: _w.WritePropertyName(name); _w.WriteRawValue(json); break;
                default: _w.WriteString(name, row.Utf8(c)); break;
            }
        }
        _w.WriteEndObject();
        // Written out as it goes, so a large export never sits whole in memory.
        if (_w.BytesPending > 1 << 16) _w.Flush();
    }

    public void EndTable() => _w.WriteEndArray();

    /// <summary>Closes the document once every table is written.</summary>
    public void Complete()
    {
        _w.WriteEndObject();
        _w.WriteEndObject();
        _w.Flush();
    }

    public void Dispose() => _w.Dispose();
}
