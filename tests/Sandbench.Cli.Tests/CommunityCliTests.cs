using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Sandbench.Community.Tests;

namespace Sandbench.Cli.Tests;

/// <summary><c>sandbench community</c> as a user runs it, against the fake GitHub GraphQL endpoint on 127.0.0.1.</summary>
public sealed partial class CommunityCliTests
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const string Token = "ghp_cli_T0KEN_never_stored_9f8e7d6c5b4a";
    private const string Osv = "https://github.com/cloudius-systems/osv";

    private static async Task<(int Code, string Out, string Err)> RunAsync(CliHarness h, FakeGitHub fake, string? token, params string[] args)
    {
        var psi = h.StartInfo(args);
        psi.Environment.Remove("GITHUB_TOKEN");
        if (token is not null) psi.Environment["GITHUB_TOKEN"] = token;
        psi.Environment["SANDBENCH_GITHUB_API"] = fake.Endpoint.ToString();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Community_RecordedRepository_TableJsonStoredShownReportedAndTheTokenNowhere()
    {
        using var h = new CliHarness();
        await using var fake = new FakeGitHub(FakeGitHub.Osv);
        var outputs = new List<string>();

        var table = await RunAsync(h, fake, Token, "community", Osv, "--db", h.Db);
        outputs.AddRange([table.Out, table.Err]);
        Assert.True(table.Code == 0, table.Err);
        Assert.Contains("collecting community data for https://github.com/cloudius-systems/osv", table.Err, StringComparison.Ordinal);
        Assert.Contains("cloudius-systems/osv: pull requests 5/5 (page 3)", table.Err, StringComparison.Ordinal);
        Assert.Contains("cloudius-systems/osv", table.Out.Split('\n').First(l => l.Contains("metric", StringComparison.Ordinal)), StringComparison.Ordinal);
        foreach (var (metric, value) in new[] { ("stars", "3910"), ("forks", "604"), ("pull requests closed (merged)", "4 (3)"), ("comments per pull request", "2.20"),
                     ("commits per pull request", "2.40"), ("comments per issue", "2.00"), ("README", "README.md"), ("LICENSE", "BSD-3-Clause"), ("CODE_OF_CONDUCT", "–") })
            Assert.Matches($@"│ {System.Text.RegularExpressions.Regex.Escape(metric)} +│ +{System.Text.RegularExpressions.Regex.Escape(value)} │", table.Out);

        var json = await RunAsync(h, fake, Token, "community", Osv, "--db", h.Db, "--json");
        outputs.AddRange([json.Out, json.Err]);
        Assert.True(json.Code == 0, json.Err);
        using (var doc = JsonDocument.Parse(json.Out))
        {
            var repo = Assert.Single(doc.RootElement.EnumerateArray().ToList());
            Assert.Equal("cloudius-systems", repo.GetProperty("owner").GetString());
            Assert.Equal("osv", repo.GetProperty("repo").GetString());
            Assert.Equal(3910, repo.GetProperty("star_number").GetInt64());
            Assert.Equal(604, repo.GetProperty("fork_number").GetInt64());
            var prs = repo.GetProperty("pull_requests_info");
            Assert.Equal(1, prs.GetProperty("open_pull_request_number").GetInt64());
            Assert.Equal(4, prs.GetProperty("closed_pull_request_number").GetInt64());
            Assert.Equal(2.2, prs.GetProperty("average_comments_per_pull_request").GetDouble());
            Assert.Equal(2.4, prs.GetProperty("average_commits_per_pull_request").GetDouble());
            var issues = repo.GetProperty("issues_info");
            Assert.Equal((2L, 3L), (issues.GetProperty("open_issues_number").GetInt64(), issues.GetProperty("closed_issues_number").GetInt64()));
            Assert.Equal(2.0, issues.GetProperty("average_comments_per_issue").GetDouble());
            Assert.Equal("BSD-3-Clause", repo.GetProperty("community_documentation").GetProperty("license").GetString());
            Assert.Equal(JsonValueKind.Null, repo.GetProperty("community_documentation").GetProperty("code_of_conduct").ValueKind);
            Assert.True(DateTimeOffset.TryParse(repo.GetProperty("collected_on").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _));
        }

        // Two runs of their own, each with its collection time, so they can be compared.
        var runs = h.Query("SELECT r.id, r.plan_name, r.status, c.stars, c.collected_utc FROM runs r JOIN community c ON c.run_id = r.id ORDER BY r.started_utc",
            r => (Id: r.GetString(0), Plan: r.GetString(1), Status: r.GetString(2), Stars: r.GetInt64(3), Collected: r.GetString(4)));
        Assert.Equal(2, runs.Count);
        Assert.All(runs, x => Assert.Equal(("community", "completed", 3910L), (x.Plan, x.Status, x.Stars)));
        Assert.Equal(1, h.Query($"SELECT COUNT(*) FROM environment WHERE run_id = '{runs[0].Id}' AND key = 'github_api'", r => r.GetInt64(0)).Single());

        var show = await RunAsync(h, fake, null, "show", runs[0].Id, "--db", h.Db);
        outputs.AddRange([show.Out, show.Err]);
        Assert.True(show.Code == 0, show.Err);
        Assert.Contains("plan community", show.Out, StringComparison.Ordinal);
        Assert.Matches(@"│ pull requests closed \(merged\) +│ +4 \(3\) │", show.Out);
        var showJson = await RunAsync(h, fake, null, "show", runs[0].Id, "--db", h.Db, "--json");
        outputs.AddRange([showJson.Out, showJson.Err]);
        using (var doc = JsonDocument.Parse(showJson.Out))
            Assert.Equal(3910, doc.RootElement.GetProperty("community")[0].GetProperty("star_number").GetInt64());

        var compare = await RunAsync(h, fake, null, "compare", runs[0].Id, runs[1].Id, "--db", h.Db);
        outputs.AddRange([compare.Out, compare.Err]);
        Assert.True(compare.Code == 0, compare.Err);
        Assert.Matches(@"│ stars +│ +3910 → 3910 \(\+0\) │", compare.Out);

        string report = Path.Combine(h.Dir, "report");
        var rep = await RunAsync(h, fake, null, "report", runs[0].Id, "--db", h.Db, "--out", report);
        outputs.AddRange([rep.Out, rep.Err]);
        Assert.True(rep.Code == 0, rep.Out + rep.Err);
        string html = File.ReadAllText(Path.Combine(report, "report.html"));
        Assert.Contains("community (GitHub)", html, StringComparison.Ordinal);
        Assert.Contains("<td>cloudius-systems/osv</td><td class=\"num\">3910</td>", html, StringComparison.Ordinal);

        var exportJson = await RunAsync(h, fake, null, "export", "--db", h.Db, "--format", "json", "--out", Path.Combine(h.Dir, "export.json"));
        var exportCsv = await RunAsync(h, fake, null, "export", "--db", h.Db, "--format", "csv", "--out", Path.Combine(h.Dir, "export-csv"));
        outputs.AddRange([exportJson.Out, exportJson.Err, exportCsv.Out, exportCsv.Err]);
        Assert.True(exportJson.Code == 0 && exportCsv.Code == 0, exportJson.Err + exportCsv.Err);
        Assert.Contains("\"community\"", File.ReadAllText(Path.Combine(h.Dir, "export.json")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(h.Dir, "export-csv", "community.csv")));

        // The token went to the endpoint (as a bearer credential) and nowhere else: not in any output, the results
        // file (with its WAL), the exports or the report.
        Assert.All(fake.Requests, r => Assert.Equal($"bearer {Token}", r.Authorization));
        Assert.All(outputs, o => Assert.DoesNotContain(Token, o, StringComparison.Ordinal));
        var files = Directory.EnumerateFiles(h.Dir, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("report.html", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("results.db", StringComparison.Ordinal));
        var needle = Encoding.UTF8.GetBytes(Token);
        Assert.All(files, f => Assert.True(File.ReadAllBytes(f).AsSpan().IndexOf(needle) < 0, $"{f} holds the token"));
    }

    [Fact]
    public async Task Community_MissingRepository_OthersStoredExit6OneLine()
    {
        using var h = new CliHarness();
        await using var fake = new FakeGitHub(r => r.Variables.GetProperty("name").GetString() == "nonexistent" ? FakeGitHub.Ok("not-found") : FakeGitHub.Osv(r));
        var (code, _, err) = await RunAsync(h, fake, Token, "community", "https://github.com/cloudius-systems/nonexistent", Osv, "--db", h.Db);

        Assert.Equal(6, code);
        Assert.Contains("error: cloudius-systems/nonexistent: no such repository on GitHub, or the token cannot see it (Could not resolve to a Repository with the name 'cloudius-systems/nonexistent'.)\n", err, StringComparison.Ordinal);
        Assert.Equal(["osv"], h.Query("SELECT repo FROM community", r => r.GetString(0)));
        Assert.Equal(["failed"], h.Query("SELECT status FROM runs", r => r.GetString(0)));
    }

    [Fact]
    public async Task Community_BadToken_Exit6OneLineNothingStored()
    {
        using var h = new CliHarness();
        await using var fake = new FakeGitHub(_ => new FakeResponse(401, FakeGitHub.Recorded("bad-credentials")));
        var (code, _, err) = await RunAsync(h, fake, "ghp_wrong", "community", Osv, "https://github.com/unikraft/unikraft", "--db", h.Db);

        Assert.Equal(6, code);
        Assert.Contains("error: cloudius-systems/osv: GitHub refused the token (HTTP 401: Bad credentials): check GITHUB_TOKEN\n", err, StringComparison.Ordinal);
        Assert.Contains("not collected: unikraft/unikraft (stopped after the error above)", err, StringComparison.Ordinal);
        Assert.Single(fake.Requests);
        Assert.Empty(h.Query("SELECT id FROM runs", r => r.GetString(0)));
    }

    [Fact]
    public async Task Community_BadInput_Exit2EveryProblemAndNoRequest()
    {
        using var h = new CliHarness();
        await using var fake = new FakeGitHub(FakeGitHub.Osv);
        var (code, _, err) = await RunAsync(h, fake, null, "community", "https://gitlab.com/a/b", "osv", "--db", h.Db);

        Assert.Equal(2, code);
        Assert.Equal(
        [
            "error: 'https://gitlab.com/a/b': not on github.com (host 'gitlab.com'; expected https://github.com/OWNER/REPO)",
            "error: 'osv': expected https://github.com/OWNER/REPO (or OWNER/REPO), with exactly an owner and a repository name",
            "error: GITHUB_TOKEN is not set: export a GitHub token (a fine-grained token with read access to public repositories suffices)",
        ], err.TrimEnd('\n').Split('\n'));
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task Community_CtrlCDuringARateLimitWait_StoresWhatWasCollectedExits130()
    {
        using var h = new CliHarness();
        // The second repository's first answer spends the budget until an hour from now: the next query must wait.
        string spent = FakeGitHub.Recorded("repository").Replace("\"remaining\": 4990, \"resetAt\": \"2026-11-23T10:00:00Z\"",
            $"\"remaining\": 0, \"resetAt\": \"{TimeProvider.System.GetUtcNow().AddHours(1):yyyy-MM-ddTHH:mm:ssZ}\"", StringComparison.Ordinal);
        Assert.NotEqual(FakeGitHub.Recorded("repository"), spent);
        await using var fake = new FakeGitHub(r => r.Variables.GetProperty("name").GetString() == "unikraft"
            ? new FakeResponse(200, spent) : FakeGitHub.Osv(r));
        var psi = h.StartInfo("community", Osv, "https://github.com/unikraft/unikraft", "--db", h.Db);
        psi.Environment["GITHUB_TOKEN"] = Token;
        psi.Environment["SANDBENCH_GITHUB_API"] = fake.Endpoint.ToString();
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = new LineWatcher(p.StandardError);
        await stderr.WaitForAsync(lines => lines.Any(l => l.StartsWith("GitHub rate limit: 0 points left", StringComparison.Ordinal)), TimeSpan.FromMinutes(2));

        Assert.Equal(0, Kill(p.Id, 2));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(1));
        await p.WaitForExitAsync(limit.Token);
        await stderr.Pump;

        Assert.True(p.ExitCode == 130, $"exit {p.ExitCode}: {await stdout} {stderr.Text}");
        Assert.Matches(@"waiting 3[56]\d\d s", stderr.Text);
        Assert.Contains("not collected: unikraft/unikraft (interrupted)", stderr.Text, StringComparison.Ordinal);
        Assert.Equal([("osv", "interrupted")], h.Query("SELECT c.repo, r.status FROM community c JOIN runs r ON r.id = c.run_id", r => (r.GetString(0), r.GetString(1))));
    }
}
