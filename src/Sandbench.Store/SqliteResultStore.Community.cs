using System.Text.Json;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>GitHub community metrics of repositories, with the run that collected them.</summary>
public sealed partial class SqliteResultStore : ICommunityStore
{
    private static readonly string[] CommunityColumns = ["$owner", "$repo", "$stars", "$forks", "$open_pull_requests", "$closed_pull_requests",
        "$merged_pull_requests", "$avg_comments_per_pull_request", "$avg_commits_per_pull_request", "$pull_requests_averaged", "$open_issues",
        "$closed_issues", "$avg_comments_per_issue", "$issues_averaged", "$documentation", "$collected_utc", "$collection_ns"];

    public void AppendCommunity(string runId, IReadOnlyList<CommunityRecord> repositories)
    {
        ArgumentNullException.ThrowIfNull(repositories);
        if (repositories.Count == 0) return;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var tx = _connection.BeginTransaction(deferred: false);
            using var insert = Command(tx, $"""
                INSERT INTO community (run_id, {string.Join(", ", CommunityColumns.Select(c => c[1..]))})
                VALUES ($run_id, {string.Join(", ", CommunityColumns)});
                """);
            insert.Parameters.AddWithValue("$run_id", runId);
            var p = CommunityColumns.ToDictionary(n => n, n => insert.Parameters.AddWithValue(n, DBNull.Value));
            foreach (var c in repositories)
            {
                p["$owner"].Value = c.Owner;
                p["$repo"].Value = c.Repo;
                p["$stars"].Value = c.Stars;
                p["$forks"].Value = c.Forks;
                p["$open_pull_requests"].Value = c.OpenPullRequests;
                p["$closed_pull_requests"].Value = c.ClosedPullRequests;
                p["$merged_pull_requests"].Value = c.MergedPullRequests;
                p["$avg_comments_per_pull_request"].Value = (object?)c.AvgCommentsPerPullRequest ?? DBNull.Value;
                p["$avg_commits_per_pull_request"].Value = (object?)c.AvgCommitsPerPullRequest ?? DBNull.Value;
                p["$pull_requests_averaged"].Value = c.PullRequestsAveraged;
                p["$open_issues"].Value = c.OpenIssues;
                p["$closed_issues"].Value = c.ClosedIssues;
                p["$avg_comments_per_issue"].Value = (object?)c.AvgCommentsPerIssue ?? DBNull.Value;
                p["$issues_averaged"].Value = c.IssuesAveraged;
                p["$documentation"].Value = JsonSerializer.Serialize(c.Documentation);
                p["$collected_utc"].Value = Codec.Timestamp(c.CollectedUtc);
                p["$collection_ns"].Value = c.CollectionNs;
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public IReadOnlyList<CommunityRecord> Community(string runId)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var query = Command(null, $"SELECT {string.Join(", ", CommunityColumns.Select(c => c[1..]))} FROM community WHERE run_id = $id ORDER BY rowid;");
            query.Parameters.AddWithValue("$id", runId);
            using var r = query.ExecuteReader();
            var list = new List<CommunityRecord>();
            double? Real(int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
            while (r.Read())
            {
                var documentation = JsonSerializer.Deserialize<CommunityDocumentation>(r.GetString(14))
                    ?? throw new InvalidDataException($"community documentation is not a JSON object: {r.GetString(14)}");
                list.Add(new CommunityRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6),
                    Real(7), Real(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), Real(12), r.GetInt64(13), documentation,
                    Codec.Timestamp(r.GetString(15)), r.GetInt64(16)));
            }
            return list;
        }
    }
}
