namespace Sandbench.Community;

/// <summary>What a collection over several repositories gave: the metrics collected and, for the others, why not.</summary>
public sealed record CommunityOutcome(
    IReadOnlyList<Core.Storage.CommunityRecord> Collected,
    IReadOnlyList<string> Problems,
    IReadOnlyList<RepositoryRef> NotTried,
    bool Interrupted);

/// <summary>
/// The inputs of <c>sandbench community</c>, checked all at once, and the collection over them: repository by
/// repository, the others going on after a missing one, stopping at a failure every later request would share.
/// </summary>
public static class CommunityRun
{
    /// <summary>The repositories (duplicates dropped), the endpoint and the token; every problem at once when something is wrong.</summary>
    public static (IReadOnlyList<RepositoryRef> Repositories, Uri Endpoint, string Token, IReadOnlyList<string> Problems) Check(
        IReadOnlyList<string> arguments, string? token, string? endpoint)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var problems = new List<string>();
        var repos = new List<RepositoryRef>();
        foreach (var a in arguments)
        {
            var r = RepositoryRef.Parse(a, out var problem);
            if (r is null) problems.Add(problem!);
            else if (!repos.Any(x => x.ToString().Equals(r.ToString(), StringComparison.OrdinalIgnoreCase))) repos.Add(r);
        }
        if (arguments.Count == 0) problems.Add("name at least one repository: sandbench community https://github.com/OWNER/REPO ...");
        if (string.IsNullOrEmpty(token))
            problems.Add($"{GitHubEndpoint.TokenVariable} is not set: export a GitHub token (a fine-grained token with read access to public repositories suffices)");
        else if (token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            problems.Add($"{GitHubEndpoint.TokenVariable} holds whitespace or control characters: it cannot be a GitHub token");
        var uri = GitHubEndpoint.Resolve(endpoint, out var endpointProblem);
        if (endpointProblem is not null) problems.Add(endpointProblem);
        return (repos, uri ?? GitHubEndpoint.Default, token ?? "", problems);
    }

    /// <summary>
    /// Collects each repository in turn; <paramref name="started"/> is told each one's URL as it begins. Two names GitHub
    /// resolves to the same repository (one renamed or moved) are kept once, and <paramref name="note"/> says so.
    /// </summary>
    public static async Task<CommunityOutcome> CollectAsync(CommunityCollector collector, IReadOnlyList<RepositoryRef> repositories,
        Action<RepositoryRef> started, CancellationToken ct, Action<string>? note = null)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(repositories);
        ArgumentNullException.ThrowIfNull(started);
        var collected = new List<Core.Storage.CommunityRecord>();
        var problems = new List<string>();
        for (int i = 0; i < repositories.Count; i++)
        {
            var repo = repositories[i];
            started(repo);
            try
            {
                var record = await collector.CollectAsync(repo, ct).ConfigureAwait(false);
                if (collected.FirstOrDefault(c => c.Owner.Equals(record.Owner, StringComparison.OrdinalIgnoreCase)
                        && c.Repo.Equals(record.Repo, StringComparison.OrdinalIgnoreCase)) is { } same)
                    note?.Invoke($"{repo} is {same.Owner}/{same.Repo} (renamed or moved), already collected: kept once");
                else collected.Add(record);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return new CommunityOutcome(collected, problems, [.. repositories.Skip(i)], true);
            }
            catch (GitHubException e)
            {
                problems.Add(e.Failure == GitHubFailure.NotFound ? e.Message : $"{repo}: {e.Message}");
                if (e.StopsCollection) return new CommunityOutcome(collected, problems, [.. repositories.Skip(i + 1)], false);
            }
        }
        return new CommunityOutcome(collected, problems, [], false);
    }
}
