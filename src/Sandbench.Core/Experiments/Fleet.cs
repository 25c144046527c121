using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Many sandboxes of one runtime alive at once (a scale step, a density run). Starts a batch concurrently, each
/// sandbox with an endpoint of its own (its own listening socket, or its own port), answers their first
/// requests on one thread (<see cref="FleetRequests"/>), reads the memory of every sandbox's processes at an
/// interval and once on demand, and tears every sandbox down — those that answered, those that never did and
/// those whose start failed — whatever path the trial leaves by.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    /// <summary>No sandbox starts while the host's tasks exceed this share of the kernel's limit (recorded as out of PIDs).</summary>
    public const double TaskCeiling = 0.85;

    /// <summary>Sandboxes torn down at one time (each teardown runs the runtime's delete or kills a process group).</summary>
    private const int TeardownConcurrency = 16;

    private readonly TrialContext _c;
    private readonly ExperimentSpec _spec;
    private readonly FleetSpec _fleet;
    private readonly ReadinessMethod _method;
    private readonly IHostMemory _memory;
    private readonly ProcessResources _resources;
    private readonly FleetRequests _requests;
    private readonly List<FleetMember> _members = [];
    private readonly HashSet<FleetMember> _live = [];
    private readonly HashSet<FleetMember> _tornDown = [];
    private readonly HashSet<int> _ports = [];
    private readonly Dictionary<FleetMember, (Task Task, CancellationTokenSource Stop)> _markers = [];
    private readonly Lock _gate = new();
    private readonly Lock _sampling = new();
    private readonly ITimer _sampler;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly int _minWorkers, _minIo;
    private long _samplerBusyNs;
    private int _measured, _warmups;
    private bool _disposed;
    private volatile bool _samplingStopped;

    public Fleet(TrialContext c, ReadinessMethod method, IHostMemory memory, ProcessResources resources)
    {
        _c = c;
        _spec = c.Trial.Spec;
        _fleet = _spec.Fleet ?? FleetSpec.Defaults;
        _method = method;
        _memory = memory;
        _resources = resources;
        _requests = new FleetRequests(c.Clock, _spec.RetrySpacing);
        ThreadPool.GetMinThreads(out _minWorkers, out _minIo);
        _sampler = c.Clock.Time.CreateTimer(_ => Sample(), null, _spec.SampleInterval, _spec.SampleInterval);
    }

    private MonotonicClock Clock => _c.Clock;

    public IReadOnlyList<FleetMember> Members
    {
        get
        {
            lock (_gate) return [.. _members];
        }
    }

    /// <summary>Time spent reading the sandboxes' memory at the interval (it runs beside the starts it measures).</summary>
    public long SamplerBusyNs => Interlocked.Read(ref _samplerBusyNs);

    /// <summary>A new sandbox of the fleet, named after the trial (so clean finds it), not yet started.</summary>
    public FleetMember Add(bool warmup)
    {
        lock (_gate)
        {
            int index = warmup ? _warmups++ : _measured++;
            // Fixed width: no name may be a prefix of another, since runsc takes a unique prefix for a whole id
            // ("sb-RUN-20-1" is ambiguous while "sb-RUN-20-10" exists).
            string suffix = warmup ? $"w{index:D4}" : index.ToString("D5", CultureInfo.InvariantCulture);
            var m = new FleetMember(index, warmup, $"{_c.SandboxName}-{suffix}", Path.Combine(_c.WorkDir, suffix), Clock);
            _members.Add(m);
            return m;
        }
    }

    /// <summary>
    /// Starts <paramref name="batch"/> concurrently (at most start-concurrency at a time) and returns once each
    /// answered or failed, or the plan's timeout from <paramref name="startNs"/> passed (the rest then time out).
    /// Never throws for a sandbox that failed; on cancellation the ones not yet answered are interrupted.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<FleetMember> batch, long startNs, CancellationToken ct)
    {
        long deadline = startNs + (long)(_spec.Timeout.TotalMilliseconds * 1_000_000);
        foreach (var m in batch)
        {
            m.QueuedNs = startNs;
            m.DeadlineNs = deadline;
        }
        int concurrency = Math.Min(_fleet.StartConcurrency ?? batch.Count, Math.Max(1, batch.Count));
        // A start waits on its runtime's commands on a pool thread (OCI create, start): without enough threads, the
        // pool's slow growth, not the runtime, would decide how many start at once.
        ThreadPool.SetMinThreads(Math.Max(_minWorkers, Math.Min(concurrency * 2 + 16, 4096)), _minIo);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, _lifetime.Token);
        using var gate = new SemaphoreSlim(concurrency);
        var starts = batch.Select(m => Task.Run(() => StartOneAsync(m, gate, cts.Token), CancellationToken.None)).ToArray();

        var all = Task.WhenAll(batch.Select(m => m.ResolvedTask));
        using var stopWaiting = new CancellationTokenSource();
        var timer = Task.Delay(TimeSpan.FromTicks(Math.Max(0, deadline - Clock.NowNs()) / 100), Clock.Time, stopWaiting.Token);
        var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (ct.Register(() => interrupted.TrySetResult()))
            await Task.WhenAny(all, timer, interrupted.Task).ConfigureAwait(false);
        await stopWaiting.CancelAsync().ConfigureAwait(false);
        if (!all.IsCompleted)
        {
            await cts.CancelAsync().ConfigureAwait(false);
            foreach (var m in batch.Where(m => !m.Resolved))
            {
                if (ct.IsCancellationRequested) m.Fail(TrialStatus.Interrupted, "interrupted");
                else m.Fail(TrialStatus.Timeout, $"no response within {Durations.Format(_spec.Timeout)} ({m.Progress()})");
            }
        }
        await Task.WhenAll(starts).ConfigureAwait(false);
    }

    /// <summary>
    /// Everything a start needs that is not the runtime's work, done for the whole batch before its clock starts (as a
    /// cold start prepares before its spawn): scratch directory, output file, and either the listening socket with the
    /// request already queued on it (socket activation) or a port of its own. A member that cannot be prepared
    /// (no port left, no descriptor left) fails here with its reason.
    /// </summary>
    public void Prepare(IReadOnlyList<FleetMember> batch)
    {
        foreach (var m in batch)
        {
            try
            {
                Directory.CreateDirectory(m.WorkDir);
                File.WriteAllBytes(m.OutputPath, []);
                if (_method == ReadinessMethod.Socket)
                {
                    // As in a cold start: the request is queued before the spawn and the kernel holds it until the function accepts.
                    m.Listener = Loopback.Listen(backlog: 16);
                    _requests.Watch(m, FirstRequest.ConnectAndSend(m.Listener.LocalEndPoint!, m.Phases));
                }
                else
                {
                    m.Port = NextPort();
                    if (_c.Runtime.Capabilities.HostLoopback) m.Endpoint = new IPEndPoint(IPAddress.Loopback, m.Port);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or UnauthorizedAccessException)
            {
                m.Fail(TrialStatus.Failed, $"not started: {e.Message}");
            }
        }
    }

    private async Task StartOneAsync(FleetMember m, SemaphoreSlim gate, CancellationToken ct)
    {
        try
        {
            await gate.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // the deadline or the interruption resolves it
        }
        try
        {
            if (m.Resolved) return;
            if (_fleet.MemoryFloorBytes > 0 && _memory.AvailableBytes() is { } available && available < _fleet.MemoryFloorBytes)
            {
                m.Fail(TrialStatus.Failed, $"not started: MemAvailable {available >> 20} MiB is below the memory floor of {_fleet.MemoryFloorBytes >> 20} MiB");
                return;
            }
            // The same for PIDs: a host whose every pid is taken fails every fork, everyone's, not only ours.
            if (_memory.Tasks() is { } t && t.Tasks > t.Limit * TaskCeiling)
            {
                m.Fail(TrialStatus.Failed, $"not started: {t.Tasks} tasks exist, above {TaskCeiling * 100:0}% of the kernel's limit of {t.Limit} (pid_max, threads-max)");
                return;
            }
            int port = m.Port;
            // The poller starts on it now, as a cold start's does from the spawn on.
            if (_method == ReadinessMethod.ConnectRetry) _requests.Poll(m);
            var spec = new SandboxSpec
            {
                Name = m.Name,
                Artifact = _c.Artifact,
                Environment = port > 0
                    ? new Dictionary<string, string> { ["PORT"] = port.ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string>(),
                ListenSocket = m.Listener,
                ServiceEndpointKnown = e => m.Endpoint = e,
                OutputPath = m.OutputPath,
                WorkDir = m.WorkDir,
            };
            var sandbox = await _c.Runtime.StartAsync(spec, m.Phases, ct).ConfigureAwait(false);
            lock (_gate)
            {
                m.Sandbox = sandbox;
                _live.Add(m);
            }
            m.Endpoint ??= sandbox.ServiceEndpoint;
            // The workload holds the listening socket now; our copy only costs a descriptor per sandbox.
            m.Listener?.Dispose();
            m.Listener = null;
            if (_method == ReadinessMethod.Marker) WatchMarker(m, sandbox, port);
        }
        catch (OperationCanceledException)
        {
            if (!ct.IsCancellationRequested) m.Fail(TrialStatus.Timeout, $"the start was cancelled ({m.Progress()})");
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or SocketException or TimeoutException
            or TrialFailedException or UnauthorizedAccessException)
        {
            m.Fail(TrialStatus.Failed, e.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>A sandbox that says itself when its workload listens (a VM's console marker): wait for it, then send the request.</summary>
    private void WatchMarker(FleetMember m, ISandbox sandbox, int port)
    {
        // Its own token: the wait ends when the member is torn down, whatever happened to its batch.
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        var ct = stop.Token;
        var task = Task.Factory.StartNew(() =>
        {
            try
            {
                if (sandbox is not IReadinessSignal signal)
                {
                    m.Fail(TrialStatus.Failed, "the sandbox cannot signal readiness (readiness: marker)");
                    return;
                }
                if (!signal.WaitReady(m.DeadlineNs, ct)) return;
                var target = sandbox.ServiceEndpoint ?? new IPEndPoint(IPAddress.Loopback, port);
                _requests.Watch(m, FirstRequest.ConnectAndSend(target, m.Phases));
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e) when (e is InvalidOperationException or SocketException or IOException)
            {
                m.Fail(TrialStatus.Failed, e.Message);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        lock (_gate) _markers[m] = (task, stop);
    }

    /// <summary>A loopback port that was free a moment ago and that no other sandbox of this fleet was given.</summary>
    private int NextPort()
    {
        for (int i = 0; i < 50; i++)
        {
            int p = Loopback.FreePort();
            lock (_gate)
                if (_ports.Add(p)) return p;
        }
        throw new IOException("no free port on 127.0.0.1 after 50 tries");
    }

    /// <summary>Reads every live sandbox's processes at the sample interval (skipped while a reading is still going).</summary>
    private void Sample()
    {
        if (_samplingStopped || !_sampling.TryEnter()) return;
        try
        {
            if (_samplingStopped) return;
            long t0 = Clock.NowNs();
            foreach (var m in Live()) m.AddReading(Read(m, t0));
            Interlocked.Add(ref _samplerBusyNs, Clock.NowNs() - t0);
        }
        finally
        {
            _sampling.Exit();
        }
    }

    private List<FleetMember> Live()
    {
        lock (_gate) return [.. _live];
    }

    private List<ResourceSample> Read(FleetMember m, long now)
    {
        var readings = new List<ResourceSample>();
        IReadOnlyList<int> pids;
        try
        {
            pids = m.Sandbox?.ProcessIds ?? [];
        }
        catch (IOException)
        {
            return readings; // being torn down right now
        }
        foreach (int pid in pids)
            if (_resources.Read(pid, now) is { } s) readings.Add(s);
        return readings;
    }

    /// <summary>
    /// One reading of every sandbox still alive: RSS and PSS summed over its processes, kept as its footprint.
    /// Returns how many sandboxes were alive (the divisor of the host's memory drop).
    /// </summary>
    public int ReadFootprint()
    {
        lock (_sampling)
        {
            long now = Clock.NowNs();
            int alive = 0;
            foreach (var m in Live())
            {
                if (m.Sandbox is not { } sb || sb.HasExited(out _)) continue;
                var readings = Read(m, now);
                m.RssBytes = FleetMember.Sum(readings.Select(r => r.RssBytes));
                m.PssBytes = FleetMember.Sum(readings.Select(r => r.PssBytes));
                m.Processes = readings.Count;
                m.AliveAtReading = true;
                m.AddReading(readings);
                alive++;
            }
            return alive;
        }
    }

    /// <summary>Ends the readings at the interval (before the teardown, which they must not measure).</summary>
    public async Task StopSamplingAsync()
    {
        _samplingStopped = true;
        await _sampler.DisposeAsync().ConfigureAwait(false);
        lock (_sampling)
        {
            // Waits for a reading in progress to end.
        }
    }

    /// <summary>
    /// Tears the members down (at most <see cref="TeardownConcurrency"/> at a time): any still waiting is first resolved
    /// as interrupted; a failed teardown is recorded on the member. Their scratch directories go too.
    /// </summary>
    public async Task TearDownAsync(IEnumerable<FleetMember> members)
    {
        List<FleetMember> list;
        lock (_gate) list = [.. members.Where(_tornDown.Add)];
        foreach (var m in list.Where(m => !m.Resolved)) m.Fail(TrialStatus.Interrupted, "torn down before it answered");
        bool markers = _c.Runtime.Capabilities.SharesHostClock && Clock.IsHostMonotonic;
        foreach (var m in list)
        {
            (Task Task, CancellationTokenSource Stop) watcher;
            lock (_gate)
                if (!_markers.Remove(m, out watcher)) continue;
            await watcher.Stop.CancelAsync().ConfigureAwait(false);
            await watcher.Task.ConfigureAwait(false);
            watcher.Stop.Dispose();
        }
        await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = TeardownConcurrency }, async (m, token) =>
        {
            lock (_gate) _live.Remove(m);
            m.Listener?.Dispose();
            try
            {
                var (status, error) = await Teardown.EndAsync(m.Sandbox, m.Status, m.Error).ConfigureAwait(false);
                m.Ended(status, error);
            }
            catch (Exception e) when (e is IOException or SocketException or TimeoutException or UnauthorizedAccessException)
            {
                m.Ended(m.Status == TrialStatus.Ok ? TrialStatus.Failed : m.Status, (m.Error is null ? "" : m.Error + "; ") + "teardown: " + e.Message);
            }
            if (markers && m.Phases.TryGet(Phases.Spawn, out _)) WorkloadMarkers.Read(m.OutputPath, m.Phases, _method == ReadinessMethod.Socket ? Phases.Listening : "workload-ready");
            m.Phases.Mark(Phases.Done);
            try
            {
                if (Directory.Exists(m.WorkDir)) Directory.Delete(m.WorkDir, recursive: true);
            }
            catch (IOException)
            {
                // The trial's directory goes with the run's; clean removes what is left.
            }
        }).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        await StopSamplingAsync().ConfigureAwait(false);
        await TearDownAsync(Members).ConfigureAwait(false);
        _requests.Dispose();
        ThreadPool.SetMinThreads(_minWorkers, _minIo);
        _lifetime.Dispose();
    }
}
