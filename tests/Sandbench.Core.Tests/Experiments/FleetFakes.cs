using System.Net.Sockets;
using System.Text;
using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Core.Tests.Experiments;

/// <summary>
/// A runtime whose sandboxes are sockets, not processes: a start accepts the request already queued on the
/// listening socket passed in and answers it (or holds it unanswered), so a fleet's request side and ladder
/// logic run for real without starting anything. The first <c>answering</c> starts answer; starts past
/// <c>startable</c> fail with <c>failure</c>, as a host out of PIDs makes <c>posix_spawn</c> fail.
/// </summary>
internal sealed class FleetFakeRuntime(int answering = int.MaxValue, int startable = int.MaxValue,
    string failure = "cannot start hello: Resource temporarily unavailable") : IRuntime
{
    private static readonly byte[] Ok = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    private readonly Lock _gate = new();
    private readonly HashSet<string> _live = [];
    private int _starts;

    public RuntimeProfile Profile { get; } = new("fake", RuntimeKinds.Process, new Dictionary<string, string>());

    public RuntimeCapabilities Capabilities { get; } = new(SocketActivation: true, SharesHostClock: false, HostLoopback: true);

    /// <summary>Called after each successful start with how many starts there were (e.g. to interrupt a run).</summary>
    public Action<int>? Started { get; init; }

    /// <summary>Sandboxes started and not yet disposed.</summary>
    public IReadOnlyCollection<string> Live
    {
        get
        {
            lock (_gate) return [.. _live];
        }
    }

    /// <summary>Every start asked for, successful or not.</summary>
    public int Starts => Volatile.Read(ref _starts);

    public Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct) =>
        Task.FromResult(new RuntimeProbe("fake", RuntimeKinds.Process, true, "1", true, null, "none"));

    public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        int n = Interlocked.Increment(ref _starts);
        phases.Mark(Phases.Spawn);
        if (n > startable) throw new IOException(failure);
        var listener = spec.ListenSocket ?? throw new InvalidOperationException("the fake answers only through socket activation");
        var connection = listener.Accept();
        if (n <= answering) connection.Send(Ok);
        lock (_gate) _live.Add(spec.Name);
        Started?.Invoke(n);
        return Task.FromResult<ISandbox>(new Sandbox(spec.Name, connection, this));
    }

    private sealed class Sandbox(string name, Socket connection, FleetFakeRuntime owner) : ISandbox
    {
        public string Name { get; } = name;

        public IReadOnlyList<int> ProcessIds => [];

        public bool HasExited(out string reason)
        {
            reason = "";
            return false;
        }

        public ValueTask DisposeAsync()
        {
            connection.Dispose();
            lock (owner._gate) owner._live.Remove(Name);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The host's memory as a test says: a fixed MemAvailable, or one that falls as sandboxes start.</summary>
internal sealed class FakeHostMemory(Func<long> available, Func<(int, int)?>? tasks = null) : IHostMemory
{
    public int Drops { get; private set; }

    public (int Tasks, int Limit)? Tasks() => tasks?.Invoke();

    public long? AvailableBytes() => available();

    public string? DropCaches()
    {
        Drops++;
        return null;
    }
}

/// <summary>Artifacts that name files nobody reads (the fake runtime starts nothing).</summary>
internal sealed class FakeArtifacts : IArtifactProvider
{
    public static Artifact Hello { get; } = new("hello", "/nonexistent/hello", "/nonexistent/rootfs", "/bin/hello", "0000", 1000, []);

    public IReadOnlyList<string> Workloads { get; } = ["hello"];

    public Task<Artifact> GetAsync(string workload, CancellationToken ct) => Task.FromResult(Hello);

    public Task<GuestImage> GetGuestImageAsync(string workload, long paddingBytes, CancellationToken ct) =>
        throw new NotSupportedException("no guests here");
}

/// <summary>A results store in memory, with ids as SQLite would give them.</summary>
internal sealed class MemoryStore : IResultStore
{
    private readonly List<RunInfo> _runs = [];
    private readonly List<TrialRecord> _trials = [];
    private readonly List<HostMetric> _host = [];

    public void BeginRun(RunInfo run, IReadOnlyDictionary<string, string> environment)
    {
        lock (_runs) _runs.Add(run);
    }

    public long AppendTrial(TrialRecord trial)
    {
        lock (_trials)
        {
            _trials.Add(trial with { Id = _trials.Count + 1 });
            return _trials.Count;
        }
    }

    public void FinishRun(string runId, RunStatus status, DateTimeOffset finishedUtc)
    {
        lock (_runs)
        {
            int i = _runs.FindIndex(r => r.Id == runId);
            _runs[i] = _runs[i] with { Status = status, FinishedUtc = finishedUtc };
        }
    }

    public IReadOnlyList<RunInfo> ListRuns()
    {
        lock (_runs) return [.. _runs];
    }

    public RunInfo? FindRun(string idOrPrefix)
    {
        lock (_runs) return _runs.FirstOrDefault(r => r.Id.StartsWith(idOrPrefix, StringComparison.Ordinal));
    }

    public IReadOnlyList<TrialRecord> Trials(string runId)
    {
        lock (_trials) return [.. _trials.Where(t => t.RunId == runId)];
    }

    public IReadOnlyDictionary<string, string> Environment(string runId) => new Dictionary<string, string>();

    public void AppendHostMetrics(string runId, IReadOnlyList<HostMetric> metrics)
    {
        lock (_host) _host.AddRange(metrics);
    }

    public IReadOnlyList<HostMetric> HostMetrics(string runId)
    {
        lock (_host) return [.. _host];
    }

    public IReadOnlyList<ResourceSample> Resources(long trialId) => [];

    public IReadOnlyList<EncodedHistogram> Histograms(long trialId)
    {
        lock (_trials) return _trials.FirstOrDefault(t => t.Id == trialId)?.Histograms ?? [];
    }

    public IReadOnlyList<LoadSecond> LoadSeconds(long trialId)
    {
        lock (_trials) return _trials.FirstOrDefault(t => t.Id == trialId)?.Seconds ?? [];
    }

    public IReadOnlyList<SeriesPoint> Series(long trialId)
    {
        lock (_trials) return _trials.FirstOrDefault(t => t.Id == trialId)?.Series ?? [];
    }

    public void Dispose()
    {
    }
}
