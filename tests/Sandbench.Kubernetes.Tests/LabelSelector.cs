using System.Text.Json.Nodes;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// Label selectors as the Kubernetes API documents them (equality- and set-based): <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>,
/// <c>k</c>, <c>!k</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, joined by commas outside parentheses.
/// </summary>
internal static class LabelSelector
{
    public static Func<JsonNode, bool> Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector)) return _ => true;
        var parts = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(') depth++;
            else if (selector[i] == ')') depth--;
            else if (selector[i] == ',' && depth == 0)
            {
                parts.Add(selector[start..i]);
                start = i + 1;
            }
        }
        parts.Add(selector[start..]);
        var tests = parts.Select(p => Requirement(p.Trim())).ToList();
        return o => tests.All(t => t(o));
    }

    private static Func<JsonNode, bool> Requirement(string r)
    {
        static string? Label(JsonNode o, string k) => o["metadata"]?["labels"]?[k]?.GetValue<string>();
        static string[] Set(string s) => s.Trim().TrimStart('(').TrimEnd(')').Split(',', StringSplitOptions.TrimEntries);
        int notin = r.IndexOf(" notin ", StringComparison.Ordinal);
        if (notin > 0)
        {
            string k = r[..notin].Trim();
            var set = Set(r[(notin + 7)..]);
            return o => Label(o, k) is not { } v || !set.Contains(v);
        }
        int @in = r.IndexOf(" in ", StringComparison.Ordinal);
        if (@in > 0)
        {
            string k = r[..@in].Trim();
            var set = Set(r[(@in + 4)..]);
            return o => Label(o, k) is { } v && set.Contains(v);
        }
        if (r.Contains("!=", StringComparison.Ordinal))
        {
            var kv = r.Split("!=");
            return o => Label(o, kv[0].Trim()) != kv[1].Trim();
        }
        if (r.Contains('=', StringComparison.Ordinal))
        {
            var kv = r.Split('=', StringSplitOptions.RemoveEmptyEntries);
            return o => Label(o, kv[0].Trim()) == kv[^1].Trim();
        }
        if (r.StartsWith('!')) return o => Label(o, r[1..]) is null;
        return o => Label(o, r) is not null;
    }
}
