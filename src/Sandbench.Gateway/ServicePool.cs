using Sandbench.Core.Experiments;
using Sandbench.Core.Gateway;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Gateway;

/// <summary>
/// The sandboxes of one service and the requests waiting for them: the part of Knative's activator that
/// holds requests, and the part of its autoscaler that decides how many sandboxes run. A request takes a
/// free slot (at most <see cref="ScalingOptions.ContainerConcurrency"/> per sandbox, warm ones first) or
/// waits in a FIFO queue; while requests wait beyond what starting sandboxes will take, another sandbox
/// starts (up to <see cref="ScalingOptions.MaxScale"/>). A sandbox idle for the idle window is stopped.
/// All decisions happen under one lock; starts, readiness and teardowns run outside it.
/// </summary>
internal sealed partial class ServicePool : IDisposable
{
    private readonly GatewayService _service;
    private readonly ScalingOptions _s;
    private readonly MonotonicClock _clock;
    private readonly TimeProvider _time;
    private readonly string _workDir;
    private readonly string _prefix;
    private readonly IGatewayObserver _observer;
    private readonly Lock _gate = new();
    private readonly List<GatewaySandbox> _live = [];
    private readonly LinkedList<Waiter> _queue = new();
    private readonly List<Task> _work = [];
    private readonly List<GatewaySandboxRecord> _ended = [];
    private readonly CancellationTokenSource _shutdown = new();
    private int _counter, _peak;
    private bool _closed, _warming;

    public ServicePool(GatewayService service, string workDir, string prefix, MonotonicClock clock, TimeProvider time, IGatewayObserver observer)
    {
        _service = service;
        _s = service.Scaling;
        _workDir = workDir;
        _prefix = prefix;
        _clock = clock;
        _time = time;
        _observer = observer;
        Method = ColdStartExperiment.Resolve(_s.Readiness, service.Runtime.Capabilities);
    }

    public string Name => _service.Name;

    public ScalingOptions Scaling => _s;

    /// <summary>How this service's sandboxes are known to be ready (socket activation, connect-retry, guest marker).</summary>
    public ReadinessMethod Method { get; }

    public bool Closed
    {
        get { lock (_gate) return _closed; }
    }

    public int Live
    {
        get { lock (_gate) return _live.Count; }
    }

    /// <summary>Requests waiting for a slot now.</summary>
    public int Waiting
    {
        get { lock (_gate) return _queue.Count; }
    }

    public int Peak
    {
        get { lock (_gate) return _peak; }
    }

    /// <summary>Sandboxes that have ended, in the order they ended.</summary>
    public IReadOnlyList<GatewaySandboxRecord> Ended
    {
        get { lock (_gate) return [.. _ended]; }
    }

    /// <summary>A slot in a sandbox for one request: at once when one is free, else when one frees or starts.</summary>
    /// <exception cref="GatewayRefusedException">No slot within the queue timeout (503), the sandbox started for it failed (502), or shutting down (503).</exception>
    /// <exception cref="OperationCanceledException">The client went away while it waited.</exception>
    public Task<Lease> AcquireAsync(long arrivalNs, CancellationToken aborted)
    {
        Waiter w;
        lock (_gate)
        {
            if (_closed) throw new GatewayRefusedException(503, "the gateway is shutting down");
            if (_queue.Count == 0 && Free() is { } free) return Task.FromResult(Assign(free, arrivalNs));
            w = new Waiter(arrivalNs);
            w.Node = _queue.AddLast(w);
            w.Timer = _time.CreateTimer(_ => Expire(w), null, _s.QueueTimeout, Timeout.InfiniteTimeSpan);
            Pump();
            if (!w.Result.Task.IsCompleted && !_warming) _observer.RequestQueued(Name, _queue.Count);
        }
        if (!w.Result.Task.IsCompleted && aborted.CanBeCanceled) w.Aborted = aborted.Register(() => Abandon(w));
        return w.Result.Task;
    }

    /// <summary>The sandbox's response head arrived: with socket activation, the first one says it is ready.</summary>
    public void OnResponseHead(GatewaySandbox sb, long ns)
    {
        if (sb.ReadyNs is not null) return;
        lock (_gate) sb.ReadyNs ??= ns;
    }

    /// <summary>The request is done with its slot. Returns when the sandbox was ready (null: never).</summary>
    public long? Release(Lease lease)
    {
        var sb = lease.Sandbox;
        if (sb.Readiness == ReadinessMethod.Socket && sb.ReadyNs is { } first && sb.TryClaimReadyAnnouncement())
        {
            // The workload's own "ready" marker is the moment it could accept; the first response head is later.
            if (WorkloadMarkers.Readable(_service.Runtime, _clock))
            {
                WorkloadMarkers.Read(sb.OutputPath, sb.Phases, Phases.Listening);
                if (sb.Phases.TryGet(Phases.Listening, out long listening) && listening < first)
                    lock (_gate) sb.ReadyNs = listening;
            }
            Tell(sb).SandboxReady(Name, sb.Name, sb.StartNs, sb.ReadyNs ?? first);
        }
        lock (_gate)
        {
            sb.InFlight--;
            sb.Served++;
            // Also while its runtime is still starting it: with socket activation it may answer before 'runc start' returns.
            if (sb.State != SandboxState.Stopping && sb.InFlight == 0) ArmIdle(sb);
            Pump();
            return sb.ReadyNs;
        }
    }

    /// <summary>Why forwarding to <paramref name="sb"/> failed, when the sandbox is the reason (it failed or exited); null otherwise.</summary>
    public string? Explain(GatewaySandbox sb)
    {
        lock (_gate)
        {
            if (sb.Failure is { } f) return f;
        }
        if (sb.Sandbox is { } s && s.HasExited(out string why))
        {
            string reason = $"sandbox {sb.Name} exited: {why}";
            Retire(sb, reason, "exited");
            return reason;
        }
        return null;
    }

    /// <summary>Stops taking requests: waiting ones get 503, forwards in flight are cut, starts under way are cancelled.</summary>
    public void Close()
    {
        List<Waiter> waiting;
        List<GatewaySandbox> all;
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            waiting = [.. _queue];
            _queue.Clear();
            all = [.. _live];
            _live.Clear();
            foreach (var sb in all)
            {
                sb.State = SandboxState.Stopping;
                sb.Failure ??= "the gateway shut down";
                // A sandbox still starting is stopped by its start task, which alone knows when the runtime is done.
                if (sb.StartFinished) Track(() => StopAsync(sb, "shutdown"));
            }
        }
        foreach (var w in waiting) w.Fail(new GatewayRefusedException(503, "the gateway is shutting down"));
        _shutdown.Cancel();
        foreach (var sb in all) sb.Abort.Cancel();
    }

    /// <summary>Waits until every sandbox this pool started is torn down.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate) pending = [.. _work.Where(t => !t.IsCompleted)];
            if (pending.Length == 0) return;
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    /// <summary>Frees the shutdown signal; call after <see cref="DrainAsync"/>.</summary>
    public void Dispose() => _shutdown.Dispose();

    /// <summary>The free sandbox a request should take: ready before starting, then the least loaded, then the oldest.</summary>
    private GatewaySandbox? Free()
    {
        GatewaySandbox? best = null;
        foreach (var sb in _live)
        {
            if (!sb.Accepting || sb.State == SandboxState.Stopping) continue;
            if (_s.ContainerConcurrency > 0 && sb.InFlight >= _s.ContainerConcurrency) continue;
            if (best is null
                || (sb.ReadyNs is not null && best.ReadyNs is null)
                || ((sb.ReadyNs is null) == (best.ReadyNs is null) && sb.InFlight < best.InFlight))
                best = sb;
        }
        return best;
    }

    /// <summary>A slot in <paramref name="sb"/>; cold when the sandbox was not ready yet when the request arrived.</summary>
    private Lease Assign(GatewaySandbox sb, long arrivalNs)
    {
        sb.InFlight++;
        sb.IdleGeneration++;
        sb.IdleTimer?.Dispose();
        sb.IdleTimer = null;
        return new Lease(sb, sb.ReadyNs is not { } ready || ready > arrivalNs, _clock.NowNs());
    }

    /// <summary>Gives waiting requests free slots, and starts sandboxes while requests wait beyond what starting ones will take.</summary>
    private void Pump()
    {
        while (true)
        {
            while (_queue.First is { } node && Free() is { } sb)
            {
                _queue.RemoveFirst();
                node.Value.Assign(Assign(sb, node.Value.ArrivalNs));
            }
            if (_queue.Count == 0 || !StartIfNeeded()) return;
        }
    }

    private bool StartIfNeeded()
    {
        if (_closed || _live.Count >= _s.MaxScale) return false;
        long coming = 0;
        foreach (var sb in _live)
            if (!sb.Accepting) coming += _s.ContainerConcurrency == 0 ? int.MaxValue : _s.ContainerConcurrency;
        return _queue.Count > coming && StartSandbox();
    }

    private void ArmIdle(GatewaySandbox sb)
    {
        long generation = ++sb.IdleGeneration;
        sb.IdleTimer?.Dispose();
        sb.IdleTimer = _time.CreateTimer(_ => IdleExpired(sb, generation), null, _s.IdleWindow, Timeout.InfiniteTimeSpan);
    }

    private void IdleExpired(GatewaySandbox sb, long generation)
    {
        lock (_gate)
        {
            if (_closed || sb.IdleGeneration != generation || sb.InFlight > 0 || sb.State == SandboxState.Stopping) return;
            sb.State = SandboxState.Stopping;
            _live.Remove(sb);
            if (sb.StartFinished) Track(() => StopAsync(sb, "idle"));
            else sb.PendingStop = "idle";
        }
    }

    private void Expire(Waiter w)
    {
        string reason;
        lock (_gate)
        {
            if (w.Node?.List is null) return;
            _queue.Remove(w.Node);
            reason = $"no sandbox free within {Durations.Format(_s.QueueTimeout)} ({_live.Count} of at most {_s.MaxScale} busy or starting)";
        }
        w.Fail(new GatewayRefusedException(503, reason));
    }

    private void Abandon(Waiter w)
    {
        lock (_gate)
        {
            if (w.Node?.List is null) return;
            _queue.Remove(w.Node);
        }
        w.Cancel();
    }

    /// <summary>Takes a sandbox out of the pool because it ended on its own, and tears it down.</summary>
    private void Retire(GatewaySandbox sb, string reason, string stopReason)
    {
        lock (_gate)
        {
            sb.Failure ??= reason;
            if (sb.State == SandboxState.Stopping) return;
            sb.State = SandboxState.Stopping;
            _live.Remove(sb);
            if (sb.StartFinished) Track(() => StopAsync(sb, stopReason));
            else sb.PendingStop = stopReason;
        }
        sb.Abort.Cancel();
    }

    /// <summary>Who hears about <paramref name="sb"/>: nobody for a warm-up sandbox.</summary>
    private IGatewayObserver Tell(GatewaySandbox sb) => sb.Silent ? Quiet : _observer;

    private static readonly IGatewayObserver Quiet = new Observers([]);

    /// <summary>Runs background work (a start, a teardown) off the caller's thread, remembered so shutdown can wait for it.</summary>
    private void Track(Func<Task> work)
    {
        lock (_gate)
        {
            _work.RemoveAll(t => t.IsCompleted);
            _work.Add(Task.Run(work));
        }
    }

    /// <summary>A request waiting for a slot.</summary>
    private sealed class Waiter(long arrivalNs)
    {
        public long ArrivalNs { get; } = arrivalNs;

        public TaskCompletionSource<Lease> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        public ITimer? Timer { get; set; }

        public CancellationTokenRegistration Aborted { get; set; }

        public void Assign(Lease lease)
        {
            Release();
            Result.TrySetResult(lease);
        }

        public void Fail(Exception e)
        {
            Release();
            Result.TrySetException(e);
        }

        public void Cancel()
        {
            Release();
            Result.TrySetCanceled();
        }

        // Unregister, not Dispose: Dispose would wait for a running Abandon, which may be waiting for the lock we hold.
        private void Release()
        {
            Timer?.Dispose();
            Aborted.Unregister();
        }
    }
}
