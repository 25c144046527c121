namespace Sandbench.Community.Tests;

/// <summary>Against the real GitHub API: runs only when GITHUB_TOKEN is set (and sends nothing otherwise).</summary>
public sealed class LiveTests
{
    [Fact]
    [Trait("Requires", "network")]
    public async Task CollectAsync_RealGitHub_SmallRepositoryHasConsistentCounts()
    {
        string? token = Environment.GetEnvironmentVariable(GitHubEndpoint.TokenVariable);
        if (string.IsNullOrEmpty(token))
        {
            Assert.Skip("GITHUB_TOKEN is not set: the live GitHub test sends no request (set it, with network access, to run it)");
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var notices = new List<string>();
        var api = new GitHubGraphQl(http, GitHubEndpoint.Default, token, TimeProvider.System, notices.Add);
        var c = await new CommunityCollector(api, TimeProvider.System, _ => { })
            .CollectAsync(new RepositoryRef("cloudius-systems", "osv"), TestContext.Current.CancellationToken);

        Assert.Equal("osv", c.Repo);
        Assert.True(c.Stars > 0);
        // Averages are over every pull request and issue paged through: as many as the counts, give or take what changed meanwhile.
        Assert.InRange(c.PullRequestsAveraged, (c.OpenPullRequests + c.ClosedPullRequests) * 9 / 10, (c.OpenPullRequests + c.ClosedPullRequests) * 11 / 10 + 1);
        Assert.InRange(c.IssuesAveraged, (c.OpenIssues + c.ClosedIssues) * 9 / 10, (c.OpenIssues + c.ClosedIssues) * 11 / 10 + 1);
        Assert.NotNull(c.Documentation.Readme);
    }
}
