using System.Globalization;
using System.Text.Json;

namespace Sandbench.Kubernetes;

/// <summary>Reading Kubernetes and Knative objects as JSON (the fields the phases need, nothing typed).</summary>
internal static class KubeObject
{
    public static string? Str(this JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }
        return e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Number ? e.GetRawText() : null;
    }

    public static long? Long(this JsonElement e, params string[] path) =>
        Str(e, path) is { } s && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : null;

    public static JsonElement? Node(this JsonElement e, params string[] path)
    {
        foreach (var p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return null;
        }
        return e;
    }

    public static string Name(this JsonElement e) => e.Str("metadata", "name") ?? "";

    public static string? ResourceVersion(this JsonElement e) => e.Str("metadata", "resourceVersion");

    public static string? Label(this JsonElement e, string key) => e.Str("metadata", "labels", key);

    /// <summary>A status condition (Kubernetes and Knative use the same shape): its status and last transition time.</summary>
    public static (bool True, DateTimeOffset? Since, string? Message)? Condition(this JsonElement e, string type)
    {
        if (e.Node("status", "conditions") is not { ValueKind: JsonValueKind.Array } list) return null;
        foreach (var c in list.EnumerateArray())
        {
            if (c.Str("type") != type) continue;
            return (c.Str("status") == "True", Time(c.Str("lastTransitionTime")), c.Str("message") ?? c.Str("reason"));
        }
        return null;
    }

    /// <summary>An RFC 3339 timestamp of the API server (whole seconds: its resolution is 1 s).</summary>
    public static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>True when every container of a pod reports started (running), with the latest start time.</summary>
    public static (bool All, DateTimeOffset? Latest) ContainersStarted(this JsonElement pod)
    {
        if (pod.Node("status", "containerStatuses") is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0) return (false, null);
        DateTimeOffset? latest = null;
        foreach (var c in list.EnumerateArray())
        {
            if (c.Node("state", "running") is not { } running) return (false, null);
            var at = Time(running.Str("startedAt"));
            if (at is { } a && (latest is null || a > latest)) latest = a;
        }
        return (true, latest);
    }
}
