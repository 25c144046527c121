using System.Text.Json;
using Sandbench.Core.Storage;

namespace Sandbench.Community;

/// <summary>
/// Collects seed 004's community metrics of one repository: counts and documentation in one query, then every page
/// of pull requests and of issues (cursor pagination) for the per-item averages.
/// </summary>
public sealed class CommunityCollector(GitHubGraphQl api, TimeProvider time, Action<string> progress)
{
    public async Task<CommunityRecord> CollectAsync(RepositoryRef repo, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(repo);
        long start = time.GetTimestamp();
        var variables = new Dictionary<string, object?> { ["owner"] = repo.Owner, ["name"] = repo.Name };
        JsonElement r;
        try
        {
            var data = await api.QueryAsync(Queries.RepositoryName, Queries.Repository, variables, ct).ConfigureAwait(false);
            r = data.GetProperty("repository");
        }
        catch (GitHubException e) when (e.Failure == GitHubFailure.NotFound)
        {
            throw new GitHubException(GitHubFailure.NotFound, $"{repo}: no such repository on GitHub, or the token cannot see it ({e.Message})");
        }
        if (r.ValueKind != JsonValueKind.Object)
            throw new GitHubException(GitHubFailure.NotFound, $"{repo}: no such repository on GitHub, or the token cannot see it");

        var owner = r.GetProperty("owner").GetProperty("login").GetString()!;
        var name = r.GetProperty("name").GetString()!;
        var prs = await PageAsync(repo, "pullRequests", "pull requests", Queries.PullRequestsName, Queries.PullRequests, true, ct).ConfigureAwait(false);
        var issues = await PageAsync(repo, "issues", "issues", Queries.IssuesName, Queries.Issues, false, ct).ConfigureAwait(false);

        return new CommunityRecord(owner, name,
            r.GetProperty("stargazerCount").GetInt64(), r.GetProperty("forkCount").GetInt64(),
            Count(r, "openPullRequests"), Count(r, "closedPullRequests"), Count(r, "mergedPullRequests"),
            prs.Average(prs.Comments), prs.Average(prs.Commits), prs.Items,
            Count(r, "openIssues"), Count(r, "closedIssues"),
            issues.Average(issues.Comments), issues.Items,
            Documentation(r), time.GetUtcNow(), (long)time.GetElapsedTime(start).TotalNanoseconds);
    }

    private async Task<Tally> PageAsync(RepositoryRef repo, string connection, string what, string operation, string query, bool commits, CancellationToken ct)
    {
        var tally = new Tally();
        string? after = null;
        for (int page = 1; ; page++)
        {
            var variables = new Dictionary<string, object?> { ["owner"] = repo.Owner, ["name"] = repo.Name, ["after"] = after };
            var data = await api.QueryAsync(operation, query, variables, ct).ConfigureAwait(false);
            var r = data.GetProperty("repository");
            if (r.ValueKind != JsonValueKind.Object)
                throw new GitHubException(GitHubFailure.NotFound, $"{repo}: the repository disappeared while its {what} were paged through");
            var c = r.GetProperty(connection);
            foreach (var node in c.GetProperty("nodes").EnumerateArray())
            {
                if (node.ValueKind != JsonValueKind.Object) continue; // GitHub gives null for an item it cannot show
                tally.Items++;
                tally.Comments += node.GetProperty("comments").GetProperty("totalCount").GetInt64();
                if (commits) tally.Commits += node.GetProperty("commits").GetProperty("totalCount").GetInt64();
            }
            progress($"{repo}: {what} {tally.Items}/{c.GetProperty("totalCount").GetInt64()} (page {page})");
            var info = c.GetProperty("pageInfo");
            if (!info.GetProperty("hasNextPage").GetBoolean()) return tally;
            string? next = info.GetProperty("endCursor").GetString();
            if (next is null || next == after)
                throw new GitHubException(GitHubFailure.Protocol, $"{repo}: GitHub said more {what} follow but gave no new cursor (page {page})");
            after = next;
        }
    }

    private static long Count(JsonElement repository, string alias) => repository.GetProperty(alias).GetProperty("totalCount").GetInt64();

    /// <summary>The health files: GitHub's own detection first, else a file of that name at the top of the default branch.</summary>
    internal static CommunityDocumentation Documentation(JsonElement r)
    {
        var top = r.TryGetProperty("top", out var t) && t.ValueKind == JsonValueKind.Object && t.TryGetProperty("entries", out var e) && e.ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().Where(x => x.GetProperty("type").GetString() == "blob").Select(x => x.GetProperty("name").GetString()!).ToList()
            : [];
        string? File(params string[] stems) => top.Where(n => stems.Any(s =>
            Path.GetFileNameWithoutExtension(n).Equals(s, StringComparison.OrdinalIgnoreCase) || n.Equals(s, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal).FirstOrDefault();
        string? Str(string obj, string prop) => r.TryGetProperty(obj, out var o) && o.ValueKind == JsonValueKind.Object
            && o.TryGetProperty(prop, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        bool Has(string obj) => r.TryGetProperty(obj, out var o) && o.ValueKind == JsonValueKind.Object;

        string? readme = File("README");
        string? contributing = File("CONTRIBUTING") ?? (Has("contributingGuidelines") ? "CONTRIBUTING" : null);
        string? conduct = Str("codeOfConduct", "name") ?? File("CODE_OF_CONDUCT", "CODE-OF-CONDUCT");
        string? license = Str("licenseInfo", "spdxId") ?? Str("licenseInfo", "name") ?? File("LICENSE", "LICENCE", "COPYING");
        string? security = File("SECURITY")
            ?? (r.TryGetProperty("isSecurityPolicyEnabled", out var s) && s.ValueKind == JsonValueKind.True ? "SECURITY" : null);
        return new CommunityDocumentation(readme, contributing, conduct, license, security);
    }

    private sealed class Tally
    {
        public long Items;
        public long Comments;
        public long Commits;

        public double? Average(long sum) => Items == 0 ? null : (double)sum / Items;
    }
}
