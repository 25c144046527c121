using System.Diagnostics;
using System.Net.Sockets;

namespace Sandbench.Load;

/// <summary>
/// The closed loop's way of driving a connection: a non-blocking socket that a <see cref="PollingLoop"/> worker
/// watches with its own epoll and serves on its own thread, one request after another, as wrk's threads do. The
/// socket is never handed to the runtime's socket engine (no async call is made on it), so a response costs one
/// wake-up of the worker and no hop between threads. Timeouts are checked by the same worker (<see cref="Tick"/>),
/// which alone closes the socket.
/// </summary>
internal sealed partial class Connection
{
    private enum PollState { Done, Retry, Connecting, Sending, Receiving }

    private PollState _state = PollState.Done;
    private Epoll? _epoll;
    private int _tag;
    private uint _watching; // the events the epoll watches the socket for; 0: not registered
    private ReadOnlyMemory<byte> _unsent;
    private long _dueAt, _sent, _first;
    private int _sentSecond;
    private CancellationToken _stop;

    /// <summary>Still has a request to finish, or one to start once the last attempt failed.</summary>
    public bool Active => _state != PollState.Done;

    /// <summary>Its last attempt to connect failed at once: the worker tries again at its next turn.</summary>
    public bool WantsRetry => _state == PollState.Retry;

    /// <summary>Hands the connection to a worker's epoll, under <paramref name="tag"/>, and sends its first request.</summary>
    public void StartPolling(Epoll epoll, int tag, CancellationToken stop)
    {
        (_epoll, _tag, _stop) = (epoll, tag, stop);
        var socket = _socket;
        if (socket is not null)
        {
            socket.Blocking = false;
            Watch(socket, Epoll.In);
        }
        Next(Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Opens every connection before the clock starts, as wrk does: all at once, non-blocking, waiting at most
    /// <paramref name="timeout"/> for all of them together. A connection that failed is left for its first request.
    /// </summary>
    public static void PrepareForPolling(IReadOnlyList<Connection> connections, TimeSpan timeout, CancellationToken ct)
    {
        var pending = new List<(Connection Connection, Socket Socket)>();
        foreach (var c in connections)
        {
            var socket = c.NewSocket();
            try
            {
                if (c.BeginConnect(socket)) c._socket = socket;
                else pending.Add((c, socket));
            }
            catch (SocketException)
            {
                socket.Dispose();
            }
        }
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        foreach (var (c, socket) in pending)
        {
            bool connected = false;
            // In slices of at most 50 ms, so an interruption is seen.
            for (long left; !ct.IsCancellationRequested && (left = deadline - Stopwatch.GetTimestamp()) > 0;)
            {
                int micros = (int)Math.Min(50_000, left * 1_000_000 / Stopwatch.Frequency);
                if (socket.Poll(Math.Max(micros, 1), SelectMode.SelectWrite))
                {
                    connected = ConnectError(socket) == 0;
                    break;
                }
            }
            if (connected) c._socket = socket;
            else socket.Dispose();
        }
    }

    /// <summary>The epoll reported this connection's socket ready for what it waits for.</summary>
    public void OnReady()
    {
        try
        {
            switch (_state)
            {
                case PollState.Connecting:
                    OnConnected();
                    break;
                case PollState.Sending:
                    if (!Write()) _state = PollState.Retry; // counted; a new connection at the worker's next turn
                    break;
                case PollState.Receiving:
                    Read();
                    break;
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed by an interruption (the run's cancellation disposes every socket).
            Dropped(ErrorKind.Socket);
        }
    }

    /// <summary>Ends a request past its timeout, and retries a connection whose last attempt failed at once.</summary>
    public void Tick(long now)
    {
        if (_state == PollState.Retry)
        {
            Next(now);
            return;
        }
        long since = _inFlightSince;
        if ((_state is PollState.Connecting or PollState.Sending or PollState.Receiving) && since != 0 && now - since > run.TimeoutTicks)
        {
            if (_state == PollState.Connecting) _sentSecond = run.SecondOf(since); // counted in the second the attempt began
            Dropped(ErrorKind.Timeout);
        }
    }

    /// <summary>Starts the next request unless the run is over: the closed loop's step.</summary>
    private void Next(long now)
    {
        if (_stop.IsCancellationRequested || now >= run.End)
        {
            _state = PollState.Done;
            return;
        }
        if (_socket is null && !Connect(now)) return;
        if (_state == PollState.Connecting) return;
        _dueAt = now;
        _sentSecond = run.SecondOf(now);
        _sent = Stopwatch.GetTimestamp();
        _unsent = Begin(_dueAt, _sent);
        _first = 0;
        // A send that failed (counted, socket closed) is followed by a new connection at the worker's next turn, so a
        // server that resets every connection cannot keep the worker from its other connections.
        if (!Write()) _state = PollState.Retry;
    }

    /// <summary>Opens a new socket; false when that failed at once (counted; <see cref="Tick"/> retries).</summary>
    private bool Connect(long now)
    {
        var socket = NewSocket();
        _socket = socket;
        _inFlightSince = now;
        try
        {
            if (BeginConnect(socket))
            {
                _inFlightSince = 0;
                Watch(socket, Epoll.In);
            }
            else
            {
                _state = PollState.Connecting;
                Watch(socket, Epoll.Out);
            }
            return true;
        }
        catch (SocketException)
        {
            ConnectFailed(now);
            return false;
        }
    }

    private Socket NewSocket() => new(run.Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };

    /// <summary>Starts connecting <paramref name="socket"/>: true when it connected at once, false when the connect is in progress.</summary>
    /// <exception cref="SocketException">The connect failed at once.</exception>
    private bool BeginConnect(Socket socket)
    {
        try
        {
            socket.Connect(run.Endpoint);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            return false;
        }
    }

    private void OnConnected()
    {
        var socket = _socket!;
        long now = Stopwatch.GetTimestamp();
        if (ConnectError(socket) != 0)
        {
            ConnectFailed(now);
            return;
        }
        _inFlightSince = 0;
        _state = PollState.Done; // connected, nothing in flight yet
        Watch(socket, Epoll.In);
        Next(now);
    }

    private void ConnectFailed(long now)
    {
        _inFlightSince = 0;
        if (!_stop.IsCancellationRequested)
        {
            Stats.Error(ErrorKind.Connect);
            run.Buckets.Error(run.SecondOf(now));
        }
        Close();
        _state = PollState.Retry;
    }

    /// <summary>Sends what is left of the request; false when the send failed (counted, connection closed).</summary>
    private bool Write()
    {
        var socket = _socket!;
        while (!_unsent.IsEmpty)
        {
            int n = socket.Send(_unsent.Span, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                _state = PollState.Sending;
                Watch(socket, Epoll.Out);
                return true;
            }
            if (error != SocketError.Success)
            {
                Dropped(KindOf(error), next: false);
                return false;
            }
            _unsent = _unsent[n..];
        }
        _state = PollState.Receiving;
        Watch(socket, Epoll.In);
        return true;
    }

    /// <summary>Reads what arrived (level-triggered: anything left wakes the worker again).</summary>
    private void Read()
    {
        var socket = _socket!;
        int n = socket.Receive(_buffer, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock) return;
        if (error != SocketError.Success)
        {
            Dropped(KindOf(error));
            return;
        }
        if (n > 0 && _first == 0) _first = Stopwatch.GetTimestamp();
        var state = Received(n, _sentSecond);
        if (state == ParseState.NeedMore) return;
        long end = Stopwatch.GetTimestamp();
        _inFlightSince = 0;
        if (state == ParseState.Complete) Completed(_dueAt, _sent, _first, end, _sentSecond); // closes a connection not kept alive
        _state = PollState.Done;
        Next(end);
    }

    /// <summary>The request in flight failed (counted unless the run is being interrupted); the connection is closed.</summary>
    private void Dropped(ErrorKind kind, bool next = true)
    {
        _inFlightSince = 0;
        if (!_stop.IsCancellationRequested) Fail(kind, _sentSecond);
        Close();
        _state = PollState.Done;
        if (next) Next(Stopwatch.GetTimestamp());
    }

    private static ErrorKind KindOf(SocketError error) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown ? ErrorKind.Closed : ErrorKind.Socket;

    private static int ConnectError(Socket socket) => (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;

    /// <summary>Watches <paramref name="socket"/> for <paramref name="events"/> (a new socket is added, a watched one changed only if needed).</summary>
    private void Watch(Socket socket, uint events)
    {
        if (_watching == events) return;
        int fd = (int)socket.SafeHandle.DangerousGetHandle();
        if (_watching == 0) _epoll!.Add(fd, events, _tag);
        else _epoll!.Modify(fd, events, _tag);
        _watching = events;
    }
}
