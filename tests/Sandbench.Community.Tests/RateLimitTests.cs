using System.Globalization;

namespace Sandbench.Community.Tests;

public sealed class RateLimitTests
{
    private static readonly DateTimeOffset ResetAt = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task QueryAsync_BudgetSpent_WaitsUntilResetAtBeforeTheNextQueryAndSaysSo()
    {
        // The first page leaves 0 points (rateLimit.remaining) with a reset at 10:00; the clock says 09:00.
        await using var h = new Harness(r => (r.OperationName, r.After) is ("PullRequests", null) ? FakeGitHub.Ok("budget-spent") : FakeGitHub.Osv(r));
        var c = await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        var notice = Assert.Single(h.Notices);
        Assert.Equal("GitHub rate limit: 0 points left (a query costs 1) until it resets at 10:00:00 UTC: waiting 3600 s, until 10:00:00 UTC", notice);
        // Requests: Repository, PullRequests (spends the budget), then the next page only after the reset.
        Assert.True(h.RequestTimes[1] < ResetAt);
        Assert.True(h.RequestTimes[2] >= ResetAt);
        Assert.Equal(5, c.PullRequestsAveraged);
    }

    [Fact]
    public async Task QueryAsync_SecondaryLimitWithRetryAfter_WaitsThatLongThenRetries()
    {
        int calls = 0;
        await using var h = new Harness(r => Interlocked.Increment(ref calls) == 1
            ? new FakeResponse(403, FakeGitHub.Recorded("secondary-limit"), new Dictionary<string, string> { ["Retry-After"] = "90" })
            : FakeGitHub.Osv(r));
        var c = await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        Assert.Equal(3910, c.Stars);
        Assert.Equal("GitHub secondary rate limit (HTTP 403, Retry-After 90 s): waiting 90 s, until 09:01:30 UTC", Assert.Single(h.Notices));
        Assert.Equal(("Repository", "Repository"), (h.Fake.Requests.ElementAt(0).OperationName, h.Fake.Requests.ElementAt(1).OperationName));
    }

    [Fact]
    public async Task QueryAsync_SecondaryLimitWithoutRetryAfter_WaitsAMinuteThenLonger()
    {
        int calls = 0;
        await using var h = new Harness(r => Interlocked.Increment(ref calls) <= 2
            ? new FakeResponse(403, FakeGitHub.Recorded("secondary-limit"))
            : FakeGitHub.Osv(r));
        await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        Assert.Equal(2, h.Notices.Count);
        Assert.Contains("no Retry-After: You have exceeded a secondary rate limit", h.Notices[0], StringComparison.Ordinal);
        Assert.EndsWith("waiting 60 s, until 09:01:00 UTC", h.Notices[0], StringComparison.Ordinal);
        Assert.Contains("waiting 120 s", h.Notices[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAsync_RateLimitedErrorWithResetHeader_WaitsUntilTheReset()
    {
        var reset = new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero);
        int calls = 0;
        await using var h = new Harness(r => Interlocked.Increment(ref calls) == 1
            ? new FakeResponse(200, FakeGitHub.Recorded("rate-limited"), new Dictionary<string, string>
            {
                ["x-ratelimit-remaining"] = "0",
                ["x-ratelimit-reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            })
            : FakeGitHub.Osv(r));
        await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        Assert.Equal("GitHub rate limit exhausted (RATE_LIMITED) until 09:30:00 UTC: waiting 1800 s, until 09:30:00 UTC", Assert.Single(h.Notices));
        Assert.True(h.RequestTimes[1] >= reset);
    }

    [Fact]
    public async Task QueryAsync_Primary403WithRemainingZero_WaitsUntilTheResetHeader()
    {
        var reset = new DateTimeOffset(2026, 11, 23, 9, 10, 0, TimeSpan.Zero);
        int calls = 0;
        await using var h = new Harness(r => Interlocked.Increment(ref calls) == 1
            ? new FakeResponse(403, """{"message":"API rate limit exceeded for user ID 1."}""", new Dictionary<string, string>
            {
                ["x-ratelimit-remaining"] = "0",
                ["x-ratelimit-reset"] = reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            })
            : FakeGitHub.Osv(r));
        await h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken);

        Assert.Equal("GitHub rate limit exhausted (HTTP 403) until 09:10:00 UTC: waiting 600 s, until 09:10:00 UTC", Assert.Single(h.Notices));
    }

    [Fact]
    public async Task QueryAsync_LimitThatNeverLifts_GivesUpAfterTheAllowedWaits()
    {
        await using var h = new Harness(_ => new FakeResponse(429, FakeGitHub.Recorded("secondary-limit"), new Dictionary<string, string> { ["Retry-After"] = "5" }));
        var e = await Assert.ThrowsAsync<GitHubException>(() => h.Collector.CollectAsync(Harness.Osv, TestContext.Current.CancellationToken));

        Assert.Equal(GitHubFailure.RateLimited, e.Failure);
        Assert.True(e.StopsCollection);
        Assert.Equal(5, h.Notices.Count);
        Assert.Equal(6, h.Fake.Requests.Count);
        Assert.Equal("GitHub secondary rate limit (HTTP 429, Retry-After 5 s); gave up after 5 waits", e.Message);
    }
}
