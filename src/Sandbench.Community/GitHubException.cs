namespace Sandbench.Community;

/// <summary>What went wrong talking to GitHub, by what it means for the rest of a collection.</summary>
public enum GitHubFailure
{
    /// <summary>The repository does not exist or the token cannot see it: the other repositories can still be collected.</summary>
    NotFound,
    /// <summary>The token was refused (401) or lacks access (403): every further request would fail the same way.</summary>
    Unauthorized,
    /// <summary>The rate limit was still exceeded after waiting as told, as often as allowed.</summary>
    RateLimited,
    /// <summary>GitHub could not be reached, timed out, or answered with a server error after the retries.</summary>
    Unavailable,
    /// <summary>An answer that does not follow the API's schema, or a GraphQL error of another kind.</summary>
    Protocol,
}

/// <summary>A failed GitHub request, with a one-line message that never holds the token.</summary>
public sealed class GitHubException(GitHubFailure failure, string message) : Exception(message)
{
    public GitHubFailure Failure { get; } = failure;

    /// <summary>Further requests would fail the same way: stop the whole collection.</summary>
    public bool StopsCollection => Failure is GitHubFailure.Unauthorized or GitHubFailure.Unavailable or GitHubFailure.RateLimited;
}
