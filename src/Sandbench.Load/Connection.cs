using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sandbench.Load;

/// <summary>
/// One keep-alive HTTP/1.1 connection that sends one request at a time and measures it. A watchdog
/// (<see cref="CheckTimeout"/>) closes the socket of a request past its timeout, which ends any
/// pending send or receive, so a stalled server can never hang the worker.
/// </summary>
internal sealed partial class Connection(RunContext run)
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly ResponseParser _parser = new() { NoBody = run.Options.Method == "HEAD" };
    private Socket? _socket;
    private long _inFlightSince; // Stopwatch timestamp of the current connect or request; 0 when idle
    private int _timedOut;
    private readonly HdrHistogram.LongHistogram _thisSecond = SecondBuckets.NewHistogram();
    private int _second;
    private readonly IRequestSource _requests = run.NewRequestSource();

    public WorkerStats Stats { get; } = new();

    /// <summary>Closes the socket when the current request is past <paramref name="limitTicks"/>.</summary>
    public void CheckTimeout(long now, long limitTicks)
    {
        long since = Volatile.Read(ref _inFlightSince);
        if (since == 0 || now - since <= limitTicks) return;
        // Checked again just before closing, so a request that ended meanwhile does not take the next one with it.
        if (Volatile.Read(ref _inFlightSince) == since && Interlocked.Exchange(ref _timedOut, 1) == 0) Volatile.Read(ref _socket)?.Dispose();
    }

    /// <summary>Opens the connection before the clock starts, as wrk does; a failure is left for the first request to retry and count.</summary>
    public async Task PrepareAsync(CancellationToken ct)
    {
        var socket = new Socket(run.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(run.Endpoint, ct).ConfigureAwait(false);
            Volatile.Write(ref _socket, socket);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
        }
    }

    /// <summary>Ends whatever is in flight at once (interruption); it is not counted as an error.</summary>
    public void Abort() => Volatile.Read(ref _socket)?.Dispose();

    private OpenLoop? _pool;
    private CancellationToken _ct;

    /// <summary>Joins an open-loop run: the pool hands this connection its requests until <paramref name="ct"/> stops the run.</summary>
    public void Attach(OpenLoop pool, CancellationToken ct)
    {
        _pool = pool;
        _ct = ct;
        pool.Add(this);
    }

    /// <summary>
    /// Starts request <paramref name="i"/> on the calling thread: it runs up to the first wait (normally
    /// the send is done by then), and the rest, plus any requests waiting in the backlog, continues when
    /// the response arrives.
    /// </summary>
    public void StartOpen(long i, bool late) => _ = DriveOpenAsync(i, late);

    private async Task DriveOpenAsync(long i, bool late)
    {
        var pool = _pool!;
        bool stopping = false;
        try
        {
            while (true)
            {
                long dueAt = run.Schedule.Due(i);
                int second = run.SecondOf(dueAt);
                long now = Stopwatch.GetTimestamp();
                // Due before the end but picked up just after it (dispatch jitter): still sent, within a short grace.
                if (now - dueAt > run.TimeoutTicks || (now >= run.End && now - dueAt > RunContext.EndGraceTicks))
                {
                    Stats.Dropped++;
                    run.Buckets.Dropped(second);
                }
                else
                {
                    if (late)
                    {
                        Stats.Late++;
                        run.Buckets.Late(second);
                    }
                    await SendOneAsync(dueAt, second, _ct).ConfigureAwait(false);
                }
                stopping = _ct.IsCancellationRequested;
                if (!pool.TryNext(this, stopping, out i)) return;
                late = true;
            }
        }
        catch (Exception e)
        {
            pool.Fault(e);
            pool.TryNext(this, stopping: true, out _);
        }
    }

    /// <summary>Adds what the last second measured to the run's buckets and closes the socket (once the run is over).</summary>
    public void Finish()
    {
        run.Buckets.Flush(_second, _thisSecond);
        Close();
    }

    /// <summary>Sends requests back to back until the end of the run (closed loop); <see cref="Finish"/> follows.</summary>
    public async Task RunClosedAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= run.End) return;
            await SendOneAsync(now, run.SecondOf(now), ct).ConfigureAwait(false);
        }
    }

    // Pooled: one request per call, so a plain async method would allocate its state machine per request.
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendOneAsync(long dueAt, int second, CancellationToken ct)
    {
        Volatile.Write(ref _timedOut, 0);
        try
        {
            if (_socket is null && !await ConnectAsync(ct).ConfigureAwait(false))
            {
                run.Buckets.Error(second);
                return;
            }
            long sent = Stopwatch.GetTimestamp();
            var request = Begin(dueAt, sent);
            var socket = _socket!;
            for (int off = 0; off < request.Length;)
                off += await socket.SendAsync(request[off..], SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
            // Sends and receives take no token: timeouts and interruption end them by closing the socket, which costs nothing per request.
            long first = 0;
            ParseState state;
            while (true)
            {
                int n = await socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, CancellationToken.None).ConfigureAwait(false);
                if (first == 0 && n > 0) first = Stopwatch.GetTimestamp();
                state = Received(n, second);
                if (state != ParseState.NeedMore) break;
            }
            long end = Stopwatch.GetTimestamp();
            Volatile.Write(ref _inFlightSince, 0);
            if (state == ParseState.Complete) Completed(dueAt, sent, first, end, second);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            Volatile.Write(ref _inFlightSince, 0);
            if (Volatile.Read(ref _timedOut) == 1) Fail(ErrorKind.Timeout, second);
            else if (!ct.IsCancellationRequested)
                Fail(e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } ? ErrorKind.Closed : ErrorKind.Socket, second);
            Close();
        }
    }

    /// <summary>A request goes out at <paramref name="sent"/> (due at <paramref name="dueAt"/>): it is counted, and its bytes are made.</summary>
    private ReadOnlyMemory<byte> Begin(long dueAt, long sent)
    {
        var stats = Stats;
        Volatile.Write(ref _inFlightSince, sent);
        Volatile.Write(ref stats.Sent, stats.Sent + 1); // one writer; the progress line reads it
        if (run.OpenLoop) WorkerStats.Record(stats.Lag, run.Micros(sent - dueAt));
        _parser.Reset();
        return _requests.Next(sent);
    }

    /// <summary>
    /// <paramref name="n"/> bytes of the response arrived in the buffer (0: the server closed the connection). A
    /// malformed response, or one cut short, is counted as an error and the connection closed.
    /// </summary>
    private ParseState Received(int n, int second)
    {
        if (n == 0)
        {
            var end = _parser.EndOfStream();
            if (end != ParseState.Complete) Fail(ErrorKind.Closed, second);
            return end;
        }
        Stats.BytesRead += n;
        var state = _parser.Feed(_buffer.AsSpan(0, n), out int used);
        if (state == ParseState.Complete && used < n) state = ParseState.Malformed; // bytes nobody asked for
        if (state == ParseState.Malformed) Fail(ErrorKind.Malformed, second);
        return state;
    }

    /// <summary>Records a complete response (all timestamps from <see cref="Stopwatch.GetTimestamp"/>).</summary>
    private void Completed(long dueAt, long sent, long first, long end, int second)
    {
        var stats = Stats;
        long corrected = run.Micros(end - dueAt);
        WorkerStats.Record(stats.Corrected, corrected);
        WorkerStats.Record(stats.Uncorrected, run.Micros(end - sent));
        WorkerStats.Record(stats.Ttfb, run.Micros(first - sent));
        if (_parser.FunctionNs >= 0) stats.RecordFunction(run.Nanos(end - sent), _parser.FunctionNs);
        stats.Status[Math.Clamp(_parser.StatusCode, 0, stats.Status.Length - 1)]++;
        Volatile.Write(ref stats.Completed, stats.Completed + 1);
        if (second != _second)
        {
            run.Buckets.Flush(_second, _thisSecond);
            _second = second;
        }
        WorkerStats.Record(_thisSecond, corrected);
        if (!_parser.KeepAlive) Close();
    }

    private async Task<bool> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(run.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Volatile.Write(ref _socket, socket);
        Volatile.Write(ref _inFlightSince, Stopwatch.GetTimestamp());
        try
        {
            await socket.ConnectAsync(run.Endpoint, ct).ConfigureAwait(false);
            Volatile.Write(ref _inFlightSince, 0);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Volatile.Write(ref _inFlightSince, 0);
            if (!ct.IsCancellationRequested)
            {
                Stats.Error(Volatile.Read(ref _timedOut) == 1 ? ErrorKind.Timeout : ErrorKind.Connect);
            }
            Close();
            return false;
        }
    }

    private void Fail(ErrorKind kind, int second)
    {
        Stats.Error(kind);
        run.Buckets.Error(second);
        Close();
    }

    private void Close()
    {
        Interlocked.Exchange(ref _socket, null)?.Dispose();
        _watching = 0; // closing the socket, its only descriptor, took it out of its worker's epoll
    }
}

/// <summary>What every connection of one run shares (read-only while it lasts, except the buckets).</summary>
internal sealed class RunContext(LoadOptions options, IPEndPoint endpoint, SecondBuckets buckets, Func<IRequestSource> requests)
{
    private readonly double _microsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public LoadOptions Options { get; } = options;
    public IPEndPoint Endpoint { get; } = endpoint;
    /// <summary>Set by <see cref="Begin"/> once the connections are open; the clock starts then.</summary>
    public Schedule Schedule { get; private set; } = new(0, options.Rate ?? 1, options.Duration, Stopwatch.Frequency);

    public Schedule Begin(long start)
    {
        Schedule = new Schedule(start, Options.Rate ?? 1, Options.Duration, Stopwatch.Frequency);
        End = start + (long)(Options.Duration.TotalSeconds * Stopwatch.Frequency);
        return Schedule;
    }
    public bool OpenLoop { get; } = options.Rate is not null;

    /// <summary>How late a request due before the end may still be sent after it: 10 ms.</summary>
    public static long EndGraceTicks { get; } = Stopwatch.Frequency / 100;

    /// <summary>What the next connection sends (one source per connection).</summary>
    public IRequestSource NewRequestSource() => requests();

    public long Start => Schedule.Start;
    public long End { get; private set; }
    public long TimeoutTicks { get; } = (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency);
    public SecondBuckets Buckets { get; } = buckets;

    public long Micros(long ticks) => (long)(ticks * _microsPerTick);

    public long Nanos(long ticks) => (long)(ticks * _microsPerTick * 1000);

    public int SecondOf(long timestamp) => (int)((timestamp - Start) / Stopwatch.Frequency);
}
