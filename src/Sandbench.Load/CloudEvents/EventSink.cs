using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sandbench.Load.CloudEvents;

/// <summary>A valid event of a type the sink does not measure, as it arrived (for an eventing round's probes).</summary>
/// <param name="ReceivedNs">CLOCK_MONOTONIC nanoseconds when the sink had the whole request (<see cref="EventClock"/>).</param>
/// <param name="SentNs">The event's <see cref="EventAttributes.SentNs"/>, when present.</param>
public sealed record ArrivedEvent(string Type, string Source, string Id, long ReceivedNs, long? SentNs);

/// <summary>
/// Receives CloudEvents over HTTP/1.1 on its address (127.0.0.1 unless told otherwise; binary and
/// structured mode, decoded by the CloudEvents library), answers 202 to each valid event and 400 to
/// anything else, and times the delivery of every measured event that carries its send time. Each
/// request is timed when the read that completes it returns, before it is decoded, so the decoding cost
/// is not part of the latency. Stops after the duration, after the count, at <see cref="Stop"/> or on
/// cancellation, and closes every connection.
/// </summary>
public sealed class EventSink(SinkOptions options)
{
    private static readonly byte[] Accepted = "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
    private static readonly byte[] Full = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray();

    /// <summary>Called about once a second while the sink runs.</summary>
    public Action<SinkProgress>? Progress { get; init; }

    /// <summary>Called once the socket listens, with its address (the port is the chosen one when 0 was asked).</summary>
    public Action<IPEndPoint>? Listening { get; init; }

    /// <summary>Wall-clock time to label the run, and the timers of the duration and the progress line.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Called for each valid event of a type other than <see cref="SinkOptions.MeasuredType"/>, after it was counted
    /// and before its 202 is sent, on the connection's thread: keep it short.
    /// </summary>
    public Action<ArrivedEvent>? OtherTypeArrived { get; init; }

    private readonly CountSignal _measured = new();
    private Action? _stopRun;
    private int _stopRequested;

    /// <summary>Distinct measured events received so far.</summary>
    public long Events => _measured.Count;

    /// <summary>Completes once at least <paramref name="count"/> distinct measured events were received (at once when they were).</summary>
    public Task WhenEventsAsync(long count, CancellationToken ct) => _measured.WhenAtLeast(count).WaitAsync(ct);

    /// <summary>Ends the run (ended by <c>stopped</c>): the sink closes its socket and connections and returns what it received.</summary>
    public void Stop()
    {
        Interlocked.Exchange(ref _stopRequested, 1);
        Volatile.Read(ref _stopRun)?.Invoke();
    }

    static EventSink()
    {
        // As for the generator: socket continuations run on the epoll thread, so a request is timed when
        // the kernel hands it over rather than after a hop through the thread pool.
        const string inline = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(inline) is null) Environment.SetEnvironmentVariable(inline, "1");
    }

    public async Task<SinkResult> RunAsync(CancellationToken ct)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new LoadException(string.Join(Environment.NewLine, problems));

        var asked = new IPEndPoint(options.Listen, options.Port);
        using var listener = new Socket(options.Listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (options.Listen.Equals(IPAddress.IPv6Any)) listener.DualMode = true; // [::] takes IPv4 too, as 0.0.0.0 would
            listener.Bind(asked);
            listener.Listen(1024);
        }
        catch (SocketException e)
        {
            throw new LoadException(e.SocketErrorCode == SocketError.AddressAlreadyInUse
                ? $"cannot listen on {asked}: {asked} is already in use (choose another port, or 0 for any free one)"
                : $"cannot listen on {asked}: {e.Message}");
        }
        var endpoint = (IPEndPoint)listener.LocalEndPoint!;
        await WarmUpAsync(endpoint).ConfigureAwait(false);
        long start = Stopwatch.GetTimestamp();
        var startedUtc = Time.GetUtcNow();
        var recorder = new SinkRecorder(start, options.Count, options.MeasuredType, _measured);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Interlocked.Exchange(ref _stopRun, () => Cancel(stop));
        if (Volatile.Read(ref _stopRequested) == 1) Cancel(stop);
        var live = new ConcurrentDictionary<Socket, Task>();
        using var closeAll = stop.Token.Register(() =>
        {
            listener.Dispose();
            foreach (var s in live.Keys) s.Dispose();
        });
        using var limit = options.Duration is { } d ? Time.CreateTimer(_ => Cancel(stop), null, d, Timeout.InfiniteTimeSpan) : null;
        using var progress = Progress is { } p
            ? Time.CreateTimer(_ => p(recorder.Progress((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency)), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1))
            : null;
        Listening?.Invoke(endpoint);

        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }
            socket.NoDelay = true;
            live[socket] = Task.Run(() => ServeAsync(socket, recorder, stop, live, OtherTypeArrived), CancellationToken.None);
            if (stop.IsCancellationRequested) socket.Dispose(); // registered after the close-all ran
        }
        Interlocked.Exchange(ref _stopRun, null);
        Cancel(stop);
        await Task.WhenAll(live.Values).ConfigureAwait(false);
        double elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        string endedBy = recorder.CountReached ? "count" : ct.IsCancellationRequested ? "interrupted"
            : Volatile.Read(ref _stopRequested) == 1 ? "stopped" : "duration";
        return recorder.Result(options, endpoint.ToString(), endedBy, startedUtc, elapsed);
    }

    /// <summary>
    /// Reads and decodes one event of each mode before the first real one, so the first events are not
    /// timed with the JIT compiling the reader, the decoder and the library (tens of ms on a busy host).
    /// </summary>
    private static async Task WarmUpAsync(IPEndPoint endpoint)
    {
        foreach (var mode in new[] { CloudEventMode.Binary, CloudEventMode.Structured })
        {
            var options = new LoadOptions
            {
                Target = new Uri($"http://{endpoint}/"), Method = "POST", CloudEvents = new CloudEventOptions { Mode = mode },
            };
            await EventTemplate.BuildAsync(options, TimeProvider.System).ConfigureAwait(false); // decodes what it built
        }
    }

    private static void Cancel(CancellationTokenSource stop)
    {
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static async Task ServeAsync(Socket socket, SinkRecorder recorder, CancellationTokenSource stop, ConcurrentDictionary<Socket, Task> live,
        Action<ArrivedEvent>? otherTypeArrived)
    {
        var reader = new HttpRequestReader();
        var replies = new ArrayBufferWriter<byte>(256);
        try
        {
            bool open = true;
            while (open)
            {
                int n = await socket.ReceiveAsync(reader.FreeSpace(), SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
                long received = Stopwatch.GetTimestamp();
                if (n == 0) break;
                reader.Advance(n);
                while (open)
                {
                    var state = reader.TryRead(out var request, out string? problem);
                    if (state == ReadState.NeedMore) break;
                    if (state == ReadState.Malformed)
                    {
                        recorder.Record(DecodedEvent.Invalid(EventDecoder.MalformedHttp, problem), received);
                        Reply(replies, 400, $"{EventDecoder.MalformedHttp}: {problem}", close: true);
                        open = false;
                        break;
                    }
                    var decoded = await EventDecoder.DecodeAsync(request!).ConfigureAwait(false);
                    switch (recorder.Record(decoded, received))
                    {
                        case Verdict.Accepted:
                        case Verdict.Duplicate:
                            replies.Write(Accepted);
                            break;
                        case Verdict.OtherType:
                            otherTypeArrived?.Invoke(new ArrivedEvent(decoded.Type, decoded.Source, decoded.Id, EventClock.ToNs(received), decoded.SentNs));
                            replies.Write(Accepted);
                            break;
                        case Verdict.Invalid:
                            Reply(replies, 400, $"{decoded.Problem}: {decoded.Detail}", close: false);
                            break;
                        case Verdict.Rejected:
                            replies.Write(Full);
                            open = false;
                            break;
                    }
                    open &= request!.KeepAlive;
                }
                for (int off = 0; off < replies.WrittenCount;)
                    off += await socket.SendAsync(replies.WrittenMemory[off..], SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
                replies.ResetWrittenCount();
                // The last counted event has its answer: now the sink may close everything.
                if (recorder.CountReached) Cancel(stop);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // The peer went away, or the sink is stopping.
        }
        finally
        {
            live.TryRemove(socket, out _);
            socket.Dispose();
        }
    }

    private static void Reply(ArrayBufferWriter<byte> replies, int status, string? reason, bool close)
    {
        var body = Encoding.UTF8.GetBytes((reason ?? "bad request") + "\n");
        var head = $"HTTP/1.1 {status} Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n{(close ? "Connection: close\r\n" : "")}\r\n";
        replies.Write(Encoding.ASCII.GetBytes(head));
        replies.Write(body);
    }
}
