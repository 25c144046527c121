using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

// The keys of an eventing section: events at what rates, for how long, in which content mode, and how long to drain.
public static partial class PlanLoader
{
    private static readonly string[] EventingOnlyKeys = ["cloudevents", "drain"];

    /// <summary>An eventing section sends events open loop (rates) and waits for them at its sink: no concurrency, no readiness method.</summary>
    private static readonly string[] EventingSectionKeys =
        ["type", "iterations", "warmup", "timeout", "order", "sweep", "rates", "connections", "duration", "warmup-duration", "start-timeout", .. EventingOnlyKeys];

    private static readonly Dictionary<string, string> EventingOnly =
        EventingOnlyKeys.ToDictionary(k => k, k => $"'{k}' is a key of type eventing only", StringComparer.Ordinal);

    private static readonly Dictionary<string, string> NotForEventing = new(StringComparer.Ordinal)
    {
        ["concurrency"] = "type eventing sends events at fixed rates (open loop, rates: [...]), not a closed loop",
        ["readiness"] = "type eventing takes no readiness method: it sends probe events until one comes back through the broker",
        ["retry-spacing"] = "type eventing takes no retry-spacing: probe events go every 100 ms until one comes back through the broker",
    };

    private static readonly Dictionary<string, string> ContentModes = new(StringComparer.Ordinal) { ["binary"] = "binary", ["structured"] = "structured" };

    /// <summary>
    /// An eventing section's defaults: 3 iterations (each a whole load window), no warm-up trials (each trial probes its
    /// route and may warm it up with warmup-duration), a request timeout of 10 s.
    /// </summary>
    private static ExperimentSpec EventingDefaults { get; } = ExperimentSpec.ColdStartDefaults with
    {
        Type = EventingSpec.Type,
        Iterations = 3,
        Warmup = 0,
        Timeout = TimeSpan.FromSeconds(10),
    };

    private static (LoadSpec? Load, EventingSpec? Events) ReadEvents(YamlReader r, Dictionary<string, YamlNode> keys, string path, YamlMappingNode section)
    {
        var d = LoadSpec.Defaults;
        var rates = r.PositiveNumbers(keys, "rates", path, 1_000_000, "events per second");
        int? connections = r.Int(keys, "connections", path, 1, 10_000);
        var duration = r.Duration(keys, "duration", path, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24));
        var warmup = r.Duration(keys, "warmup-duration", path, TimeSpan.Zero, TimeSpan.FromHours(1));
        var start = r.Duration(keys, "start-timeout", path, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var drain = r.Duration(keys, "drain", path, TimeSpan.Zero, TimeSpan.FromHours(1));
        string? mode = null;
        if (keys.TryGetValue("cloudevents", out var m))
        {
            if (m is YamlScalarNode { Value: { } v } && ContentModes.ContainsKey(v)) mode = v;
            else r.Error(m, YamlReader.Join(path, "cloudevents"), $"expected one of {string.Join(", ", ContentModes.Keys)} (the CloudEvents HTTP content mode), got {YamlReader.Describe(m)}");
        }
        if (!keys.ContainsKey("rates"))
            r.Error(section, path, "type eventing needs rates: events per second sent to the broker, one trial each (e.g. rates: [100, 1000])");
        var distinct = rates?.Distinct().ToList() ?? [];
        if (rates is not null && distinct.Count < rates.Count)
            r.Error(keys["rates"], YamlReader.Join(path, "rates"), "a rate is listed twice");
        var load = new LoadSpec(distinct, null, duration ?? d.Duration, connections ?? 8, warmup ?? TimeSpan.Zero, start ?? d.StartTimeout);
        return (load, new EventingSpec(mode ?? EventingSpec.Defaults.Mode, drain ?? EventingSpec.Defaults.Drain));
    }
}
