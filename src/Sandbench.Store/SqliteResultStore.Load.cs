using Microsoft.Data.Sqlite;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>What a load window leaves: its latency histograms (encoded) and its per-second series.</summary>
public sealed partial class SqliteResultStore
{
    private void InsertLoad(SqliteTransaction tx, long trialId, TrialRecord trial)
    {
        if (trial.Histograms.Count > 0)
        {
            using var insert = Command(tx, "INSERT INTO histograms (trial_id, metric, data) VALUES ($trial_id, $metric, $data);");
            insert.Parameters.AddWithValue("$trial_id", trialId);
            var metric = insert.Parameters.Add("$metric", SqliteType.Text);
            var data = insert.Parameters.Add("$data", SqliteType.Blob);
            foreach (var h in trial.Histograms)
            {
                metric.Value = h.Metric;
                data.Value = h.Data;
                insert.ExecuteNonQuery();
            }
        }
        if (trial.Seconds.Count > 0)
        {
            using var insert = Command(tx, """
                INSERT INTO load_seconds (trial_id, second, completed, errors, late, dropped, p50_ns, p99_ns)
                VALUES ($trial_id, $second, $completed, $errors, $late, $dropped, $p50_ns, $p99_ns);
                """);
            insert.Parameters.AddWithValue("$trial_id", trialId);
            var second = insert.Parameters.Add("$second", SqliteType.Integer);
            var completed = insert.Parameters.Add("$completed", SqliteType.Integer);
            var errors = insert.Parameters.Add("$errors", SqliteType.Integer);
            var late = insert.Parameters.Add("$late", SqliteType.Integer);
            var dropped = insert.Parameters.Add("$dropped", SqliteType.Integer);
            var p50 = insert.Parameters.Add("$p50_ns", SqliteType.Integer);
            var p99 = insert.Parameters.Add("$p99_ns", SqliteType.Integer);
            foreach (var s in trial.Seconds)
            {
                second.Value = s.Second;
                completed.Value = s.Completed;
                errors.Value = s.Errors;
                late.Value = s.Late;
                dropped.Value = s.Dropped;
                p50.Value = (object?)s.P50Ns ?? DBNull.Value;
                p99.Value = (object?)s.P99Ns ?? DBNull.Value;
                insert.ExecuteNonQuery();
            }
        }
    }

    public IReadOnlyList<EncodedHistogram> Histograms(long trialId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, "SELECT metric, data FROM histograms WHERE trial_id = $id ORDER BY metric;");
            query.Parameters.AddWithValue("$id", trialId);
            using var reader = query.ExecuteReader();
            var list = new List<EncodedHistogram>();
            while (reader.Read()) list.Add(new EncodedHistogram(reader.GetString(0), (byte[])reader.GetValue(1)));
            return list;
        }
    }

    public IReadOnlyList<LoadSecond> LoadSeconds(long trialId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, """
                SELECT second, completed, errors, late, dropped, p50_ns, p99_ns FROM load_seconds WHERE trial_id = $id ORDER BY second;
                """);
            query.Parameters.AddWithValue("$id", trialId);
            using var reader = query.ExecuteReader();
            var list = new List<LoadSecond>();
            while (reader.Read())
            {
                list.Add(new LoadSecond(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                    reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
            }
            return list;
        }
    }
}
