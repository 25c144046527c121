namespace Sandbench.Community.Tests;

public sealed class CollectorTests
{
    [Fact]
    public async Task CollectAsync_RecordedRepository_GivesTheSeedFieldsWithAveragesOverEveryPage()
    {
        await using var h = new Harness(FakeGitHub.Osv);
        var c = await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        Assert.Equal(("cloudius-systems", "osv"), (c.Owner, c.Repo));
        Assert.Equal((3910L, 604L), (c.Stars, c.Forks));
        Assert.Equal((1L, 4L, 3L), (c.OpenPullRequests, c.ClosedPullRequests, c.MergedPullRequests));
        Assert.Equal((2L, 3L), (c.OpenIssues, c.ClosedIssues));
        // 5 pull requests over 3 pages: comments 2+0+5+1+3, commits 1+3+2+2+4; 5 issues over 2 pages: comments 4+0+1+2+3.
        Assert.Equal(5, c.PullRequestsAveraged);
        Assert.Equal(11.0 / 5, c.AvgCommentsPerPullRequest);
        Assert.Equal(12.0 / 5, c.AvgCommitsPerPullRequest);
        Assert.Equal(5, c.IssuesAveraged);
        Assert.Equal(10.0 / 5, c.AvgCommentsPerIssue);
        Assert.Equal(new Core.Storage.CommunityDocumentation("README.md", "CONTRIBUTING.md", null, "BSD-3-Clause", null), c.Documentation);
        Assert.Equal(Harness.Now, c.CollectedUtc);
        Assert.Empty(h.Notices);
    }

    [Fact]
    public async Task CollectAsync_Pages_FollowEachEndCursorWithTheTokenAsBearer()
    {
        await using var h = new Harness(FakeGitHub.Osv);
        await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        var sent = h.Fake.Requests.Select(r => (r.OperationName, r.After)).ToList();
        Assert.Equal(
        [
            ("Repository", null), ("PullRequests", null), ("PullRequests", "Y3Vyc29yOnYyOpHOAAAAAg=="), ("PullRequests", "Y3Vyc29yOnYyOpHOAAAABA=="),
            ("Issues", null), ("Issues", "Y3Vyc29yOnYyOpHOAAAAAw=="),
        ], sent);
        Assert.All(h.Fake.Requests, r => Assert.Equal($"bearer {Harness.Token}", r.Authorization));
        Assert.All(h.Fake.Requests, r => Assert.StartsWith("sandbench/", r.UserAgent, StringComparison.Ordinal));
        Assert.All(h.Fake.Requests, r => Assert.Equal("cloudius-systems", r.Variables.GetProperty("owner").GetString()));
        Assert.Contains("cloudius-systems/osv: pull requests 5/5 (page 3)", h.Progress);
        Assert.Contains("cloudius-systems/osv: issues 5/5 (page 2)", h.Progress);
    }

    [Fact]
    public async Task CollectAsync_MissingRepository_FailsWithOneLineNotFound()
    {
        await using var h = new Harness(_ => FakeGitHub.Ok("not-found"));
        var e = await Assert.ThrowsAsync<GitHubException>(() => h.Collector.CollectAsync(new("cloudius-systems", "nonexistent"), TestContext.Current.CancellationToken));

        Assert.Equal(GitHubFailure.NotFound, e.Failure);
        Assert.False(e.StopsCollection);
        Assert.Equal("cloudius-systems/nonexistent: no such repository on GitHub, or the token cannot see it (Could not resolve to a Repository with the name 'cloudius-systems/nonexistent'.)", e.Message);
    }

    [Fact]
    public async Task CollectAsync_CursorThatDoesNotMove_FailsInsteadOfLooping()
    {
        await using var h = new Harness(r => r.OperationName == "PullRequests" ? FakeGitHub.Ok("pulls-1") : FakeGitHub.Osv(r));
        var e = await Assert.ThrowsAsync<GitHubException>(() => h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken));

        Assert.Equal(GitHubFailure.Protocol, e.Failure);
        Assert.Contains("gave no new cursor", e.Message, StringComparison.Ordinal);
    }
}
