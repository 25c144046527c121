using Microsoft.Data.Sqlite;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>Resource samples: memory and CPU of a sandbox's processes over time, one row per process per reading; and the host during a run.</summary>
public sealed partial class SqliteResultStore
{
    private void InsertResources(SqliteTransaction tx, long trialId, IReadOnlyList<ResourceSample> resources)
    {
        if (resources.Count == 0) return;
        using var insert = Command(tx, """
            INSERT INTO resources (trial_id, t_ns, pid, rss, pss, cpu_ns, guest_rss) VALUES ($trial_id, $t_ns, $pid, $rss, $pss, $cpu_ns, $guest_rss);
            """);
        insert.Parameters.AddWithValue("$trial_id", trialId);
        var t = insert.Parameters.Add("$t_ns", SqliteType.Integer);
        var pid = insert.Parameters.Add("$pid", SqliteType.Integer);
        var rss = insert.Parameters.Add("$rss", SqliteType.Integer);
        var pss = insert.Parameters.Add("$pss", SqliteType.Integer);
        var cpu = insert.Parameters.Add("$cpu_ns", SqliteType.Integer);
        var guest = insert.Parameters.Add("$guest_rss", SqliteType.Integer);
        foreach (var r in resources)
        {
            t.Value = r.TNs;
            pid.Value = r.Pid;
            rss.Value = (object?)r.RssBytes ?? DBNull.Value;
            pss.Value = (object?)r.PssBytes ?? DBNull.Value;
            cpu.Value = (object?)r.CpuNs ?? DBNull.Value;
            guest.Value = (object?)r.GuestRssBytes ?? DBNull.Value;
            insert.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<ResourceSample> Resources(long trialId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, "SELECT t_ns, pid, rss, pss, cpu_ns, guest_rss FROM resources WHERE trial_id = $id ORDER BY t_ns, pid;");
            query.Parameters.AddWithValue("$id", trialId);
            using var reader = query.ExecuteReader();
            var list = new List<ResourceSample>();
            while (reader.Read())
            {
                list.Add(new ResourceSample(reader.GetInt64(0), reader.GetInt32(1),
                    reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4))
                {
                    GuestRssBytes = reader.IsDBNull(5) ? null : reader.GetInt64(5),
                });
            }
            return list;
        }
    }

    public void AppendHostMetrics(string runId, IReadOnlyList<HostMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction(deferred: false);
            using var insert = Command(tx, "INSERT INTO host_metrics (run_id, t_ns, metric, value) VALUES ($run_id, $t_ns, $metric, $value);");
            insert.Parameters.AddWithValue("$run_id", runId);
            var t = insert.Parameters.Add("$t_ns", SqliteType.Integer);
            var metric = insert.Parameters.Add("$metric", SqliteType.Text);
            var value = insert.Parameters.Add("$value", SqliteType.Real);
            foreach (var m in metrics)
            {
                t.Value = m.TNs;
                metric.Value = m.Metric;
                value.Value = m.Value;
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public IReadOnlyList<HostMetric> HostMetrics(string runId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, "SELECT t_ns, metric, value FROM host_metrics WHERE run_id = $id ORDER BY t_ns, metric;");
            query.Parameters.AddWithValue("$id", runId);
            using var reader = query.ExecuteReader();
            var list = new List<HostMetric>();
            while (reader.Read()) list.Add(new HostMetric(reader.GetInt64(0), reader.GetString(1), reader.GetDouble(2)));
            return list;
        }
    }
}
