using Microsoft.Data.Sqlite;
using Sandbench.Core;

namespace Sandbench.Store;

// Opening: connection settings, migrations, and one-line errors for files that cannot be used.
public sealed partial class SqliteResultStore
{
    /// <summary>How long a statement waits for another connection's lock before failing.</summary>
    private const int BusyTimeoutSeconds = 5;

    /// <summary>Opens the database at <paramref name="path"/>, creating it and applying pending migrations as needed.</summary>
    /// <exception cref="SandbenchException">The file cannot be opened, is not a SQLite database, or has a newer schema.</exception>
    public static SqliteResultStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            // Without pooling, Dispose really closes the file (checkpointing the WAL) instead of parking it in a pool.
            Pooling = false,
            DefaultTimeout = BusyTimeoutSeconds,
        }.ToString();

        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            // synchronous=NORMAL in WAL mode: a commit is in the OS page cache when it returns, which
            // survives a killed process (only a power loss could drop the last commits), and costs no fsync per trial.
            Execute(connection, $"""
                PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000};
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                PRAGMA foreign_keys = ON;
                """);
            Schema.Migrate(connection, path);
            return new SqliteResultStore(connection, path);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new SandbenchException(DescribeOpenFailure(path, ex));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string DescribeOpenFailure(string path, SqliteException ex) => ex.SqliteErrorCode switch
    {
        // Primary result codes from sqlite3.h; the exception's own message is kept for anything else.
        26 => $"{path}: not a SQLite database (is this the right file?)",
        11 => $"{path}: the database file is corrupt",
        14 => $"{path}: cannot open the database file (does its directory exist, and is it writable?)",
        5 => $"{path}: the database is locked by another process; try again when it finishes",
        8 => $"{path}: the database is read-only; sandbench needs write access",
        _ => $"{path}: cannot open the database: {ex.Message}",
    };
}
