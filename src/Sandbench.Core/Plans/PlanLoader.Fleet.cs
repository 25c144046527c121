using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

/// <summary>The keys of the experiments that run many sandboxes at once (scale, density).</summary>
public static partial class PlanLoader
{
    // Properties, not fields: the other part's field initializers use them, and the order of field
    // initializers across the parts of a partial class is not defined.
    private static string[] ScaleOnlyKeys => ["counts", "min-answered"];
    private static string[] DensityOnlyKeys => ["batch", "max-count", "max-duration"];
    private static string[] FleetKeys => [.. ScaleOnlyKeys, .. DensityOnlyKeys, "start-concurrency", "memory-floor", "drop-caches"];

    /// <summary>The most sandboxes one step or one density run may hold.</summary>
    public const int MaxFleet = 10_000;

    private static readonly (string Suffix, long Factor)[] SizeUnits =
        [("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40), ("B", 1)];

    /// <summary>The fleet settings of a scale or density section; null (and errors for any fleet key) on other types.</summary>
    private static FleetSpec? ReadFleet(YamlReader r, Dictionary<string, YamlNode> keys, string path, string? type)
    {
        if (type is null || !FleetSpec.Types.Contains(type))
        {
            foreach (var key in FleetKeys.Where(keys.ContainsKey))
                r.Error(keys[key], YamlReader.Join(path, key), $"only scale and density experiments take '{key}'");
            return null;
        }
        string other = type == FleetSpec.Scale ? FleetSpec.Density : FleetSpec.Scale;
        foreach (var key in (type == FleetSpec.Scale ? DensityOnlyKeys : ScaleOnlyKeys).Where(keys.ContainsKey))
            r.Error(keys[key], YamlReader.Join(path, key), $"'{key}' is a key of {other} experiments, not of {type}");

        var d = FleetSpec.Defaults;
        var counts = Counts(r, keys, path) ?? d.Counts;
        // "all" (the default): every sandbox of a step or batch is asked to start at once.
        bool all = keys.TryGetValue("start-concurrency", out var sc) && sc is YamlScalarNode { Value: "all" };
        int? concurrency = all ? null : r.Int(keys, "start-concurrency", path, 1, MaxFleet);
        double? minAnswered = Fraction(r, keys, "min-answered", path);
        long? floor = Size(r, keys, "memory-floor", path);
        bool? drop = Bool(r, keys, "drop-caches", path);
        int? batch = r.Int(keys, "batch", path, 1, MaxFleet);
        int? maxCount = r.Int(keys, "max-count", path, 1, MaxFleet);
        var maxDuration = r.Duration(keys, "max-duration", path, TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        return new FleetSpec(counts, concurrency, minAnswered ?? d.MinAnswered, floor ?? d.MemoryFloorBytes, drop ?? d.DropCaches,
            batch ?? d.Batch, maxCount ?? d.MaxCount, maxDuration ?? d.MaxDuration);
    }

    /// <summary><c>counts: [1, 5, 10]</c>: a ladder, so strictly ascending, each from 1 to <see cref="MaxFleet"/>.</summary>
    private static List<int>? Counts(YamlReader r, Dictionary<string, YamlNode> keys, string path)
    {
        var items = r.Strings(keys, "counts", path);
        if (items is null) return null;
        string at = YamlReader.Join(path, "counts");
        if (items.Count == 0) r.Error(keys["counts"], at, "give at least one count (e.g. [1, 5, 10])");
        var counts = new List<int>();
        foreach (var (text, node) in items)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || n > MaxFleet)
                r.Error(node, at, $"expected a count from 1 to {MaxFleet}, got '{text}'");
            else if (counts.Count > 0 && n <= counts[^1])
                r.Error(node, at, $"counts are a ladder and must ascend: {n} after {counts[^1]}");
            else counts.Add(n);
        }
        return counts;
    }

    /// <summary>A fraction in (0, 1], written 0.95 or 95%.</summary>
    private static double? Fraction(YamlReader r, Dictionary<string, YamlNode> keys, string key, string path)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        string text = node is YamlScalarNode { Value: { } s } ? s.Trim() : "";
        bool percent = text.EndsWith('%');
        if (double.TryParse(percent ? text[..^1] : text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
        {
            if (percent) v /= 100;
            if (v > 0 && v <= 1) return v;
        }
        r.Error(node, YamlReader.Join(path, key), $"expected a fraction above 0 and at most 1 (0.95 or 95%), got {YamlReader.Describe(node)}");
        return null;
    }

    /// <summary>A size in bytes: a plain number of bytes, or with a unit B, KiB, MiB, GiB, TiB.</summary>
    private static long? Size(YamlReader r, Dictionary<string, YamlNode> keys, string key, string path)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode { Value: { } s } && TryParseSize(s.Trim(), out long bytes)) return bytes;
        r.Error(node, YamlReader.Join(path, key), $"expected a size such as 512MiB or 2GiB, got {YamlReader.Describe(node)}");
        return null;
    }

    /// <summary>Parses 512MiB, 2GiB, 1.5GiB or a plain number of bytes.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var (suffix, factor) = SizeUnits.FirstOrDefault(u => text.EndsWith(u.Suffix, StringComparison.Ordinal));
        string number = suffix is null ? text : text[..^suffix.Length].TrimEnd();
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v)) return false;
        double b = v * (suffix is null ? 1 : factor);
        if (b < 0 || b > long.MaxValue / 2) return false;
        bytes = (long)b;
        return true;
    }

    private static bool? Bool(YamlReader r, Dictionary<string, YamlNode> keys, string key, string path)
    {
        if (!keys.TryGetValue(key, out var node)) return null;
        if (node is YamlScalarNode { Value: "true" or "yes" }) return true;
        if (node is YamlScalarNode { Value: "false" or "no" }) return false;
        r.Error(node, YamlReader.Join(path, key), $"expected true or false, got {YamlReader.Describe(node)}");
        return null;
    }
}
