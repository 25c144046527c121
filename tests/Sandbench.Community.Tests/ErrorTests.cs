namespace Sandbench.Community.Tests;

public sealed class ErrorTests
{
    [Fact]
    public async Task QueryAsync_BadToken_UnauthorizedInOneLine()
    {
        await using var h = new Harness(_ => new FakeResponse(401, FakeGitHub.Recorded("bad-credentials")));
        var e = await Assert.ThrowsAsync<GitHubException>(() => h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken));

        Assert.Equal(GitHubFailure.Unauthorized, e.Failure);
        Assert.True(e.StopsCollection);
        Assert.Equal("GitHub refused the token (HTTP 401: Bad credentials): check GITHUB_TOKEN", e.Message);
    }

    [Fact]
    public async Task QueryAsync_ServerEchoesTheToken_MessageHoldsNoToken()
    {
        await using var h = new Harness(_ => new FakeResponse(400, $$"""{"message":"Problems parsing token '{{Harness.Token}}'\nsee docs"}"""));
        var e = await Assert.ThrowsAsync<GitHubException>(() => h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken));

        Assert.DoesNotContain(Harness.Token, e.Message, StringComparison.Ordinal);
        Assert.Equal("GitHub answered HTTP 400: Problems parsing token '[GITHUB_TOKEN]' see docs", e.Message);
    }

    [Fact]
    public async Task QueryAsync_ServerError_RetriedAfterAWaitThenSucceeds()
    {
        int calls = 0;
        await using var h = new Harness(r => Interlocked.Increment(ref calls) == 1 ? new FakeResponse(502, "<html>Bad Gateway</html>") : FakeGitHub.Osv(r));
        var c = await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        Assert.Equal(3910, c.Stars);
        Assert.Equal("GitHub answered HTTP 502 (<html>Bad Gateway</html>): waiting 1 s, until 09:00:01 UTC", Assert.Single(h.Notices));
    }

    [Fact]
    public async Task QueryAsync_NotJson_ProtocolErrorNamingTheEndpoint()
    {
        await using var h = new Harness(_ => new FakeResponse(200, "<html>captive portal</html>"));
        var e = await Assert.ThrowsAsync<GitHubException>(() => h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken));

        Assert.Equal(GitHubFailure.Protocol, e.Failure);
        Assert.Equal($"{h.Fake.Endpoint} did not answer with JSON (HTTP 200: <html>captive portal</html>)", e.Message);
    }

    [Fact]
    public async Task QueryAsync_NobodyListening_UnavailableAndStops()
    {
        using var http = new HttpClient();
        var dead = new Uri("http://127.0.0.1:9/graphql");
        var api = new GitHubGraphQl(http, dead, Harness.Token, TimeProvider.System, _ => { });
        var e = await Assert.ThrowsAsync<GitHubException>(() => new CommunityCollector(api, TimeProvider.System, _ => { })
            .CollectAsync(Harness.Osv, TestContext.Current.CancellationToken));

        Assert.Equal(GitHubFailure.Unavailable, e.Failure);
        Assert.StartsWith("cannot reach http://127.0.0.1:9/graphql: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CollectAsync_MissingThenPresent_CollectsTheOtherAndReportsTheMissing()
    {
        await using var h = new Harness(r => r.Variables.GetProperty("name").GetString() == "nonexistent" ? FakeGitHub.Ok("not-found") : FakeGitHub.Osv(r));
        var outcome = await CommunityRun.CollectAsync(h.Collector, [new("cloudius-systems", "nonexistent"), Harness.Osv], _ => { },
            TestContext.Current.CancellationToken);

        Assert.Equal("osv", Assert.Single(outcome.Collected).Repo);
        Assert.StartsWith("cloudius-systems/nonexistent: no such repository on GitHub", Assert.Single(outcome.Problems), StringComparison.Ordinal);
        Assert.Empty(outcome.NotTried);
    }

    [Fact]
    public async Task CollectAsync_BadToken_StopsAtTheFirstRepository()
    {
        await using var h = new Harness(_ => new FakeResponse(401, FakeGitHub.Recorded("bad-credentials")));
        var outcome = await CommunityRun.CollectAsync(h.Collector, [Harness.Osv, new("unikraft", "unikraft")], _ => { }, TestContext.Current.CancellationToken);

        Assert.Empty(outcome.Collected);
        Assert.Equal("cloudius-systems/osv: GitHub refused the token (HTTP 401: Bad credentials): check GITHUB_TOKEN", Assert.Single(outcome.Problems));
        Assert.Equal("unikraft/unikraft", Assert.Single(outcome.NotTried).ToString());
        Assert.Single(h.Fake.Requests);
    }

    [Fact]
    public async Task CollectAsync_TwoNamesOfOneRepository_KeptOnceWithANote()
    {
        await using var h = new Harness(FakeGitHub.Osv);
        var notes = new List<string>();
        var outcome = await CommunityRun.CollectAsync(h.Collector, [Harness.Osv, new("cloudius-systems", "osv-old-name")], _ => { },
            TestContext.Current.CancellationToken, notes.Add);

        Assert.Single(outcome.Collected);
        Assert.Empty(outcome.Problems);
        Assert.Equal("cloudius-systems/osv-old-name is cloudius-systems/osv (renamed or moved), already collected: kept once", Assert.Single(notes));
    }
}
