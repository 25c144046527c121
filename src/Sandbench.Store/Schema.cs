using Microsoft.Data.Sqlite;
using Sandbench.Core;

namespace Sandbench.Store;

/// <summary>The schema as an ordered list of migrations; <c>PRAGMA user_version</c> records how many are applied.</summary>
internal static class Schema
{
    /// <summary>Step N (1-based) brings a database from version N-1 to N. Append only; never edit a released step.</summary>
    private static readonly string[] Steps =
    [
        // v1: DESIGN §5. Timestamps are UTC ISO-8601 ("O") text, so text order is time order.
        """
        CREATE TABLE runs (
            id           TEXT PRIMARY KEY NOT NULL,
            plan_name    TEXT NOT NULL,
            plan_hash    TEXT NOT NULL,
            plan_text    TEXT NOT NULL,
            started_utc  TEXT NOT NULL,
            finished_utc TEXT NULL,
            status       TEXT NOT NULL,
            tool_version TEXT NOT NULL
        );
        CREATE TABLE environment (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            key    TEXT NOT NULL,
            value  TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
        );
        CREATE TABLE trials (
            id                      INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id                  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            experiment              TEXT NOT NULL,
            runtime                 TEXT NOT NULL,
            workload                TEXT NOT NULL,
            parameters              TEXT NOT NULL,
            iteration               INTEGER NOT NULL,
            warmup                  INTEGER NOT NULL CHECK (warmup IN (0, 1)),
            status                  TEXT NOT NULL,
            error                   TEXT NULL,
            readiness               TEXT NOT NULL,
            readiness_resolution_ns INTEGER NOT NULL,
            started_utc             TEXT NOT NULL,
            origin_ns               INTEGER NOT NULL
        );
        CREATE TABLE phases (
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            name     TEXT NOT NULL,
            t_ns     INTEGER NOT NULL,
            PRIMARY KEY (trial_id, name)
        );
        CREATE TABLE samples (
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            metric   TEXT NOT NULL,
            value    REAL NOT NULL
        );
        CREATE TABLE histograms (
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            metric   TEXT NOT NULL,
            data     BLOB NOT NULL,
            PRIMARY KEY (trial_id, metric)
        );
        CREATE TABLE resources (
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            t_ns     INTEGER NOT NULL,
            pid      INTEGER NOT NULL,
            rss      INTEGER NULL,
            pss      INTEGER NULL,
            cpu_ns   INTEGER NULL
        );
        CREATE INDEX ix_trials_run_id ON trials(run_id);
        -- No separate index on phases(trial_id): its primary key already starts with trial_id.
        CREATE INDEX ix_samples_trial_id ON samples(trial_id);
        CREATE INDEX ix_resources_trial_id ON resources(trial_id);
        """,
        // v2: the resident part of a VM's guest RAM mapping, so VMM overhead can exclude it (as Firecracker measures).
        """
        ALTER TABLE resources ADD COLUMN guest_rss INTEGER NULL;
        """,
        // v3: the host sampled every second during a run (CPU per core, memory, load), joined to trials by time.
        """
        CREATE TABLE host_metrics (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            t_ns   INTEGER NOT NULL,
            metric TEXT NOT NULL,
            value  REAL NOT NULL
        );
        CREATE INDEX ix_host_metrics_run_id ON host_metrics(run_id, t_ns);
        """,
        // v4 (warm): a load window's per-second series. Its latency histograms go in 'histograms' (HdrHistogram V2 compressed).
        """
        CREATE TABLE load_seconds (
            trial_id  INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            second    INTEGER NOT NULL,
            completed INTEGER NOT NULL,
            errors    INTEGER NOT NULL,
            late      INTEGER NOT NULL,
            dropped   INTEGER NOT NULL,
            p50_ns    INTEGER NULL,
            p99_ns    INTEGER NULL,
            PRIMARY KEY (trial_id, second)
        );
        """,
        // v5 (eventing): per-second series of a trial by metric (e.g. events a CloudEvents sink received each second and their latency).
        """
        CREATE TABLE series (
            trial_id INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
            metric   TEXT NOT NULL,
            second   INTEGER NOT NULL,
            value    REAL NOT NULL,
            PRIMARY KEY (trial_id, metric, second)
        );
        """,
        // v6: the local gateway: every request it handled and every sandbox it started, with the run.
        // Times are monotonic nanoseconds (absolute, like host_metrics.t_ns) or durations in nanoseconds.
        """
        CREATE TABLE gateway_requests (
            run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            service       TEXT NOT NULL,
            arrival_ns    INTEGER NOT NULL,
            method        TEXT NOT NULL,
            path          TEXT NOT NULL,
            sandbox       TEXT NULL,
            cold          INTEGER NOT NULL CHECK (cold IN (0, 1)),
            wait_ns       INTEGER NOT NULL,
            upstream_ns   INTEGER NULL,
            total_ns      INTEGER NOT NULL,
            forwarded_ns  INTEGER NULL,
            first_byte_ns INTEGER NULL,
            status        INTEGER NOT NULL,
            error         TEXT NULL
        );
        CREATE INDEX ix_gateway_requests_run_id ON gateway_requests(run_id, arrival_ns);
        CREATE TABLE gateway_sandboxes (
            run_id                  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            name                    TEXT NOT NULL,
            service                 TEXT NOT NULL,
            runtime                 TEXT NOT NULL,
            start_ns                INTEGER NOT NULL,
            ready_ns                INTEGER NULL,
            stopped_ns              INTEGER NOT NULL,
            stop_reason             TEXT NOT NULL,
            error                   TEXT NULL,
            requests                INTEGER NOT NULL,
            phases                  TEXT NOT NULL,
            readiness               TEXT NOT NULL,
            readiness_resolution_ns INTEGER NOT NULL,
            PRIMARY KEY (run_id, name)
        );
        """,
        // community: GitHub community metrics of repositories (seed 004), one row per repository per run.
        // collected_utc is UTC ISO-8601 ("O"); documentation is a JSON object of the health files found.
        """
        CREATE TABLE community (
            run_id                        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            owner                         TEXT NOT NULL,
            repo                          TEXT NOT NULL,
            stars                         INTEGER NOT NULL,
            forks                         INTEGER NOT NULL,
            open_pull_requests            INTEGER NOT NULL,
            closed_pull_requests          INTEGER NOT NULL,
            merged_pull_requests          INTEGER NOT NULL,
            avg_comments_per_pull_request REAL NULL,
            avg_commits_per_pull_request  REAL NULL,
            pull_requests_averaged        INTEGER NOT NULL,
            open_issues                   INTEGER NOT NULL,
            closed_issues                 INTEGER NOT NULL,
            avg_comments_per_issue        REAL NULL,
            issues_averaged               INTEGER NOT NULL,
            documentation                 TEXT NOT NULL,
            collected_utc                 TEXT NOT NULL,
            collection_ns                 INTEGER NOT NULL,
            PRIMARY KEY (run_id, owner, repo)
        );
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int LatestVersion => Steps.Length;

    /// <summary>Brings the database up to <see cref="LatestVersion"/>; refuses one written by a newer build.</summary>
    public static void Migrate(SqliteConnection connection, string path)
    {
        var version = ReadVersion(connection, null);
        ThrowIfNewer(version, path);
        while (version < LatestVersion)
        {
            // IMMEDIATE takes the write lock up front, so two processes opening a fresh file
            // cannot both decide to apply the same step; the loser re-reads the version below.
            using var tx = connection.BeginTransaction(deferred: false);
            version = ReadVersion(connection, tx);
            ThrowIfNewer(version, path);
            if (version < LatestVersion)
            {
                Execute(connection, tx, Steps[version]);
                version++;
                // user_version lives in the file header, so it commits or rolls back with the step.
                Execute(connection, tx, $"PRAGMA user_version = {version};");
            }

            tx.Commit();
        }
    }

    internal static int ReadVersion(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void ThrowIfNewer(int version, string path)
    {
        if (version > LatestVersion)
        {
            throw new SandbenchException(
                $"{path}: the database has schema version {version}, newer than this sandbench ({LatestVersion}); upgrade sandbench");
        }
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
