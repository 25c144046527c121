using Microsoft.Extensions.Time.Testing;

namespace Sandbench.Community.Tests;

/// <summary>A client and collector pointed at a fake endpoint, on a fake clock that jumps over every wait the client announces.</summary>
public sealed class Harness : IAsyncDisposable
{
    public const string Token = "ghp_T0KEN_must_never_leak_0123456789abcdef";

    public static readonly DateTimeOffset Now = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Harness(Func<FakeRequest, FakeResponse> handler)
    {
        Fake = new FakeGitHub(r =>
        {
            lock (RequestTimes) RequestTimes.Add(Time.GetUtcNow());
            return handler(r);
        });
        // The wait's timer exists before its notice, so advancing the clock here ends the wait without real sleeping.
        Api = new GitHubGraphQl(_http, Fake.Endpoint, Token, Time, n =>
        {
            lock (Notices) Notices.Add(n);
            Time.Advance(TimeSpan.FromHours(2));
        });
        Collector = new CommunityCollector(Api, Time, p => { lock (Progress) Progress.Add(p); });
    }

    public FakeTimeProvider Time { get; } = new(Now);

    public FakeGitHub Fake { get; }

    public GitHubGraphQl Api { get; }

    public CommunityCollector Collector { get; }

    public List<string> Notices { get; } = [];

    public List<string> Progress { get; } = [];

    public List<DateTimeOffset> RequestTimes { get; } = [];

    public static RepositoryRef Osv { get; } = new("cloudius-systems", "osv");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Fake.DisposeAsync();
    }
}
