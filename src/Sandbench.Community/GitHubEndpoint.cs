using System.Net;

namespace Sandbench.Community;

/// <summary>Where GraphQL queries go, and the token they carry.</summary>
public static class GitHubEndpoint
{
    /// <summary>GitHub's GraphQL endpoint.</summary>
    public static Uri Default { get; } = new("https://api.github.com/graphql");

    /// <summary>The environment variable that overrides the endpoint (a GraphQL server on this host, e.g. a test double).</summary>
    public const string Variable = "SANDBENCH_GITHUB_API";

    /// <summary>The environment variable holding the token.</summary>
    public const string TokenVariable = "GITHUB_TOKEN";

    /// <summary>
    /// The endpoint <paramref name="value"/> names (default when null or empty): https anywhere, plain http only to a
    /// loopback address, so the token never crosses a network unencrypted. Null with the problem otherwise.
    /// </summary>
    public static Uri? Resolve(string? value, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(value)) return Default;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
        {
            problem = $"{Variable}='{value}': not an http(s) URL (e.g. {Default})";
            return null;
        }
        if (uri.Scheme == "http" && !IsLoopback(uri.Host))
        {
            problem = $"{Variable}='{value}': plain http is allowed only to a loopback address (the token would cross the network unencrypted); use https";
            return null;
        }
        return uri;
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
