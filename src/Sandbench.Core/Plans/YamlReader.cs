using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

/// <summary>
/// Typed reads over a YAML tree that collect every problem (with its key path and line) instead of
/// stopping at the first, so a plan author sees all mistakes at once.
/// </summary>
internal sealed class YamlReader(string source)
{
    private readonly List<(long Line, long Column, string Text)> _errors = [];

    /// <summary>Every problem found, in the order of the file (problems without a position first).</summary>
    public IReadOnlyList<string> Errors => [.. _errors.OrderBy(e => e.Line).ThenBy(e => e.Column).Select(e => e.Text)];

    public void Error(YamlNode? node, string path, string message)
    {
        string where = node is null ? source : $"{source}:{node.Start.Line}:{node.Start.Column}";
        _errors.Add((node?.Start.Line ?? 0, node?.Start.Column ?? 0, $"{where}: {(path.Length == 0 ? "" : path + ": ")}{message}"));
    }

    /// <summary>Reports keys that are not in <paramref name="allowed"/>; returns the mapping's entries by key.</summary>
    /// <param name="misplaced">Keys that belong elsewhere (another experiment type), with what to say instead of "unknown key".</param>
    public Dictionary<string, YamlNode> Keys(YamlMappingNode map, string path, IReadOnlyCollection<string> allowed,
        IReadOnlyDictionary<string, string>? misplaced = null)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            if (k is not YamlScalarNode { Value: { } key })
            {
                Error(k, path, "keys must be plain names");
                continue;
            }
            string keyPath = Join(path, key);
            if (!allowed.Contains(key) && misplaced?.GetValueOrDefault(key) is { } why)
                Error(k, keyPath, why);
            else if (!allowed.Contains(key))
                Error(k, keyPath, $"unknown key '{key}' (valid: {string.Join(", ", allowed)})");
            else if (!result.TryAdd(key, v))
                Error(k, keyPath, "given twice");
        }
        return result;
    }

    public string? String(Dictionary<string, YamlNode> keys, string key, string path, bool required = false)
    {
        if (!keys.TryGetValue(key, out var node))
        {
            if (required) Error(null, Join(path, key), "is required");
            return null;
        }
        if (node is YamlScalarNode { Value: { Length: > 0 } s }) return s;
        Error(node, Join(path, key), $"expected a string, got {Describe(node)}");
        return null;
    }

    public int? Int(Dictionary<string, YamlNode> keys, string key, string path, int min, int max)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode { Value: { } s }
            && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
        {
            if (v >= min && v <= max) return v;
            Error(node, Join(path, key), $"must be from {min} to {max}, got {v}");
            return null;
        }
        Error(node, Join(path, key), $"expected an integer from {min} to {max}, got {Describe(node)}");
        return null;
    }

    public TimeSpan? Duration(Dictionary<string, YamlNode> keys, string key, string path, TimeSpan min, TimeSpan max)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode { Value: { } s } && Durations.TryParse(s, out var v))
        {
            if (v >= min && v <= max) return v;
            Error(node, Join(path, key), $"must be from {Durations.Format(min)} to {Durations.Format(max)}, got {s}");
            return null;
        }
        if (node is YamlScalarNode { Value: { } neg } && neg.TrimStart().StartsWith('-') && Durations.TryParse(neg.TrimStart()[1..], out _))
            Error(node, Join(path, key), $"must not be negative (from {Durations.Format(min)} to {Durations.Format(max)}), got {neg}");
        else Error(node, Join(path, key), $"expected a duration such as 100us, 20ms or 30s, got {Describe(node)}");
        return null;
    }

    /// <summary>A list of numbers (or one number) each above 0 and at most <paramref name="max"/>; null when absent.</summary>
    public List<double>? PositiveNumbers(Dictionary<string, YamlNode> keys, string key, string path, double max, string unit)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        IReadOnlyList<YamlNode> items = node switch
        {
            YamlScalarNode => [node],
            YamlSequenceNode { Children.Count: > 0 } seq => [.. seq.Children],
            _ => [],
        };
        if (items.Count == 0)
        {
            Error(node, Join(path, key), $"expected a number or a non-empty list of numbers ({unit}), got {Describe(node)}");
            return null;
        }
        var list = new List<double>();
        for (int i = 0; i < items.Count; i++)
        {
            string at = node is YamlSequenceNode ? $"{Join(path, key)}[{i}]" : Join(path, key);
            if (items[i] is YamlScalarNode { Value: { } s }
                && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
            {
                if (v > 0 && v <= max) list.Add(v);
                else Error(items[i], at, string.Create(CultureInfo.InvariantCulture, $"must be above 0 and at most {max} {unit}, got {s}"));
            }
            else Error(items[i], at, $"expected a number ({unit}), got {Describe(items[i])}");
        }
        return list;
    }

    public T? Enum<T>(Dictionary<string, YamlNode> keys, string key, string path, IReadOnlyDictionary<string, T> values)
        where T : struct
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode { Value: { } s } && values.TryGetValue(s, out var v)) return v;
        Error(node, Join(path, key), $"expected one of {string.Join(", ", values.Keys)}, got {Describe(node)}");
        return null;
    }

    /// <summary>A list of scalars, or a single scalar taken as a list of one.</summary>
    public List<(string Value, YamlNode Node)>? Strings(Dictionary<string, YamlNode> keys, string key, string path)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode { Value: { Length: > 0 } one }) return [(one, node)];
        if (node is not YamlSequenceNode seq)
        {
            Error(node, Join(path, key), $"expected a list of strings, got {Describe(node)}");
            return null;
        }
        var list = new List<(string, YamlNode)>();
        for (int i = 0; i < seq.Children.Count; i++)
        {
            if (seq.Children[i] is YamlScalarNode { Value: { Length: > 0 } s }) list.Add((s, seq.Children[i]));
            else Error(seq.Children[i], $"{Join(path, key)}[{i}]", $"expected a string, got {Describe(seq.Children[i])}");
        }
        return list;
    }

    public static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode { Value: null or "" } => "nothing",
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };
}
