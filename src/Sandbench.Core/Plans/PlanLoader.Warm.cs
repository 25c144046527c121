using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

// The keys of a warm section: what load, for how long, after what warm-up.
public static partial class PlanLoader
{
    private const string WarmType = "warm";

    private static readonly string[] WarmOnlyKeys = ["rates", "concurrency", "duration", "connections", "warmup-duration", "start-timeout"];

    /// <summary>A warm section takes the common keys and its own; it waits for an HTTP answer, so it has no readiness method.</summary>
    private static readonly string[] WarmSectionKeys = ["type", "iterations", "warmup", "timeout", "order", "sweep", "sample-interval", .. WarmOnlyKeys];

    private static readonly Dictionary<string, string> WarmOnly = WarmOnlyKeys.ToDictionary(k => k,
        k => k == "concurrency" ? $"'{k}' is a key of type warm only" : $"'{k}' is a key of types warm and eventing only", StringComparer.Ordinal);

    private static readonly Dictionary<string, string> NotForWarm = new(StringComparer.Ordinal)
    {
        ["readiness"] = "type warm takes no readiness method: it sends requests until the sandbox answers one, then loads it",
        ["retry-spacing"] = "type warm takes no retry-spacing: it sends requests until the sandbox answers one, then loads it",
    };

    /// <summary>
    /// A warm section's defaults where they differ from a cold start's: 3 iterations (each is a whole load window),
    /// no warm-up trials (each trial warms its own sandbox), memory read every 100 ms (the host is busy serving).
    /// </summary>
    private static ExperimentSpec WarmDefaults { get; } = ExperimentSpec.ColdStartDefaults with
    {
        Type = WarmType,
        Iterations = 3,
        Warmup = 0,
        SampleInterval = TimeSpan.FromMilliseconds(100),
    };

    private static LoadSpec? ReadLoad(YamlReader r, Dictionary<string, YamlNode> keys, string path, YamlMappingNode section)
    {
        var d = LoadSpec.Defaults;
        var rates = r.PositiveNumbers(keys, "rates", path, 10_000_000, "requests per second");
        int? concurrency = r.Int(keys, "concurrency", path, 1, 10_000);
        int? connections = r.Int(keys, "connections", path, 1, 10_000);
        var duration = r.Duration(keys, "duration", path, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(24));
        var warmup = r.Duration(keys, "warmup-duration", path, TimeSpan.Zero, TimeSpan.FromHours(1));
        var start = r.Duration(keys, "start-timeout", path, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        bool open = keys.ContainsKey("rates"), closed = keys.ContainsKey("concurrency");
        if (open && closed)
            r.Error(keys["concurrency"], YamlReader.Join(path, "concurrency"),
                "give either rates (open loop: requests per second) or concurrency (closed loop: connections that each wait for their answer), not both");
        else if (!open && !closed)
            r.Error(section, path, "type warm needs rates (open loop, e.g. rates: [100, 1000]) or concurrency (closed loop, e.g. concurrency: 32)");
        if (closed && keys.TryGetValue("connections", out var c))
            r.Error(c, YamlReader.Join(path, "connections"), "a closed loop has as many connections as its concurrency; give concurrency only");
        var distinct = rates?.Distinct().ToList() ?? [];
        if (rates is not null && distinct.Count < rates.Count)
            r.Error(keys["rates"], YamlReader.Join(path, "rates"), "a rate is listed twice");
        return new LoadSpec(distinct, concurrency, duration ?? d.Duration, concurrency ?? connections ?? d.Connections,
            warmup ?? d.WarmupDuration, start ?? d.StartTimeout);
    }
}
