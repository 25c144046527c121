namespace Sandbench.Community.Tests;

public sealed class InputTests
{
    [Theory]
    [InlineData("https://github.com/cloudius-systems/osv", "cloudius-systems/osv")]
    [InlineData("https://github.com/unikraft/unikraft/", "unikraft/unikraft")]
    [InlineData("https://www.github.com/nanovms/nanos.git", "nanovms/nanos")]
    [InlineData("http://github.com/Solo5/solo5", "Solo5/solo5")]
    [InlineData("hermit-os/kernel", "hermit-os/kernel")]
    public void Parse_RepositoryForms_OwnerAndName(string text, string expected) =>
        Assert.Equal(expected, RepositoryRef.Parse(text, out _)?.ToString());

    [Theory]
    [InlineData("https://gitlab.com/a/b", "'https://gitlab.com/a/b': not on github.com (host 'gitlab.com'; expected https://github.com/OWNER/REPO)")]
    [InlineData("https://github.com/osv", "'https://github.com/osv': expected https://github.com/OWNER/REPO (or OWNER/REPO), with exactly an owner and a repository name")]
    [InlineData("https://github.com/a/b/tree/main", "'https://github.com/a/b/tree/main': expected https://github.com/OWNER/REPO (or OWNER/REPO), with exactly an owner and a repository name")]
    [InlineData("ftp://github.com/a/b", "'ftp://github.com/a/b': not a GitHub repository URL (expected https://github.com/OWNER/REPO)")]
    [InlineData("https://github.com/-bad/b", "'https://github.com/-bad/b': '-bad' is not a GitHub owner name (letters, digits and single hyphens, at most 39, not starting or ending with a hyphen)")]
    [InlineData("a/b;rm", "'a/b;rm': 'b;rm' is not a GitHub repository name (letters, digits, '.', '-' and '_', at most 100)")]
    [InlineData("https://github.com/a/b?tab=readme", "'https://github.com/a/b?tab=readme': a repository URL has no query or fragment (expected https://github.com/OWNER/REPO)")]
    public void Parse_NotARepository_OneLineProblem(string text, string problem)
    {
        Assert.Null(RepositoryRef.Parse(text, out var p));
        Assert.Equal(problem, p);
    }

    [Fact]
    public void Check_SeveralProblems_AllAtOnceAndDuplicatesDropped()
    {
        var (repos, _, _, problems) = CommunityRun.Check(["https://github.com/a/b", "A/B", "nope"], null, "http://example.com/graphql");

        Assert.Equal("a/b", Assert.Single(repos).ToString());
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("'nope'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("GITHUB_TOKEN is not set", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("plain http is allowed only to a loopback address", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "https://api.github.com/graphql")]
    [InlineData("http://127.0.0.1:8080/graphql", "http://127.0.0.1:8080/graphql")]
    [InlineData("http://localhost/graphql", "http://localhost/graphql")]
    [InlineData("https://ghe.example/api/graphql", "https://ghe.example/api/graphql")]
    public void Resolve_AllowedEndpoints(string? value, string expected) =>
        Assert.Equal(expected, GitHubEndpoint.Resolve(value, out _)?.ToString());

    [Fact]
    public void Check_TokenWithNewline_RefusedWithoutEchoingIt()
    {
        var (_, _, _, problems) = CommunityRun.Check(["a/b"], "ghp_secret\nvalue", null);
        Assert.Equal("GITHUB_TOKEN holds whitespace or control characters: it cannot be a GitHub token", Assert.Single(problems));
    }
}
