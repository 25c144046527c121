using System.Runtime.InteropServices;
using SQLitePCL;

namespace Sandbench.Store;

/// <summary>
/// A private read-only connection for reading a whole run at once (<c>report</c> and <c>show</c> over millions of
/// rows). Two things make it several times faster than going through the shared connection: it is opened without
/// SQLite's connection mutex (only one thread ever uses it), and rows are stepped and their columns read by calling
/// SQLite's C functions directly on the statement's pointer, not through a SafeHandle and marshalling stub per
/// column. Each connection holds its own read transaction from <see cref="Open"/> to <see cref="Dispose"/>, so what
/// it reads is one consistent snapshot of the file while another process appends to it.
/// </summary>
internal sealed class BulkConnection : IDisposable
{
    private readonly sqlite3 _db;

    private BulkConnection(sqlite3 db) => _db = db;

    public static BulkConnection Open(string path, int busyTimeoutMs)
    {
        int rc = raw.sqlite3_open_v2(path, out var db, raw.SQLITE_OPEN_READONLY | raw.SQLITE_OPEN_NOMUTEX, null);
        var c = new BulkConnection(db);
        try
        {
            c.Check(rc);
            c.Check(raw.sqlite3_busy_timeout(db, busyTimeoutMs));
            c.Check(raw.sqlite3_exec(db, "BEGIN DEFERRED;"));
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    public BulkStatement Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var stmt));
        return new BulkStatement(this, stmt);
    }

    public long Scalar(string sql)
    {
        using var s = Prepare(sql);
        return s.Step() ? s.Int64(0) : 0;
    }

    public void Check(int rc)
    {
        if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE))
            throw new Microsoft.Data.Sqlite.SqliteException($"SQLite Error {rc}: '{raw.sqlite3_errmsg(_db).utf8_to_string()}'.", rc);
    }

    public void Dispose()
    {
        // The read transaction ends with the connection.
        _db.Dispose();
    }
}

/// <summary>A prepared statement of a <see cref="BulkConnection"/>: bind with SQLitePCL, then step and read columns natively.</summary>
internal sealed unsafe class BulkStatement(BulkConnection connection, sqlite3_stmt stmt) : IDisposable
{
    private readonly nint _p = stmt.DangerousGetHandle();

    public void Bind(int index, long value) => connection.Check(raw.sqlite3_bind_int64(stmt, index, value));

    public void Bind(int index, string value) => connection.Check(raw.sqlite3_bind_text(stmt, index, value));

    /// <summary>True while there is a row; throws on an error.</summary>
    public bool Step()
    {
        int rc = Native.Step(_p);
        if (rc == raw.SQLITE_ROW) return true;
        if (rc != raw.SQLITE_DONE) connection.Check(rc);
        return false;
    }

    public long Int64(int column) => Native.ColumnInt64(_p, column);

    public double Double(int column) => Native.ColumnDouble(_p, column);

    public bool IsNull(int column) => Native.ColumnType(_p, column) == raw.SQLITE_NULL;

    /// <summary>The column's text as a string.</summary>
    public string Text(int column) => System.Text.Encoding.UTF8.GetString(Utf8(column));

    /// <summary>SQLite's storage class of the column's value (SQLITE_INTEGER, _FLOAT, _TEXT, _BLOB, _NULL).</summary>
    public int Type(int column) => Native.ColumnType(_p, column);

    /// <summary>The column's bytes, valid until the next step.</summary>
    public ReadOnlySpan<byte> Blob(int column)
    {
        byte* blob = Native.ColumnBlob(_p, column);
        return blob is null ? [] : new ReadOnlySpan<byte>(blob, Native.ColumnBytes(_p, column));
    }

    /// <summary>The column's text as UTF-8, valid until the next step.</summary>
    public ReadOnlySpan<byte> Utf8(int column)
    {
        byte* text = Native.ColumnText(_p, column);
        return text is null ? [] : new ReadOnlySpan<byte>(text, Native.ColumnBytes(_p, column));
    }

    public void Dispose() => stmt.Dispose();

    /// <summary>
    /// SQLite's column functions of the library SQLitePCL itself loaded (e_sqlite3). The column readers only read the
    /// current row of a statement no other thread uses (no lock, no I/O, no callback), so they are called without the
    /// GC transition; the step does I/O and is called with it.
    /// </summary>
    private static class Native
    {
        private static readonly nint Library = NativeLibrary.Load("e_sqlite3", typeof(SQLite3Provider_e_sqlite3).Assembly, null);

        public static readonly delegate* unmanaged<nint, int> Step = (delegate* unmanaged<nint, int>)Export("sqlite3_step");

        public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, long> ColumnInt64 =
            (delegate* unmanaged[SuppressGCTransition]<nint, int, long>)Export("sqlite3_column_int64");

        public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, double> ColumnDouble =
            (delegate* unmanaged[SuppressGCTransition]<nint, int, double>)Export("sqlite3_column_double");

        public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, int> ColumnType =
            (delegate* unmanaged[SuppressGCTransition]<nint, int, int>)Export("sqlite3_column_type");

        public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, byte*> ColumnText =
            (delegate* unmanaged[SuppressGCTransition]<nint, int, byte*>)Export("sqlite3_column_text");

        public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, byte*> ColumnBlob =
            (delegate* unmanaged[SuppressGCTransition]<nint, int, byte*>)Export("sqlite3_column_blob");

        public static readonly delegate* unmanaged[SuppressGCTransition]<nint, int, int> ColumnBytes =
            (delegate* unmanaged[SuppressGCTransition]<nint, int, int>)Export("sqlite3_column_bytes");

        private static nint Export(string name) => NativeLibrary.GetExport(Library, name);
    }
}
