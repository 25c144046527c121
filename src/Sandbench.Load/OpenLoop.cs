namespace Sandbench.Load;

/// <summary>
/// Hands open-loop requests to connections. The dispatcher thread gives a request that is due to an
/// idle connection and that connection's send runs right there, on the dispatcher thread, so a request
/// on time is written within microseconds of its due time instead of after a thread wake-up. When
/// every connection is busy the request waits in the backlog, and the first connection to finish takes
/// it (a late request). One lock guards both, so a connection never parks while a request waits.
/// </summary>
internal sealed class OpenLoop(int connections)
{
    private readonly object _gate = new();
    private readonly Stack<Connection> _idle = new(connections);
    private readonly Queue<long> _backlog = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _complete;
    private Exception? _fault;

    /// <summary>Completes when the dispatcher has finished and every connection is idle with nothing waiting.</summary>
    public Task Done => _done.Task;

    /// <summary>Adds a connection that has nothing to do (each connection once, before the clock starts).</summary>
    public void Add(Connection connection)
    {
        lock (_gate) _idle.Push(connection);
    }

    /// <summary>Request <paramref name="i"/> is due: starts it on an idle connection, on the calling thread, or queues it.</summary>
    public void Release(long i)
    {
        Connection? connection;
        lock (_gate)
        {
            if (!_idle.TryPop(out connection))
            {
                _backlog.Enqueue(i);
                return;
            }
        }
        connection.StartOpen(i, late: false);
    }

    /// <summary>
    /// Called by a connection that finished a request: the next waiting request, or false after the
    /// connection was parked as idle. <paramref name="stopping"/> parks it even when requests wait.
    /// </summary>
    public bool TryNext(Connection connection, bool stopping, out long i)
    {
        lock (_gate)
        {
            if (!stopping && _backlog.TryDequeue(out i)) return true;
            i = 0;
            _idle.Push(connection);
            CheckDone();
            return false;
        }
    }

    /// <summary>The dispatcher released everything it will (the schedule ended or the run was interrupted).</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _complete = true;
            CheckDone();
        }
    }

    /// <summary>A connection's driver failed unexpectedly; the run reports it once everything has stopped.</summary>
    public void Fault(Exception e)
    {
        lock (_gate) _fault ??= e;
    }

    private void CheckDone()
    {
        if (!_complete || _idle.Count < connections) return;
        // Interrupted: requests left in the backlog were never due to anyone; they are neither sent nor dropped.
        if (_fault is { } e) _done.TrySetException(e);
        else _done.TrySetResult();
    }
}
