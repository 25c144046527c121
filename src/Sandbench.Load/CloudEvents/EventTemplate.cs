using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace Sandbench.Load.CloudEvents;

/// <summary>
/// One CloudEvent request encoded once by the CloudEvents library, with fixed-width slots for what
/// changes from event to event: the sequence number in the id, the monotonic send time and the
/// <c>time</c> attribute. Each connection patches its own copy in place right before it writes, so
/// the hot path neither allocates nor serializes, and the bytes stay exactly what the library made.
/// </summary>
internal sealed class EventTemplate
{
    private const int ConnectionDigits = 5;
    private const int SeqDigits = 12;
    private const int SentDigits = 19; // long.MaxValue has 19 digits
    private const int TimeLength = 28; // 2000-01-01T00:00:00.1234567Z
    private const string SentPlaceholder = "0000000000000000000";
    private static readonly StandardFormat SeqFormat = new('D', SeqDigits);
    private static readonly StandardFormat SentFormat = new('D', SentDigits);
    private static readonly StandardFormat FractionFormat = new('D', 7);
    private static readonly DateTimeOffset TimePlaceholder = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    private readonly byte[] _bytes;
    private readonly int _connectionAt;
    private readonly int _seqAt;
    private readonly int _sentAt;
    private readonly int _timeAt;
    private readonly long _originNs;
    private readonly long _originUtcTicks;

    private EventTemplate(byte[] bytes, string idPlaceholder, string idPrefix, long originNs, long originUtcTicks)
    {
        _bytes = bytes;
        IdPrefix = idPrefix;
        int id = Find(bytes, idPlaceholder, "the event id");
        _connectionAt = id + idPrefix.Length + 1;
        _seqAt = _connectionAt + ConnectionDigits + 1;
        _sentAt = Find(bytes, SentPlaceholder, EventAttributes.SentNs);
        _timeAt = Find(bytes, FormatTime(TimePlaceholder.UtcTicks), "the time attribute");
        _originNs = originNs;
        _originUtcTicks = originUtcTicks;
    }

    /// <summary>Random, per generator run: ids are <c>PREFIX-CONNECTION-SEQUENCE</c>, unique across runs too.</summary>
    public string IdPrefix { get; }

    public CloudEventMode Mode { get; private init; }

    /// <summary>
    /// The library's encoding of the event for <paramref name="load"/>, checked by stamping a copy and
    /// decoding it back with the library as the sink does; <paramref name="time"/> maps monotonic to wall-clock time.
    /// </summary>
    public static async Task<EventTemplate> BuildAsync(LoadOptions load, TimeProvider time)
    {
        var template = Build(load, time);
        var copy = template.CopyFor(0);
        long second = -1, sentNs = template._originNs + 1_234_567_891;
        template.Stamp(copy, 1, sentNs, ref second);
        var reader = new HttpRequestReader();
        for (int at = 0; at < copy.Length;)
        {
            var space = reader.FreeSpace();
            int n = Math.Min(space.Length, copy.Length - at);
            copy.AsSpan(at, n).CopyTo(space.Span);
            reader.Advance(n);
            at += n;
        }
        if (reader.TryRead(out var request, out string? problem) == ReadState.Complete)
        {
            var e = await EventDecoder.DecodeAsync(request!).ConfigureAwait(false);
            problem = e.Problem is not null ? $"{e.Problem}: {e.Detail}"
                : e.Id != template.IdOf(0, 1) || e.SentNs != sentNs || e.Time != template.WallTimeOf(sentNs) || e.Mode != template.Mode
                    ? $"it decodes to id {e.Id}, {EventAttributes.SentNs} {e.SentNs}, time {e.Time:O}, {e.Mode} mode" : null;
        }
        return problem is null ? template : throw new LoadException($"internal: the event Sandbench encoded does not read back as stamped ({problem ?? "incomplete request"})");
    }

    /// <summary>The library's encoding of the event for <paramref name="load"/>, unchecked (see <see cref="BuildAsync"/>).</summary>
    public static EventTemplate Build(LoadOptions load, TimeProvider time)
    {
        var options = load.CloudEvents ?? throw new ArgumentException("not a CloudEvents load", nameof(load));
        string prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        string idPlaceholder = $"{prefix}-{new string('0', ConnectionDigits)}-{new string('0', SeqDigits)}";
        var sent = CloudEventAttribute.CreateExtension(EventAttributes.SentNs, CloudEventAttributeType.String);
        var clock = CloudEventAttribute.CreateExtension(EventAttributes.Clock, CloudEventAttributeType.String);
        using var data = JsonDocument.Parse(load.Body.Length > 0 ? load.Body : Encoding.UTF8.GetBytes(CloudEventOptions.DefaultData));
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, [sent, clock])
        {
            Id = idPlaceholder,
            Source = new Uri(options.Source, UriKind.RelativeOrAbsolute),
            Type = options.Type,
            Time = TimePlaceholder,
            DataContentType = "application/json",
            Data = data.RootElement.Clone(),
            [sent] = SentPlaceholder,
            [clock] = EventClock.Domain,
        };
        var mode = options.Mode == CloudEventMode.Binary ? ContentMode.Binary : ContentMode.Structured;
        using var content = cloudEvent.ToHttpContent(mode, new JsonEventFormatter());
        byte[] body;
        using (var stream = content.ReadAsStream())
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            body = copy.ToArray();
        }
        var head = load.RequestHead();
        foreach (var (name, values) in content.Headers.NonValidated)
        {
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) continue;
            // The library repeats the attributes as ce-* headers in structured mode too (optional in the binding);
            // without them a structured event is only its body, which is what this mode is meant to exercise.
            if (mode == ContentMode.Structured && name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase)) continue;
            head.Append(name).Append(": ").Append(string.Join(", ", values)).Append("\r\n");
        }
        head.Append("Content-Length: ").Append(body.Length).Append("\r\n\r\n");
        byte[] bytes = [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
        long originNs = EventClock.NowNs();
        return new EventTemplate(bytes, idPlaceholder, prefix, originNs, time.GetUtcNow().UtcTicks) { Mode = options.Mode };
    }

    /// <summary>A connection's own copy, its number written into the id.</summary>
    public byte[] CopyFor(int connection)
    {
        var copy = (byte[])_bytes.Clone();
        WriteDigits(copy.AsSpan(_connectionAt, ConnectionDigits), connection % 100_000);
        return copy;
    }

    /// <summary>
    /// Writes the sequence number and the send time (<see cref="EventClock"/> nanoseconds) into a connection's
    /// copy. <paramref name="second"/> is the copy's last stamped wall-clock second: within the same second
    /// only the fraction of the time attribute changes (the hot path writes 38 digits, no date).
    /// </summary>
    public void Stamp(Span<byte> copy, long sequence, long sentNs, ref long second)
    {
        Utf8Formatter.TryFormat(sequence, copy.Slice(_seqAt, SeqDigits), out _, SeqFormat);
        Utf8Formatter.TryFormat(sentNs, copy.Slice(_sentAt, SentDigits), out _, SentFormat);
        long utcTicks = _originUtcTicks + (sentNs - _originNs) / 100;
        var time = copy.Slice(_timeAt, TimeLength);
        if (utcTicks / TimeSpan.TicksPerSecond == second) Utf8Formatter.TryFormat(utcTicks % TimeSpan.TicksPerSecond, time.Slice(20, 7), out _, FractionFormat);
        else
        {
            WriteTime(time, utcTicks);
            second = utcTicks / TimeSpan.TicksPerSecond;
        }
    }

    /// <summary>The id the event stamped with <paramref name="sequence"/> on <paramref name="connection"/> carries.</summary>
    public string IdOf(int connection, long sequence) =>
        $"{IdPrefix}-{(connection % 100_000).ToString("D5", System.Globalization.CultureInfo.InvariantCulture)}-{sequence.ToString("D12", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The wall-clock time the <c>time</c> attribute carries for a send at <paramref name="sentNs"/>.</summary>
    public DateTimeOffset WallTimeOf(long sentNs) => new(_originUtcTicks + (sentNs - _originNs) / 100, TimeSpan.Zero);

    private static int Find(byte[] bytes, string placeholder, string what)
    {
        var needle = Encoding.ASCII.GetBytes(placeholder);
        int at = bytes.AsSpan().IndexOf(needle);
        if (at < 0 || bytes.AsSpan(at + 1).IndexOf(needle) >= 0)
            throw new LoadException($"cannot place {what} in the encoded event (it appears {(at < 0 ? "nowhere" : "twice")}; does --body contain '{placeholder}'?)");
        return at;
    }

    private static void WriteDigits(Span<byte> slot, long value)
    {
        for (int i = slot.Length - 1; i >= 0; i--)
        {
            slot[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    /// <summary>RFC 3339 in UTC with 7 fractional digits, always 28 bytes (the library parses any precision).</summary>
    private static void WriteTime(Span<byte> slot, long utcTicks)
    {
        var (year, month, day) = new DateTime(utcTicks, DateTimeKind.Utc);
        long inDay = utcTicks % TimeSpan.TicksPerDay;
        WriteDigits(slot[..4], year);
        slot[4] = (byte)'-';
        WriteDigits(slot.Slice(5, 2), month);
        slot[7] = (byte)'-';
        WriteDigits(slot.Slice(8, 2), day);
        slot[10] = (byte)'T';
        WriteDigits(slot.Slice(11, 2), inDay / TimeSpan.TicksPerHour);
        slot[13] = (byte)':';
        WriteDigits(slot.Slice(14, 2), inDay / TimeSpan.TicksPerMinute % 60);
        slot[16] = (byte)':';
        WriteDigits(slot.Slice(17, 2), inDay / TimeSpan.TicksPerSecond % 60);
        slot[19] = (byte)'.';
        WriteDigits(slot.Slice(20, 7), inDay % TimeSpan.TicksPerSecond);
        slot[27] = (byte)'Z';
    }

    private static string FormatTime(long utcTicks)
    {
        Span<byte> slot = stackalloc byte[TimeLength];
        WriteTime(slot, utcTicks);
        return Encoding.ASCII.GetString(slot);
    }
}

/// <summary>The events one connection sends: its copy of the template, stamped per request.</summary>
internal sealed class EventRequests(EventTemplate template, int connection) : IRequestSource
{
    private readonly byte[] _bytes = template.CopyFor(connection);
    private long _sequence;
    private long _second = -1;

    public ReadOnlyMemory<byte> Next(long sentTimestamp)
    {
        template.Stamp(_bytes, ++_sequence, EventClock.ToNs(sentTimestamp), ref _second);
        return _bytes;
    }
}
