using System.Text.Json;

namespace Sandbench.Load.CloudEvents;

/// <summary>How an event travels in HTTP (CloudEvents HTTP protocol binding, §3.1 and §3.2).</summary>
public enum CloudEventMode
{
    /// <summary>Attributes in <c>ce-*</c> headers, the data as the body.</summary>
    Binary,
    /// <summary>The whole event as one <c>application/cloudevents+json</c> body.</summary>
    Structured,
}

/// <summary>The attributes Sandbench adds to each event it sends, and their meaning.</summary>
public static class EventAttributes
{
    /// <summary>Send time: CLOCK_MONOTONIC nanoseconds as a decimal string (CloudEvents integers are 32-bit).</summary>
    public const string SentNs = "sandbenchsentns";

    /// <summary>Which clock <see cref="SentNs"/> reads: <see cref="EventClock.Domain"/>.</summary>
    public const string Clock = "sandbenchclock";
}

/// <summary>
/// <c>sandbench load --cloudevents</c>: every request is a CloudEvent (POST, JSON data) with a
/// unique id, the standard <c>time</c> attribute, and its send time on the monotonic clock.
/// </summary>
public sealed record CloudEventOptions
{
    public const string DefaultType = "dev.sandbench.load";
    public const string DefaultSource = "/sandbench/load";
    public const string DefaultData = """{"message":"hello"}""";

    public CloudEventMode Mode { get; init; }

    public string Type { get; init; } = DefaultType;

    public string Source { get; init; } = DefaultSource;

    /// <summary>Every problem with these options together with the load options they ride on.</summary>
    public IReadOnlyList<string> Validate(LoadOptions load)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Type) || Type.Any(char.IsControl))
            problems.Add($"--ce-type '{Type}' must be a non-empty line of text (e.g. {DefaultType})");
        if (string.IsNullOrWhiteSpace(Source) || Source.Any(c => char.IsControl(c) || c == ' ') || !Uri.TryCreate(Source, UriKind.RelativeOrAbsolute, out _))
            problems.Add($"--ce-source '{Source}' must be a URI reference (e.g. {DefaultSource} or urn:sandbench:load)");
        if (load.Method != "POST")
            problems.Add($"--cloudevents sends POST requests; drop -X {load.Method}");
        if (load.Body.Length > 0)
        {
            try
            {
                using var _ = JsonDocument.Parse(load.Body);
            }
            catch (JsonException)
            {
                problems.Add("--body must be JSON with --cloudevents: it is the event's data (application/json)");
            }
        }
        foreach (var (name, _) in load.Headers)
        {
            if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                problems.Add($"--header '{name}' is set by --cloudevents; use --ce-type and --ce-source for the event's attributes");
        }
        return problems;
    }
}
