using System.Globalization;
using System.Text;
using Sandbench.Core.Storage;
using static Sandbench.Report.Html.HtmlReport;

namespace Sandbench.Report.Html;

/// <summary>The community metrics of a run's repositories, as <c>sandbench community</c> and <c>show</c> print them.</summary>
internal static class HtmlCommunityTable
{
    public static void Write(StringBuilder h, IReadOnlyList<CommunityRecord> repositories, string of)
    {
        HtmlTables.Table(h, "community (GitHub): pull requests and issues of every state; averages over every one paged through" + of,
            ["repository", "stars", "forks", "PRs open", "PRs closed (merged)", "comments/PR", "commits/PR", "issues open", "issues closed", "comments/issue",
                "documentation", "collected (UTC)"],
            repositories.Select(r => new[]
            {
                $"{r.Owner}/{r.Repo}", N(r.Stars), N(r.Forks), N(r.OpenPullRequests), $"{N(r.ClosedPullRequests)} ({N(r.MergedPullRequests)})",
                Avg(r.AvgCommentsPerPullRequest), Avg(r.AvgCommitsPerPullRequest), N(r.OpenIssues), N(r.ClosedIssues), Avg(r.AvgCommentsPerIssue),
                r.Documentation.Summary(), Inv($"{r.CollectedUtc.ToUniversalTime():yyyy-MM-dd HH:mm:ss}"),
            }), numeric: [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Avg(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";
}
