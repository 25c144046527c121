using System.Globalization;
using System.Net;

namespace Sandbench.Load.CloudEvents;

/// <summary>
/// <c>sandbench sink</c>: where it listens, which events it measures, and when it stops: after
/// <see cref="Duration"/>, after <see cref="Count"/> distinct measured events, at <see cref="EventSink.Stop"/>
/// or at Ctrl+C, whichever comes first.
/// </summary>
public sealed record SinkOptions
{
    /// <summary>The address to listen on: 127.0.0.1 unless told otherwise (0.0.0.0 in a pod, so a Service can reach it).</summary>
    public IPAddress Listen { get; init; } = IPAddress.Loopback;

    /// <summary>TCP port; 0 picks a free one (reported when listening).</summary>
    public int Port { get; init; }

    public TimeSpan? Duration { get; init; }

    public long? Count { get; init; }

    /// <summary>
    /// Null: every valid event is measured. Else only events of this CloudEvents <c>type</c> are counted in
    /// <see cref="SinkResult.Events"/>, timed and held against <see cref="Count"/>; events of other types (an eventing
    /// round's probes and warm-up) are answered 202 and counted apart in <see cref="SinkResult.OtherTypes"/>.
    /// </summary>
    public string? MeasuredType { get; init; }

    /// <summary>Every problem with these options, one sentence each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535) problems.Add(string.Create(CultureInfo.InvariantCulture, $"--port must be from 1 to 65535, or 0 for any free port (got {Port})"));
        if (Duration is { } d && d <= TimeSpan.Zero) problems.Add("--duration must be above 0 (e.g. 60s)");
        if (Count is { } c && c < 1) problems.Add(string.Create(CultureInfo.InvariantCulture, $"--count must be at least 1 (got {c})"));
        if (Duration is null && Count is null) problems.Add("give --duration D or --count N (or both): the sink stops at whichever comes first");
        if (MeasuredType is { } t && (t.Length == 0 || t.Any(char.IsControl))) problems.Add($"the measured type '{t}' must be a non-empty line of text");
        return problems;
    }
}
