namespace Sandbench.Core.Storage;

/// <summary>Where the community metrics of GitHub repositories are kept, with the run that collected them.</summary>
public interface ICommunityStore
{
    /// <summary>Appends the metrics of repositories collected in a run, in one transaction.</summary>
    void AppendCommunity(string runId, IReadOnlyList<CommunityRecord> repositories);

    /// <summary>The repositories collected in a run, in collection order.</summary>
    IReadOnlyList<CommunityRecord> Community(string runId);
}

/// <summary>
/// The community metrics of one repository (seed 004's fields), as the GitHub GraphQL API gave them.
/// </summary>
/// <param name="ClosedPullRequests">Pull requests that are not open: closed without merge plus merged.</param>
/// <param name="MergedPullRequests">The merged part of <paramref name="ClosedPullRequests"/>.</param>
/// <param name="AvgCommentsPerPullRequest">Conversation comments (not review comments) per pull request, over every pull request paged through; null when there is none.</param>
/// <param name="AvgCommitsPerPullRequest">Commits per pull request over the same pull requests; null when there is none.</param>
/// <param name="PullRequestsAveraged">How many pull requests the averages are taken over (every one the pages returned).</param>
/// <param name="AvgCommentsPerIssue">Comments per issue over every issue paged through (open and closed); null when there is none.</param>
/// <param name="CollectedUtc">When the collection of this repository finished (seed 004's <c>collected_on</c>).</param>
/// <param name="CollectionNs">How long its collection took (monotonic clock), including any wait for the rate limit.</param>
public sealed record CommunityRecord(
    string Owner,
    string Repo,
    long Stars,
    long Forks,
    long OpenPullRequests,
    long ClosedPullRequests,
    long MergedPullRequests,
    double? AvgCommentsPerPullRequest,
    double? AvgCommitsPerPullRequest,
    long PullRequestsAveraged,
    long OpenIssues,
    long ClosedIssues,
    double? AvgCommentsPerIssue,
    long IssuesAveraged,
    CommunityDocumentation Documentation,
    DateTimeOffset CollectedUtc,
    long CollectionNs);

/// <summary>
/// The community health files a repository has (what GitHub's community profile checks), each the file or name
/// found, null when missing.
/// </summary>
/// <param name="Readme">A README file at the top of the default branch.</param>
/// <param name="Contributing">Contributing guidelines (GitHub's detection, else a CONTRIBUTING file at the top).</param>
/// <param name="CodeOfConduct">The code of conduct GitHub detected (its name), else a CODE_OF_CONDUCT file at the top.</param>
/// <param name="License">The license's SPDX id as GitHub detected it (NOASSERTION: a license GitHub could not identify), else a LICENSE or COPYING file.</param>
/// <param name="SecurityPolicy">A security policy (GitHub's detection, else a SECURITY file at the top).</param>
public sealed record CommunityDocumentation(string? Readme, string? Contributing, string? CodeOfConduct, string? License, string? SecurityPolicy)
{
    /// <summary>The names of the documents present, in a fixed order.</summary>
    public IReadOnlyList<string> Present() =>
        [.. new[] { ("README", Readme), ("CONTRIBUTING", Contributing), ("CODE_OF_CONDUCT", CodeOfConduct), ("LICENSE", License), ("SECURITY", SecurityPolicy) }
            .Where(d => d.Item2 is not null).Select(d => d.Item1)];

    /// <summary>The documents present for a table cell, the license with its id; "none" when there is none.</summary>
    public string Summary()
    {
        var present = Present().Select(p => p == "LICENSE" ? $"LICENSE ({License})" : p).ToList();
        return present.Count == 0 ? "none" : string.Join(", ", present);
    }
}
