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

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Avg(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";
}
