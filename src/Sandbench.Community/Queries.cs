namespace Sandbench.Community;

/// <summary>
/// The GraphQL documents sent to GitHub, written from its public schema (Repository, PullRequestConnection,
/// IssueConnection, RateLimit). Each asks for <c>rateLimit</c> so the client knows its budget after every answer.
/// </summary>
internal static class Queries
{
    /// <summary>Pull requests and issues per page: the most a connection gives at once.</summary>
    public const int PageSize = 100;

    public const string RepositoryName = "Repository";

    /// <summary>Counts, stars, forks and the community health files, in one query.</summary>
    public const string Repository = """
        query Repository($owner: String!, $name: String!) {
          rateLimit { cost remaining resetAt }
          repository(owner: $owner, name: $name) {
            name
            owner { login }
            stargazerCount
            forkCount
            openPullRequests: pullRequests(states: [OPEN]) { totalCount }
            closedPullRequests: pullRequests(states: [CLOSED, MERGED]) { totalCount }
            mergedPullRequests: pullRequests(states: [MERGED]) { totalCount }
            openIssues: issues(states: [OPEN]) { totalCount }
            closedIssues: issues(states: [CLOSED]) { totalCount }
            licenseInfo { spdxId name }
            codeOfConduct { name }
            contributingGuidelines { url }
            isSecurityPolicyEnabled
            top: object(expression: "HEAD:") { ... on Tree { entries { name type } } }
          }
        }
        """;

    public const string PullRequestsName = "PullRequests";

    /// <summary>One page of pull requests (every state) with their comment and commit counts.</summary>
    public const string PullRequests = """
        query PullRequests($owner: String!, $name: String!, $after: String) {
          rateLimit { cost remaining resetAt }
          repository(owner: $owner, name: $name) {
            pullRequests(first: 100, after: $after) {
              totalCount
              pageInfo { hasNextPage endCursor }
              nodes { comments { totalCount } commits { totalCount } }
            }
          }
        }
        """;

    public const string IssuesName = "Issues";

    /// <summary>One page of issues (every state) with their comment counts.</summary>
    public const string Issues = """
        query Issues($owner: String!, $name: String!, $after: String) {
          rateLimit { cost remaining resetAt }
          repository(owner: $owner, name: $name) {
            issues(first: 100, after: $after) {
              totalCount
              pageInfo { hasNextPage endCursor }
              nodes { comments { totalCount } }
            }
          }
        }
        """;
}
