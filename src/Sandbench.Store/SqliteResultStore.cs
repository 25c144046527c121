using Microsoft.Data.Sqlite;
using Sandbench.Core;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>
/// Results in one SQLite file (WAL mode). Every trial is committed before <see cref="AppendTrial"/> returns,
/// so a killed run keeps the trials that finished. One connection per instance; all members are thread-safe.
/// </summary>
public sealed partial class SqliteResultStore : IResultStore
{
    /// <summary>At most this many ids are listed when a prefix is ambiguous.</summary>
    private const int AmbiguousIdsShown = 10;

    // Extended result codes from sqlite3.h (SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_FOREIGNKEY).
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintForeignKey = 787;

    private const string RunColumns = """
        SELECT r.id, r.plan_name, r.plan_hash, r.plan_text, r.started_utc, r.finished_utc, r.status, r.tool_version,
               (SELECT COUNT(*) FROM trials t WHERE t.run_id = r.id),
               (SELECT COUNT(*) FROM trials t WHERE t.run_id = r.id AND t.status <> 'ok')
        FROM runs r
        """;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private bool _disposed;

    private SqliteResultStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    /// <summary>The database file, as given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The schema version this build creates and understands.</summary>
    public static int SchemaVersion => Schema.LatestVersion;

    public void BeginRun(RunInfo run, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(environment);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction(deferred: false);
            using (var insert = Command(tx, """
                INSERT INTO runs (id, plan_name, plan_hash, plan_text, started_utc, finished_utc, status, tool_version)
                VALUES ($id, $plan_name, $plan_hash, $plan_text, $started_utc, $finished_utc, $status, $tool_version);
                """))
            {
                insert.Parameters.AddWithValue("$id", run.Id);
                insert.Parameters.AddWithValue("$plan_name", run.PlanName);
                insert.Parameters.AddWithValue("$plan_hash", run.PlanHash);
                insert.Parameters.AddWithValue("$plan_text", run.PlanText);
                insert.Parameters.AddWithValue("$started_utc", Codec.Timestamp(run.StartedUtc));
                insert.Parameters.AddWithValue("$finished_utc",
                    run.FinishedUtc is { } finished ? Codec.Timestamp(finished) : DBNull.Value);
                insert.Parameters.AddWithValue("$status", Codec.Status(run.Status));
                insert.Parameters.AddWithValue("$tool_version", run.ToolVersion);
                try
                {
                    insert.ExecuteNonQuery();
                }
                catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteConstraintPrimaryKey)
                {
                    throw new ArgumentException($"{Path}: a run with id '{run.Id}' already exists", nameof(run), ex);
                }
            }

            using (var insert = Command(tx, "INSERT INTO environment (run_id, key, value) VALUES ($run_id, $key, $value);"))
            {
                insert.Parameters.AddWithValue("$run_id", run.Id);
                var key = insert.Parameters.Add("$key", SqliteType.Text);
                var value = insert.Parameters.Add("$value", SqliteType.Text);
                foreach (var (k, v) in environment)
                {
                    key.Value = k;
                    value.Value = v;
                    insert.ExecuteNonQuery();
                }
            }

            tx.Commit();
        }
    }

    public long AppendTrial(TrialRecord trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var duplicate = trial.Phases.GroupBy(p => p.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"phase '{duplicate.Key}' appears more than once", nameof(trial));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction(deferred: false);
            long id;
            using (var insert = Command(tx, """
                INSERT INTO trials (run_id, experiment, runtime, workload, parameters, iteration, warmup, status, error,
                                    readiness, readiness_resolution_ns, started_utc, origin_ns)
                VALUES ($run_id, $experiment, $runtime, $workload, $parameters, $iteration, $warmup, $status, $error,
                        $readiness, $readiness_resolution_ns, $started_utc, $origin_ns)
                RETURNING id;
                """))
            {
                insert.Parameters.AddWithValue("$run_id", trial.RunId);
                insert.Parameters.AddWithValue("$experiment", trial.Experiment);
                insert.Parameters.AddWithValue("$runtime", trial.Runtime);
                insert.Parameters.AddWithValue("$workload", trial.Workload);
                insert.Parameters.AddWithValue("$parameters", Codec.Parameters(trial.Parameters));
                insert.Parameters.AddWithValue("$iteration", trial.Iteration);
                insert.Parameters.AddWithValue("$warmup", trial.Warmup ? 1 : 0);
                insert.Parameters.AddWithValue("$status", Codec.Status(trial.Status));
                insert.Parameters.AddWithValue("$error", (object?)trial.Error ?? DBNull.Value);
                insert.Parameters.AddWithValue("$readiness", trial.Readiness);
                insert.Parameters.AddWithValue("$readiness_resolution_ns", trial.ReadinessResolutionNs);
                insert.Parameters.AddWithValue("$started_utc", Codec.Timestamp(trial.StartedUtc));
                insert.Parameters.AddWithValue("$origin_ns", trial.OriginNs);
                try
                {
                    id = (long)insert.ExecuteScalar()!;
                }
                catch (SqliteException ex) when (ex.SqliteExtendedErrorCode == SqliteConstraintForeignKey)
                {
                    throw new ArgumentException($"{Path}: no run with id '{trial.RunId}'", nameof(trial), ex);
                }
            }

            using (var insert = Command(tx, "INSERT INTO phases (trial_id, name, t_ns) VALUES ($trial_id, $name, $t_ns);"))
            {
                insert.Parameters.AddWithValue("$trial_id", id);
                var name = insert.Parameters.Add("$name", SqliteType.Text);
                var tNs = insert.Parameters.Add("$t_ns", SqliteType.Integer);
                foreach (var (n, t) in trial.Phases)
                {
                    name.Value = n;
                    tNs.Value = t;
                    insert.ExecuteNonQuery();
                }
            }

            using (var insert = Command(tx, "INSERT INTO samples (trial_id, metric, value) VALUES ($trial_id, $metric, $value);"))
            {
                insert.Parameters.AddWithValue("$trial_id", id);
                var metric = insert.Parameters.Add("$metric", SqliteType.Text);
                var value = insert.Parameters.Add("$value", SqliteType.Real);
                foreach (var (m, v) in trial.Samples)
                {
                    metric.Value = m;
                    value.Value = v;
                    insert.ExecuteNonQuery();
                }
            }

            InsertResources(tx, id, trial.Resources);
            InsertLoad(tx, id, trial);
            InsertSeries(tx, id, trial.Series);
            tx.Commit();
            return id;
        }
    }

    public void FinishRun(string runId, RunStatus status, DateTimeOffset finishedUtc)
    {
        ArgumentNullException.ThrowIfNull(runId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var update = Command(null, "UPDATE runs SET status = $status, finished_utc = $finished_utc WHERE id = $id;");
            update.Parameters.AddWithValue("$status", Codec.Status(status));
            update.Parameters.AddWithValue("$finished_utc", Codec.Timestamp(finishedUtc));
            update.Parameters.AddWithValue("$id", runId);
            if (update.ExecuteNonQuery() == 0)
            {
                throw new ArgumentException($"{Path}: no run with id '{runId}'", nameof(runId));
            }
        }
    }

    public IReadOnlyList<RunInfo> ListRuns()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // rowid breaks ties between runs started in the same tick: the later insert is newer.
            using var query = Command(null, RunColumns + " ORDER BY r.started_utc DESC, r.rowid DESC;");
            return ReadRuns(query);
        }
    }

    /// <remarks>The prefix is compared literally (no wildcards) and case-sensitively; an empty one matches nothing.</remarks>
    public RunInfo? FindRun(string idOrPrefix)
    {
        ArgumentNullException.ThrowIfNull(idOrPrefix);
        if (idOrPrefix.Length == 0)
        {
            return null;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using (var exact = Command(null, RunColumns + " WHERE r.id = $id;"))
            {
                exact.Parameters.AddWithValue("$id", idOrPrefix);
                if (ReadRuns(exact) is [var run])
                {
                    return run;
                }
            }

            // substr() instead of LIKE: ids may not contain wildcards today, but a user-typed prefix might.
            using var prefix = Command(null, RunColumns + " WHERE substr(r.id, 1, length($prefix)) = $prefix ORDER BY r.id;");
            prefix.Parameters.AddWithValue("$prefix", idOrPrefix);
            var matches = ReadRuns(prefix);
            return matches.Count switch
            {
                0 => null,
                1 => matches[0],
                _ => throw new SandbenchException(DescribeAmbiguous(idOrPrefix, matches)),
            };
        }
    }

    public IReadOnlyDictionary<string, string> Environment(string runId)
    {
        ArgumentNullException.ThrowIfNull(runId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, "SELECT key, value FROM environment WHERE run_id = $run_id ORDER BY key;");
            query.Parameters.AddWithValue("$run_id", runId);
            using var reader = query.ExecuteReader();
            var environment = new Dictionary<string, string>(StringComparer.Ordinal);
            while (reader.Read())
            {
                environment[reader.GetString(0)] = reader.GetString(1);
            }

            return environment;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    private SqliteCommand Command(SqliteTransaction? tx, string sql)
    {
        var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }

    private static List<RunInfo> ReadRuns(SqliteCommand query)
    {
        using var reader = query.ExecuteReader();
        var runs = new List<RunInfo>();
        while (reader.Read())
        {
            runs.Add(new RunInfo(
                Id: reader.GetString(0),
                PlanName: reader.GetString(1),
                PlanHash: reader.GetString(2),
                PlanText: reader.GetString(3),
                StartedUtc: Codec.Timestamp(reader.GetString(4)),
                FinishedUtc: reader.IsDBNull(5) ? null : Codec.Timestamp(reader.GetString(5)),
                Status: Codec.RunStatusFrom(reader.GetString(6)),
                ToolVersion: reader.GetString(7))
            {
                TrialCount = reader.GetInt32(8),
                FailedCount = reader.GetInt32(9),
            });
        }

        return runs;
    }

    private static string DescribeAmbiguous(string prefix, List<RunInfo> matches)
    {
        var shown = string.Join(", ", matches.Take(AmbiguousIdsShown).Select(r => r.Id));
        var more = matches.Count > AmbiguousIdsShown ? $" and {matches.Count - AmbiguousIdsShown} more" : "";
        return $"run id prefix '{prefix}' matches {matches.Count} runs ({shown}{more}); give more characters";
    }
}
