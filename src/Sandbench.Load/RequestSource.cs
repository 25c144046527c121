namespace Sandbench.Load;

/// <summary>
/// The bytes of each request one connection sends. The connection asks for them right before it
/// writes, with the timestamp it will time the request from, so a source can stamp that time into
/// the request. One instance per connection, used by one request at a time: it may reuse a buffer.
/// </summary>
internal interface IRequestSource
{
    /// <summary>The next request, on the wire; <paramref name="sentTimestamp"/> is a <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> reading.</summary>
    ReadOnlyMemory<byte> Next(long sentTimestamp);
}

/// <summary>The same request every time (plain <c>sandbench load</c>).</summary>
internal sealed class FixedRequest(byte[] bytes) : IRequestSource
{
    private readonly ReadOnlyMemory<byte> _bytes = bytes;

    public ReadOnlyMemory<byte> Next(long sentTimestamp) => _bytes;
}

/// <summary>Makes the request source of each connection of a run.</summary>
internal static class RequestSources
{
    /// <summary>The same request for every connection, or (with <paramref name="events"/>) CloudEvents numbered per connection.</summary>
    public static Func<IRequestSource> For(LoadOptions options, CloudEvents.EventTemplate? events)
    {
        if (events is null)
        {
            var fixedRequest = new FixedRequest(options.RequestBytes());
            return () => fixedRequest;
        }
        int connections = 0;
        return () => new CloudEvents.EventRequests(events, Interlocked.Increment(ref connections) - 1);
    }
}
