using System.Globalization;
using System.Text.RegularExpressions;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Kubernetes;

/// <summary>
/// Reads a cluster profile's options (knative, openfaas): a value that is set but wrong adds one line to <see cref="Errors"/>
/// naming the profile and the option, and reads as unset, so every problem of a profile is reported at once.
/// </summary>
internal sealed partial class OptionReader(RuntimeProfile profile)
{
    public List<string> Errors { get; } = [];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    /// <summary>A whole number from <paramref name="min"/>.</summary>
    public int? Int(string key, int min)
    {
        if (profile.Option(key) is not { } v) return null;
        if (int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min) return n;
        Errors.Add($"{profile.Name}: option '{key}' must be a whole number from {min} (got '{v}')");
        return null;
    }

    /// <summary>A duration of at least <paramref name="least"/> (null: at least zero, which the message does not name).</summary>
    public TimeSpan? Duration(string key, TimeSpan? least = null)
    {
        if (profile.Option(key) is not { } v) return null;
        if (Durations.TryParse(v, out var t) && t >= (least ?? TimeSpan.Zero)) return t;
        Errors.Add(least is { } l
            ? $"{profile.Name}: option '{key}' must be a duration of at least {Durations.Format(l)} such as 60s (got '{v}')"
            : $"{profile.Name}: option '{key}' must be a duration such as 60s (got '{v}')");
        return null;
    }

    /// <summary>A DNS label (a namespace's, a RuntimeClass's name).</summary>
    /// <param name="emptyIsUnset">An empty value reads as unset rather than as a wrong label.</param>
    public string? Label(string key, bool emptyIsUnset = false)
    {
        if (profile.Option(key) is not { } v || (emptyIsUnset && v.Length == 0)) return null;
        if (v.Length <= 63 && DnsLabel().IsMatch(v)) return v;
        Errors.Add($"{profile.Name}: option '{key}' must be a DNS label (lower-case letters, digits, '-', at most 63) (got '{v}')");
        return null;
    }
}
