using System.Globalization;
using System.Text.Json.Nodes;
using Sandbench.Core.Storage;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>Community metrics of repositories: a table, or seed 004's JSON object per repository.</summary>
internal static class CommunityView
{
    /// <summary>One column per repository, one row per metric, so several projects compare side by side in a terminal.</summary>
    public static void Print(IReadOnlyList<CommunityRecord> repositories)
    {
        var table = new Table().Title("community (GitHub)");
        table.AddColumn("metric");
        foreach (var r in repositories) table.AddColumn(new TableColumn(Markup.Escape($"{r.Owner}/{r.Repo}")) { Alignment = Justify.Right });
        void Row(string metric, Func<CommunityRecord, string> cell) => table.AddRow([metric, .. repositories.Select(r => Markup.Escape(cell(r)))]);
        Row("stars", r => N(r.Stars));
        Row("forks", r => N(r.Forks));
        Row("pull requests open", r => N(r.OpenPullRequests));
        Row("pull requests closed (merged)", r => $"{N(r.ClosedPullRequests)} ({N(r.MergedPullRequests)})");
        Row("comments per pull request", r => Avg(r.AvgCommentsPerPullRequest));
        Row("commits per pull request", r => Avg(r.AvgCommitsPerPullRequest));
        Row("issues open", r => N(r.OpenIssues));
        Row("issues closed", r => N(r.ClosedIssues));
        Row("comments per issue", r => Avg(r.AvgCommentsPerIssue));
        Row("README", r => r.Documentation.Readme ?? "–");
        Row("CONTRIBUTING", r => r.Documentation.Contributing ?? "–");
        Row("CODE_OF_CONDUCT", r => r.Documentation.CodeOfConduct ?? "–");
        Row("LICENSE", r => r.Documentation.License ?? "–");
        Row("SECURITY", r => r.Documentation.SecurityPolicy ?? "–");
        Row("collected (UTC)", r => r.CollectedUtc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        Row("collection took", r => (r.CollectionNs / 1e9).ToString("0.0 s", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
    }

    /// <summary>One repository in seed 004's shape (its field names), with the merged pull requests and the health files added.</summary>
    public static JsonObject Seed(CommunityRecord r) => new()
    {
        ["owner"] = r.Owner,
        ["repo"] = r.Repo,
        ["star_number"] = r.Stars,
        ["fork_number"] = r.Forks,
        ["pull_requests_info"] = new JsonObject
        {
            ["open_pull_request_number"] = r.OpenPullRequests,
            ["closed_pull_request_number"] = r.ClosedPullRequests,
            ["merged_pull_request_number"] = r.MergedPullRequests,
            ["average_comments_per_pull_request"] = r.AvgCommentsPerPullRequest,
            ["average_commits_per_pull_request"] = r.AvgCommitsPerPullRequest,
        },
        ["issues_info"] = new JsonObject
        {
            ["open_issues_number"] = r.OpenIssues,
            ["closed_issues_number"] = r.ClosedIssues,
            ["average_comments_per_issue"] = r.AvgCommentsPerIssue,
        },
        ["community_documentation"] = new JsonObject
        {
            ["readme"] = r.Documentation.Readme,
            ["contributing"] = r.Documentation.Contributing,
            ["code_of_conduct"] = r.Documentation.CodeOfConduct,
            ["license"] = r.Documentation.License,
            ["security_policy"] = r.Documentation.SecurityPolicy,
        },
        ["collected_on"] = r.CollectedUtc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>Two collections side by side: per repository and metric, run A's value, run B's and the change.</summary>
    public static void PrintComparison(RunInfo a, IReadOnlyList<CommunityRecord> rowsA, RunInfo b, IReadOnlyList<CommunityRecord> rowsB, bool json)
    {
        var repos = rowsA.Concat(rowsB).Select(r => $"{r.Owner}/{r.Repo}").Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        CommunityRecord? Find(IReadOnlyList<CommunityRecord> rows, string repo) =>
            rows.FirstOrDefault(r => $"{r.Owner}/{r.Repo}".Equals(repo, StringComparison.OrdinalIgnoreCase));
        if (json)
        {
            Console.WriteLine(new JsonArray([.. repos.Select(repo => (JsonNode)new JsonObject
            {
                ["repository"] = repo,
                ["a"] = new JsonObject { ["run"] = a.Id, ["metrics"] = Find(rowsA, repo) is { } x ? Seed(x) : null },
                ["b"] = new JsonObject { ["run"] = b.Id, ["metrics"] = Find(rowsB, repo) is { } y ? Seed(y) : null },
            })]).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        var table = new Table().Title(Markup.Escape($"community: run {a.Id} → run {b.Id} (value in A → value in B, change)"));
        table.AddColumn("metric");
        foreach (var repo in repos) table.AddColumn(new TableColumn(Markup.Escape(repo)) { Alignment = Justify.Right });
        void Row(string metric, Func<CommunityRecord, double?> value, string format)
        {
            table.AddRow([metric, .. repos.Select(repo =>
            {
                double? va = Find(rowsA, repo) is { } x ? value(x) : null, vb = Find(rowsB, repo) is { } y ? value(y) : null;
                string F(double? v) => v is { } d ? d.ToString(format, CultureInfo.InvariantCulture) : "–";
                return Markup.Escape(va is { } p && vb is { } q ? $"{F(p)} → {F(q)} ({(q - p >= 0 ? "+" : "")}{F(q - p)})" : $"{F(va)} → {F(vb)}");
            })]);
        }
        Row("stars", r => r.Stars, "0");
        Row("forks", r => r.Forks, "0");
        Row("pull requests open", r => r.OpenPullRequests, "0");
        Row("pull requests closed", r => r.ClosedPullRequests, "0");
        Row("pull requests merged", r => r.MergedPullRequests, "0");
        Row("comments per pull request", r => r.AvgCommentsPerPullRequest, "0.00");
        Row("commits per pull request", r => r.AvgCommitsPerPullRequest, "0.00");
        Row("issues open", r => r.OpenIssues, "0");
        Row("issues closed", r => r.ClosedIssues, "0");
        Row("comments per issue", r => r.AvgCommentsPerIssue, "0.00");
        table.AddRow(["collected (UTC)", .. repos.Select(repo => Markup.Escape(
            $"{(Find(rowsA, repo) is { } x ? Utc(x.CollectedUtc) : "–")} → {(Find(rowsB, repo) is { } y ? Utc(y.CollectedUtc) : "–")}"))]);
        AnsiConsole.Write(table);
    }

    private static string Utc(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Avg(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";
}
