using Microsoft.Data.Sqlite;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>A trial's encoded histograms and per-second series.</summary>
public sealed partial class SqliteResultStore
{
    private void InsertHistograms(SqliteTransaction tx, long trialId, IReadOnlyDictionary<string, byte[]> histograms)
    {
        if (histograms.Count == 0) return;
        using var insert = Command(tx, "INSERT INTO histograms (trial_id, metric, data) VALUES ($trial_id, $metric, $data);");
        insert.Parameters.AddWithValue("$trial_id", trialId);
        var metric = insert.Parameters.Add("$metric", SqliteType.Text);
        var data = insert.Parameters.Add("$data", SqliteType.Blob);
        foreach (var (m, bytes) in histograms)
        {
            metric.Value = m;
            data.Value = bytes;
            insert.ExecuteNonQuery();
        }
    }

    private void InsertSeries(SqliteTransaction tx, long trialId, IReadOnlyList<SeriesPoint> series)
    {
        if (series.Count == 0) return;
        using var insert = Command(tx, "INSERT INTO series (trial_id, metric, second, value) VALUES ($trial_id, $metric, $second, $value);");
        insert.Parameters.AddWithValue("$trial_id", trialId);
        var metric = insert.Parameters.Add("$metric", SqliteType.Text);
        var second = insert.Parameters.Add("$second", SqliteType.Integer);
        var value = insert.Parameters.Add("$value", SqliteType.Real);
        foreach (var p in series)
        {
            metric.Value = p.Metric;
            second.Value = p.Second;
            value.Value = p.Value;
            insert.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<SeriesPoint> Series(long trialId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, "SELECT metric, second, value FROM series WHERE trial_id = $id ORDER BY metric, second;");
            query.Parameters.AddWithValue("$id", trialId);
            using var reader = query.ExecuteReader();
            var list = new List<SeriesPoint>();
            while (reader.Read()) list.Add(new SeriesPoint(reader.GetString(0), reader.GetInt32(1), reader.GetDouble(2)));
            return list;
        }
    }

    public byte[]? Histogram(long trialId, string metric)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, "SELECT data FROM histograms WHERE trial_id = $id AND metric = $metric;");
            query.Parameters.AddWithValue("$id", trialId);
            query.Parameters.AddWithValue("$metric", metric);
            return query.ExecuteScalar() as byte[];
        }
    }
}
