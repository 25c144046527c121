using System.Globalization;
using System.Text.Json.Nodes;
using Sandbench.Core.Storage;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>Community metrics of repositories: a table, or seed 004's JSON object per repository.</summary>
internal static class CommunityView
{
    public static void Print(IReadOnlyList<CommunityRecord> repositories)
    {
        var table = new Table().Title("community (GitHub): pull requests and issues of every state; averages over every one paged through");
        foreach (var c in new[] { "repository", "stars", "forks", "PRs open", "PRs closed (merged)", "comments/PR", "commits/PR", "issues open", "issues closed",
                     "comments/issue", "documentation", "collected (UTC)" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "repository" or "documentation" or "collected (UTC)" ? Justify.Left : Justify.Right });
        foreach (var r in repositories)
        {
            table.AddRow(Markup.Escape($"{r.Owner}/{r.Repo}"), N(r.Stars), N(r.Forks), N(r.OpenPullRequests), $"{N(r.ClosedPullRequests)} ({N(r.MergedPullRequests)})",
                Avg(r.AvgCommentsPerPullRequest), Avg(r.AvgCommitsPerPullRequest), N(r.OpenIssues), N(r.ClosedIssues), Avg(r.AvgCommentsPerIssue),
                Markup.Escape(r.Documentation.Summary()), r.CollectedUtc.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
        }
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
