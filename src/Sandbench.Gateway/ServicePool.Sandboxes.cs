using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Gateway;

// Starting a sandbox, learning that it is ready, and tearing it down.
internal sealed partial class ServicePool
{
    /// <summary>Creates a sandbox slot (under the lock) and starts it in the background; false when not even its socket could be made.</summary>
    private bool StartSandbox()
    {
        string name = _warming ? $"{_prefix}-0" : $"{_prefix}-{++_counter}";
        var sb = new GatewaySandbox(name, Path.Combine(_workDir, name), Method, new PhaseClock(_clock), _clock.NowNs()) { Silent = _warming };
        try
        {
            if (Method == ReadinessMethod.Socket)
            {
                // Socket activation: the listening socket exists before the sandbox does, so requests can be sent to
                // it at once and the kernel holds them until the workload accepts, as an activator holds them.
                sb.Listener = Loopback.Listen();
                sb.Endpoint = sb.Listener.LocalEndPoint;
                sb.Accepting = true;
            }
            else sb.Endpoint = new IPEndPoint(IPAddress.Loopback, Loopback.FreePort());
        }
        catch (SocketException e)
        {
            // Out of ports or descriptors: the oldest waiting request learns why; the others wait for a slot or their timeout.
            sb.Dispose();
            var first = _queue.First!.Value;
            _queue.RemoveFirst();
            first.Fail(new GatewayRefusedException(502, $"cannot start a sandbox: no socket for it ({e.Message})"));
            return false;
        }
        // Armed now, before anyone hears of the start, so a test that advances the clock on that news cannot miss it.
        sb.StartTimeout = new CancellationTokenSource(_s.StartTimeout, _time);
        _live.Add(sb);
        _peak = Math.Max(_peak, _live.Count);
        Tell(sb).SandboxStarting(Name, name, $"{_queue.Count} waiting, {_live.Count - 1} running");
        Track(() => StartAsync(sb));
        return true;
    }

    private async Task StartAsync(GatewaySandbox sb)
    {
        var timeout = sb.StartTimeout!;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _shutdown.Token);
        var ct = linked.Token;
        ISandbox? started = null;
        try
        {
            Directory.CreateDirectory(sb.WorkDir);
            File.WriteAllBytes(sb.OutputPath, []);
            int port = ((IPEndPoint)sb.Endpoint!).Port;
            var spec = new SandboxSpec
            {
                Name = sb.Name,
                Artifact = _service.Artifact,
                Environment = sb.Listener is null
                    ? new Dictionary<string, string>(_service.Environment) { ["PORT"] = port.ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string>(_service.Environment),
                ListenSocket = sb.Listener,
                OutputPath = sb.OutputPath,
                WorkDir = sb.WorkDir,
                ServiceEndpointKnown = e =>
                {
                    lock (_gate) sb.Endpoint = e;
                },
            };
            started = await _service.Runtime.StartAsync(spec, sb.Phases, ct).ConfigureAwait(false);
            Socket? ours;
            lock (_gate)
            {
                sb.Sandbox = started;
                if (Method != ReadinessMethod.Socket && started.ServiceEndpoint is { } own) sb.Endpoint = own;
                ours = sb.Listener;
                sb.Listener = null;
            }
            // The workload holds its own copy now; without ours, requests queued to a workload that dies are reset at once.
            ours?.Dispose();
            if (Method == ReadinessMethod.ConnectRetry) await ConnectRetryAsync(sb, started, ct).ConfigureAwait(false);
            else if (Method == ReadinessMethod.Marker) await MarkerAsync(sb, started, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            string reason = e is OperationCanceledException && timeout.IsCancellationRequested && !_shutdown.IsCancellationRequested
                ? $"not ready within {Durations.Format(_s.StartTimeout)} (last phase: {LastPhase(sb)})"
                : e is OperationCanceledException ? "the gateway shut down while it started"
                : e.Message;
            if (started?.Diagnose() is { Length: > 0 } said) reason += $" [{said}]";
            await FailAsync(sb, $"sandbox {sb.Name} failed to start: {reason}").ConfigureAwait(false);
            return;
        }

        long ready = _clock.NowNs();
        bool stopNow;
        lock (_gate)
        {
            sb.StartFinished = true;
            stopNow = sb.State == SandboxState.Stopping;
            if (!stopNow)
            {
                sb.State = SandboxState.Serving;
                if (Method != ReadinessMethod.Socket)
                {
                    sb.ReadyNs = sb.Phases.TryGet(Phases.Listening, out long l) ? l : ready;
                    sb.Accepting = true;
                }
                Pump();
                if (sb.InFlight == 0 && sb.IdleTimer is null) ArmIdle(sb);
            }
        }
        if (stopNow) await StopAsync(sb, sb.PendingStop ?? (_closed ? "shutdown" : "exited")).ConfigureAwait(false);
        else if (Method != ReadinessMethod.Socket) Tell(sb).SandboxReady(Name, sb.Name, sb.StartNs, sb.ReadyNs ?? ready);
    }

    /// <summary>Connects to the workload's port until it accepts (an activator probing a new pod), at most every retry spacing.</summary>
    private async Task ConnectRetryAsync(GatewaySandbox sb, ISandbox started, CancellationToken ct)
    {
        long previous = 0;
        while (true)
        {
            EndPoint target;
            lock (_gate) target = sb.Endpoint!;
            long now = _clock.NowNs();
            long gap = previous == 0 ? 0 : now - previous;
            previous = now;
            using (var s = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    await s.ConnectAsync(target, ct).ConfigureAwait(false);
                    sb.Phases.Mark(Phases.Listening);
                    sb.ReadinessResolutionNs = gap;
                    return;
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
                {
                }
            }
            if (started.HasExited(out string why)) throw new InvalidOperationException(why + " before it listened");
            await Task.Delay(_s.RetrySpacing, TimeProvider.System, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the sandbox's own readiness signal (a guest's serial marker), on a thread of its own: the wait blocks.</summary>
    private async Task MarkerAsync(GatewaySandbox sb, ISandbox started, CancellationToken ct)
    {
        if (started is not IReadinessSignal signal) throw new InvalidOperationException($"{_service.Runtime.Profile.Name} gives no readiness signal (use connect-retry)");
        long deadline = _clock.NowNs() + (long)(_s.StartTimeout.TotalMilliseconds * 1_000_000);
        bool ok = await Task.Factory.StartNew(() => signal.WaitReady(deadline, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ConfigureAwait(false);
        if (!ok) throw new TimeoutException($"no readiness signal within {Durations.Format(_s.StartTimeout)}");
        sb.Phases.Mark(Phases.Listening);
    }

    /// <summary>A start failed: the requests it was for get 502 with the reason, and what was started is torn down.</summary>
    private async Task FailAsync(GatewaySandbox sb, string reason)
    {
        var failed = new List<Waiter>();
        bool closed;
        lock (_gate)
        {
            closed = _closed;
            sb.Failure ??= reason;
            sb.StartFinished = true;
            if (sb.State != SandboxState.Stopping)
            {
                sb.State = SandboxState.Stopping;
                _live.Remove(sb);
            }
            // Without socket activation no request was given to it yet: the oldest waiting ones, as many as it would have taken, were its reason to start.
            if (!sb.Accepting)
            {
                int take = _s.ContainerConcurrency == 0 ? _queue.Count : Math.Min(_s.ContainerConcurrency, _queue.Count);
                for (int i = 0; i < take; i++)
                {
                    failed.Add(_queue.First!.Value);
                    _queue.RemoveFirst();
                }
            }
        }
        foreach (var w in failed) w.Fail(new GatewayRefusedException(closed ? 503 : 502, sb.Failure!));
        sb.Abort.Cancel();
        await StopAsync(sb, closed ? "shutdown" : "failed").ConfigureAwait(false);
        // Requests still waiting get another try.
        lock (_gate) Pump();
    }

    /// <summary>Tears a sandbox down (once) and records it.</summary>
    private async Task StopAsync(GatewaySandbox sb, string reason)
    {
        if (!sb.TryClaimStop()) return;
        string? error;
        ISandbox? sandbox;
        lock (_gate)
        {
            sb.IdleTimer?.Dispose();
            sb.IdleTimer = null;
            error = sb.Failure;
            sandbox = sb.Sandbox;
        }
        if (sandbox is not null)
        {
            if (sb.Readiness == ReadinessMethod.Socket && WorkloadMarkers.Readable(_service.Runtime, _clock))
                WorkloadMarkers.Read(sb.OutputPath, sb.Phases, Phases.Listening);
            try
            {
                await sandbox.DisposeAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                error = (error is null ? "" : error + "; ") + "teardown: " + e.Message;
            }
        }
        sb.Dispose();
        try
        {
            if (Directory.Exists(sb.WorkDir)) Directory.Delete(sb.WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // Something of the sandbox is still busy there; clean removes the run's directory later.
        }
        var record = new GatewaySandboxRecord(sb.Name, Name, _service.Runtime.Profile.Name, sb.StartNs, sb.ReadyNs, _clock.NowNs(), reason,
            reason is "idle" or "shutdown" && error == "the gateway shut down" ? null : error, sb.Served, sb.Phases.Snapshot(), PlanLoader.Name(sb.Readiness))
        {
            ReadinessResolutionNs = sb.ReadinessResolutionNs,
        };
        if (sb.Silent) return;
        lock (_gate) _ended.Add(record);
        _observer.SandboxStopped(record);
    }

    /// <summary>
    /// Runs <paramref name="request"/> (one request through the gateway to this service) with the sandboxes it starts kept out
    /// of every record and report, then stops them: the code of the whole path has run once before anything is measured.
    /// </summary>
    public async Task WarmUpAsync(Func<Task> request)
    {
        lock (_gate) _warming = true;
        try
        {
            await request().ConfigureAwait(false);
        }
        finally
        {
            List<GatewaySandbox> quiet;
            lock (_gate)
            {
                _warming = false;
                quiet = [.. _live.Where(x => x.Silent)];
                foreach (var sb in quiet)
                {
                    sb.State = SandboxState.Stopping;
                    _live.Remove(sb);
                }
                _peak = _live.Count;
            }
            // One whose runtime has not returned yet (the function may answer before 'runc start' does) is stopped by its start task.
            foreach (var sb in quiet.Where(x => x.StartFinished)) await StopAsync(sb, "warm-up").ConfigureAwait(false);
        }
    }

    private static string LastPhase(GatewaySandbox sb) => sb.Phases.Snapshot() is { Count: > 0 } all ? all[^1].Key : "nothing started";
}
