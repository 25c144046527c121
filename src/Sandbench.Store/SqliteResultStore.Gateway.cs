using System.Text.Json;
using Microsoft.Data.Sqlite;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>The local gateway's requests and sandboxes, with the run they belong to.</summary>
public sealed partial class SqliteResultStore : IGatewayStore
{
    private static readonly string[] RequestColumns = ["$service", "$arrival_ns", "$method", "$path", "$sandbox", "$cold", "$wait_ns", "$upstream_ns",
        "$total_ns", "$forwarded_ns", "$first_byte_ns", "$status", "$error"];

    private static readonly string[] SandboxColumns = ["$name", "$service", "$runtime", "$start_ns", "$ready_ns", "$stopped_ns", "$stop_reason", "$error",
        "$requests", "$phases", "$readiness", "$readiness_resolution_ns"];

    public void AppendGatewayRequests(string runId, IReadOnlyList<GatewayRequestRecord> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0) return;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction(deferred: false);
            using var insert = Command(tx, """
                INSERT INTO gateway_requests (run_id, service, arrival_ns, method, path, sandbox, cold, wait_ns, upstream_ns, total_ns,
                                              forwarded_ns, first_byte_ns, status, error)
                VALUES ($run_id, $service, $arrival_ns, $method, $path, $sandbox, $cold, $wait_ns, $upstream_ns, $total_ns,
                        $forwarded_ns, $first_byte_ns, $status, $error);
                """);
            insert.Parameters.AddWithValue("$run_id", runId);
            var p = RequestColumns.ToDictionary(n => n, n => insert.Parameters.AddWithValue(n, DBNull.Value));
            foreach (var r in requests)
            {
                p["$service"].Value = r.Service;
                p["$arrival_ns"].Value = r.ArrivalNs;
                p["$method"].Value = r.Method;
                p["$path"].Value = r.Path;
                p["$sandbox"].Value = (object?)r.Sandbox ?? DBNull.Value;
                p["$cold"].Value = r.Cold ? 1 : 0;
                p["$wait_ns"].Value = r.WaitNs;
                p["$upstream_ns"].Value = (object?)r.UpstreamNs ?? DBNull.Value;
                p["$total_ns"].Value = r.TotalNs;
                p["$forwarded_ns"].Value = (object?)r.ForwardedNs ?? DBNull.Value;
                p["$first_byte_ns"].Value = (object?)r.FirstByteNs ?? DBNull.Value;
                p["$status"].Value = r.Status;
                p["$error"].Value = (object?)r.Error ?? DBNull.Value;
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public void AppendGatewaySandboxes(string runId, IReadOnlyList<GatewaySandboxRecord> sandboxes)
    {
        ArgumentNullException.ThrowIfNull(sandboxes);
        if (sandboxes.Count == 0) return;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction(deferred: false);
            using var insert = Command(tx, """
                INSERT INTO gateway_sandboxes (run_id, name, service, runtime, start_ns, ready_ns, stopped_ns, stop_reason, error, requests,
                                               phases, readiness, readiness_resolution_ns)
                VALUES ($run_id, $name, $service, $runtime, $start_ns, $ready_ns, $stopped_ns, $stop_reason, $error, $requests,
                        $phases, $readiness, $readiness_resolution_ns);
                """);
            insert.Parameters.AddWithValue("$run_id", runId);
            var p = SandboxColumns.ToDictionary(n => n, n => insert.Parameters.AddWithValue(n, DBNull.Value));
            foreach (var s in sandboxes)
            {
                p["$name"].Value = s.Name;
                p["$service"].Value = s.Service;
                p["$runtime"].Value = s.Runtime;
                p["$start_ns"].Value = s.StartNs;
                p["$ready_ns"].Value = (object?)s.ReadyNs ?? DBNull.Value;
                p["$stopped_ns"].Value = s.StoppedNs;
                p["$stop_reason"].Value = s.StopReason;
                p["$error"].Value = (object?)s.Error ?? DBNull.Value;
                p["$requests"].Value = s.Requests;
                p["$phases"].Value = JsonSerializer.Serialize(s.Phases.ToDictionary(x => x.Key, x => x.Value));
                p["$readiness"].Value = s.Readiness;
                p["$readiness_resolution_ns"].Value = s.ReadinessResolutionNs;
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public IReadOnlyList<GatewayRequestRecord> GatewayRequests(string runId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, """
                SELECT service, arrival_ns, method, path, sandbox, cold, wait_ns, upstream_ns, total_ns, forwarded_ns, first_byte_ns, status, error
                FROM gateway_requests WHERE run_id = $id ORDER BY arrival_ns, rowid;
                """);
            query.Parameters.AddWithValue("$id", runId);
            using var r = query.ExecuteReader();
            var list = new List<GatewayRequestRecord>();
            while (r.Read())
            {
                list.Add(new GatewayRequestRecord(r.GetString(0), r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                    r.GetInt64(5) != 0, r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.GetInt64(8), r.GetInt32(11), r.IsDBNull(12) ? null : r.GetString(12))
                {
                    ForwardedNs = r.IsDBNull(9) ? null : r.GetInt64(9),
                    FirstByteNs = r.IsDBNull(10) ? null : r.GetInt64(10),
                });
            }
            return list;
        }
    }

    public IReadOnlyList<GatewaySandboxRecord> GatewaySandboxes(string runId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, """
                SELECT name, service, runtime, start_ns, ready_ns, stopped_ns, stop_reason, error, requests, phases, readiness, readiness_resolution_ns
                FROM gateway_sandboxes WHERE run_id = $id ORDER BY start_ns, name;
                """);
            query.Parameters.AddWithValue("$id", runId);
            using var r = query.ExecuteReader();
            var list = new List<GatewaySandboxRecord>();
            while (r.Read())
            {
                var phases = JsonSerializer.Deserialize<Dictionary<string, long>>(r.GetString(9)) ?? [];
                list.Add(new GatewaySandboxRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.IsDBNull(4) ? null : r.GetInt64(4),
                    r.GetInt64(5), r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetInt32(8),
                    [.. phases.OrderBy(p => p.Value)], r.GetString(10))
                {
                    ReadinessResolutionNs = r.GetInt64(11),
                });
            }
            return list;
        }
    }
}
