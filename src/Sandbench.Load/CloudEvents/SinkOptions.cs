using System.Globalization;

namespace Sandbench.Load.CloudEvents;

/// <summary>
/// <c>sandbench sink</c>: where it listens (always 127.0.0.1) and when it stops: after
/// <see cref="Duration"/>, after <see cref="Count"/> distinct events, or at Ctrl+C, whichever comes first.
/// </summary>
public sealed record SinkOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (reported when listening).</summary>
    public int Port { get; init; }

    public TimeSpan? Duration { get; init; }

    public long? Count { get; init; }

    /// <summary>Every problem with these options, one sentence each.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65535) problems.Add(string.Create(CultureInfo.InvariantCulture, $"--port must be from 1 to 65535, or 0 for any free port (got {Port})"));
        if (Duration is { } d && d <= TimeSpan.Zero) problems.Add("--duration must be above 0 (e.g. 60s)");
        if (Count is { } c && c < 1) problems.Add(string.Create(CultureInfo.InvariantCulture, $"--count must be at least 1 (got {c})"));
        if (Duration is null && Count is null) problems.Add("give --duration D or --count N (or both): the sink stops at whichever comes first");
        return problems;
    }
}
