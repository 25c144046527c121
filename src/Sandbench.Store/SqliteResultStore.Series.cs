using Microsoft.Data.Sqlite;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>A trial's per-second series by metric (the sink's); a load window's own series is in load_seconds.</summary>
public sealed partial class SqliteResultStore
{
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
}
