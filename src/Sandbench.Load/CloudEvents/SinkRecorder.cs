using System.Diagnostics;
using HdrHistogram;

namespace Sandbench.Load.CloudEvents;

/// <summary>How the sink answers a request.</summary>
internal enum Verdict
{
    /// <summary>A new valid event: 202.</summary>
    Accepted,
    /// <summary>A valid event seen before: 202, counted, not timed again.</summary>
    Duplicate,
    /// <summary>Not a valid CloudEvent: 400.</summary>
    Invalid,
    /// <summary>The count was already reached: 503.</summary>
    Rejected,
    /// <summary>A valid event of a type other than the measured one: 202, counted apart, not timed.</summary>
    OtherType,
}

/// <summary>
/// Counts and times what the sink receives, under one lock (decoding an event costs far more than
/// taking it). Each second keeps a histogram only while events may still land in it (the current and
/// the previous second); older seconds are reduced to their percentiles, so memory does not grow with the run.
/// With a measured type, only events of that type are counted as events and timed; others are counted by type.
/// </summary>
internal sealed class SinkRecorder(long startTimestamp, long? countLimit, string? measuredType = null, CountSignal? measured = null)
{
    /// <summary>Distinct measured events: the count, and waits on it (the sink's, when it gave one).</summary>
    private readonly CountSignal _events = measured ?? new CountSignal();

    /// <summary>At most this many distinct other types are named in the result; the rest are counted under <see cref="MoreTypes"/>.</summary>
    public const int NamedTypes = 32;

    public const string MoreTypes = "(more types)";

    /// <summary>Highest recordable latency: one hour, in nanoseconds; larger values are clamped.</summary>
    public const long HighestNs = 3_600_000_000_000;

    private sealed class Second
    {
        public long Events;
        public long Invalid;
        public long Duplicates;
        public LongHistogram? Latency; // made by the first latency recorded, dropped when closed
        public bool Closed;
        public double? P50;
        public double? P99;
    }

    private readonly Lock _gate = new();
    private readonly LongHistogram _delivery = new(1, HighestNs, 3);
    private readonly HashSet<(string Source, string Id)> _seen = [];
    private readonly List<Second> _seconds = [];
    private readonly SortedDictionary<string, long> _invalid = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _examples = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _otherTypes = new(StringComparer.Ordinal);
    private readonly string _clock = EventClock.Domain;
    private long _requests, _binary, _structured, _duplicates, _untimed, _foreign, _negative, _rejected;
    private long _firstEvent, _lastEvent;

    /// <summary>The count limit was reached: every later request is rejected.</summary>
    public bool CountReached => countLimit is { } n && _events.Count >= n;

    /// <summary>Records one request received complete at <paramref name="receivedTimestamp"/> (a <see cref="Stopwatch"/> reading).</summary>
    public Verdict Record(DecodedEvent e, long receivedTimestamp)
    {
        lock (_gate)
        {
            _requests++;
            var second = At(receivedTimestamp);
            if (e.Problem is { } problem)
            {
                _invalid[problem] = _invalid.GetValueOrDefault(problem) + 1;
                if (e.Detail is { } detail) _examples.TryAdd(problem, detail);
                second.Invalid++;
                return Verdict.Invalid;
            }
            if (measuredType is not null && e.Type != measuredType)
            {
                string key = _otherTypes.Count < NamedTypes || _otherTypes.ContainsKey(e.Type) ? e.Type : MoreTypes;
                _otherTypes[key] = _otherTypes.GetValueOrDefault(key) + 1;
                return Verdict.OtherType;
            }
            if (CountReached)
            {
                _rejected++;
                return Verdict.Rejected;
            }
            if (!_seen.Add((e.Source, e.Id)))
            {
                _duplicates++;
                second.Duplicates++;
                return Verdict.Duplicate;
            }
            _events.Increment();
            second.Events++;
            if (e.Mode == CloudEventMode.Binary) _binary++;
            else _structured++;
            if (_firstEvent == 0) _firstEvent = receivedTimestamp;
            _lastEvent = Math.Max(_lastEvent, receivedTimestamp);
            if (e.SentNs is not { } sent) _untimed++;
            else if (e.Clock is { } clock && clock != _clock) _foreign++;
            else
            {
                long latency = EventClock.ToNs(receivedTimestamp) - sent;
                if (latency < 0) _negative++;
                else
                {
                    long v = Math.Clamp(latency, 1, HighestNs);
                    _delivery.RecordValue(v);
                    if (!second.Closed) (second.Latency ??= new LongHistogram(1, HighestNs, 2)).RecordValue(v);
                }
            }
            return Verdict.Accepted;
        }
    }

    public SinkProgress Progress(double elapsed)
    {
        lock (_gate) return new SinkProgress(elapsed, _events.Count, _invalid.Values.Sum(), _duplicates);
    }

    public SinkResult Result(SinkOptions options, string listen, string endedBy, DateTimeOffset startedUtc, double elapsed)
    {
        lock (_gate)
        {
            foreach (var s in _seconds) Close(s);
            double span = (_lastEvent - _firstEvent) / (double)Stopwatch.Frequency;
            return new SinkResult
            {
                Listen = listen,
                DurationLimitSeconds = options.Duration?.TotalSeconds,
                CountLimit = options.Count,
                MeasuredType = options.MeasuredType,
                ElapsedSeconds = elapsed,
                EndedBy = endedBy,
                StartedUtc = startedUtc,
                StartedNs = EventClock.ToNs(startTimestamp),
                Requests = _requests,
                Events = _events.Count,
                Binary = _binary,
                Structured = _structured,
                Invalid = _invalid.Values.Sum(),
                InvalidByKind = new SortedDictionary<string, long>(_invalid, StringComparer.Ordinal),
                InvalidExamples = new SortedDictionary<string, string>(_examples, StringComparer.Ordinal),
                Duplicates = _duplicates,
                Untimed = _untimed,
                ForeignClock = _foreign,
                NegativeLatency = _negative,
                Rejected = _rejected,
                OtherTypes = _otherTypes.Values.Sum(),
                OtherTypesByType = new SortedDictionary<string, long>(_otherTypes, StringComparer.Ordinal),
                EventsPerSecond = _events.Count > 1 && span > 0 ? (_events.Count - 1) / span : null,
                Delivery = DeliverySummary.Of(_delivery),
                Clock = _clock,
                Seconds = [.. _seconds.Select((s, i) => new SinkSecond(i, s.Events, s.Invalid, s.Duplicates, s.P50, s.P99))],
                DeliveryHistogram = _delivery.TotalCount > 0 ? HistogramCodec.Encode(_delivery) : null,
            };
        }
    }

    private Second At(long timestamp)
    {
        int index = (int)Math.Max(0, (timestamp - startTimestamp) / Stopwatch.Frequency);
        while (_seconds.Count <= index) _seconds.Add(new Second());
        // Requests are timed before they take the lock, so one may land a little late in the previous second; older ones are closed.
        for (int i = index - 2; i >= 0 && !_seconds[i].Closed; i--) Close(_seconds[i]);
        return _seconds[index];
    }

    private static void Close(Second s)
    {
        s.Closed = true;
        if (s.Latency is { TotalCount: > 0 } h)
        {
            s.P50 = h.GetValueAtPercentile(50) / 1_000_000.0;
            s.P99 = h.GetValueAtPercentile(99) / 1_000_000.0;
        }
        s.Latency = null;
    }
}
