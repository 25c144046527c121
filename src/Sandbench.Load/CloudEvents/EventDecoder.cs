using System.Globalization;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace Sandbench.Load.CloudEvents;

/// <summary>What the sink learned from one request: a valid event, or why not.</summary>
internal sealed record DecodedEvent
{
    /// <summary>Null for a valid event; else the kind of problem (a key of the invalid counts).</summary>
    public string? Problem { get; init; }

    /// <summary>The library's words, or the reader's, for <see cref="Problem"/>.</summary>
    public string? Detail { get; init; }

    public string Id { get; init; } = "";
    public string Source { get; init; } = "";
    public string Type { get; init; } = "";
    public CloudEventMode Mode { get; init; }

    /// <summary>The <see cref="EventAttributes.SentNs"/> attribute, when present and a number.</summary>
    public long? SentNs { get; init; }

    /// <summary>The <see cref="EventAttributes.Clock"/> attribute, when present.</summary>
    public string? Clock { get; init; }

    public DateTimeOffset? Time { get; init; }

    public static DecodedEvent Invalid(string problem, string? detail) => new() { Problem = problem, Detail = detail };
}

/// <summary>Turns a received HTTP request into a CloudEvent with the CloudEvents library (binary or structured mode, JSON format).</summary>
internal static class EventDecoder
{
    public const string NotCloudEvent = "not a CloudEvent";
    public const string InvalidEvent = "invalid CloudEvent";
    public const string Batch = "batch mode (not supported)";
    public const string MalformedHttp = "malformed HTTP";

    private static readonly JsonEventFormatter Formatter = new();
    private static readonly CloudEventAttribute SentAttribute = CloudEventAttribute.CreateExtension(EventAttributes.SentNs, CloudEventAttributeType.String);
    private static readonly CloudEventAttribute ClockAttribute = CloudEventAttribute.CreateExtension(EventAttributes.Clock, CloudEventAttributeType.String);
    private static readonly CloudEventAttribute[] Extensions = [SentAttribute, ClockAttribute];

    public static async ValueTask<DecodedEvent> DecodeAsync(HttpRequestData request)
    {
        try
        {
            return await DecodeCoreAsync(request).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException or InvalidOperationException or NotSupportedException
            or InvalidCastException or OverflowException)
        {
            // Whatever a peer sends must end in a 400, never in the sink failing.
            return DecodedEvent.Invalid(InvalidEvent, e.Message);
        }
    }

    private static async ValueTask<DecodedEvent> DecodeCoreAsync(HttpRequestData request)
    {
        // The binding does not depend on the method; the request line was already checked by the reader.
        using var message = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/");
        var content = new ByteArrayContent(request.Body);
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (!content.Headers.TryAddWithoutValidation(name, value)) return DecodedEvent.Invalid(InvalidEvent, $"bad Content-Type '{value}'");
            }
            else if (name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
        message.Content = content;
        if (message.IsCloudEventBatch()) return DecodedEvent.Invalid(Batch, "application/cloudevents-batch+json");
        if (!message.IsCloudEvent())
            return DecodedEvent.Invalid(NotCloudEvent, "neither a ce-specversion header (binary mode) nor an application/cloudevents+json body (structured mode)");
        var mode = content.Headers.ContentType?.MediaType?.StartsWith("application/cloudevents", StringComparison.OrdinalIgnoreCase) == true
            ? CloudEventMode.Structured : CloudEventMode.Binary;
        var cloudEvent = await message.ToCloudEventAsync(Formatter, Extensions).ConfigureAwait(false);
        string? sent = cloudEvent[SentAttribute] as string;
        return new DecodedEvent
        {
            Id = cloudEvent.Id!,
            Source = cloudEvent.Source!.OriginalString,
            Type = cloudEvent.Type!,
            Mode = mode,
            SentNs = long.TryParse(sent, NumberStyles.None, CultureInfo.InvariantCulture, out long ns) ? ns : null,
            Clock = cloudEvent[ClockAttribute] as string,
            Time = cloudEvent.Time,
        };
    }
}
