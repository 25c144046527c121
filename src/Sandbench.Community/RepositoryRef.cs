using System.Text.RegularExpressions;

namespace Sandbench.Community;

/// <summary>A GitHub repository named by its owner and name.</summary>
public sealed partial record RepositoryRef(string Owner, string Name)
{
    public string Url => $"https://github.com/{Owner}/{Name}";

    public override string ToString() => $"{Owner}/{Name}";

    /// <summary>
    /// Reads <c>https://github.com/OWNER/REPO</c> (also with <c>http://</c>, <c>www.</c>, a trailing slash or <c>.git</c>)
    /// or <c>OWNER/REPO</c>; null with the problem when it is neither.
    /// </summary>
    public static RepositoryRef? Parse(string text, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(text);
        problem = null;
        string path = text.Trim();
        if (path.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(path, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            {
                problem = $"'{text}': not a GitHub repository URL (expected https://github.com/OWNER/REPO)";
                return null;
            }
            if (!uri.Host.Equals("github.com", StringComparison.OrdinalIgnoreCase) && !uri.Host.Equals("www.github.com", StringComparison.OrdinalIgnoreCase))
            {
                problem = $"'{text}': not on github.com (host '{uri.Host}'; expected https://github.com/OWNER/REPO)";
                return null;
            }
            if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                problem = $"'{text}': a repository URL has no query or fragment (expected https://github.com/OWNER/REPO)";
                return null;
            }
            path = uri.AbsolutePath;
        }
        var parts = path.Trim('/').Split('/');
        if (parts.Length != 2)
        {
            problem = $"'{text}': expected https://github.com/OWNER/REPO (or OWNER/REPO), with exactly an owner and a repository name";
            return null;
        }
        string owner = parts[0], name = parts[1].EndsWith(".git", StringComparison.Ordinal) ? parts[1][..^4] : parts[1];
        if (!OwnerPattern().IsMatch(owner))
        {
            problem = $"'{text}': '{owner}' is not a GitHub owner name (letters, digits and single hyphens, at most 39, not starting or ending with a hyphen)";
            return null;
        }
        if (!NamePattern().IsMatch(name) || name is "." or "..")
        {
            problem = $"'{text}': '{name}' is not a GitHub repository name (letters, digits, '.', '-' and '_', at most 100)";
            return null;
        }
        return new RepositoryRef(owner, name);
    }

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")]
    private static partial Regex OwnerPattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex NamePattern();
}
