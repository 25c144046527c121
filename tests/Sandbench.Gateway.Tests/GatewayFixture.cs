using Microsoft.Extensions.Time.Testing;
using Sandbench.Core.Gateway;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Runtimes;
using Sandbench.Workloads;

namespace Sandbench.Gateway.Tests;

/// <summary>
/// A gateway over real runtimes: its own ledger and scratch directory, a fake clock for the idle window
/// and timeouts (tests advance it; nothing sleeps), and an observer whose events tests wait for.
/// </summary>
public sealed class GatewayFixture : IAsyncDisposable
{
    public GatewayFixture()
    {
        Root = Directory.CreateTempSubdirectory("sandbench-gw-test-").FullName;
        Ledger = new SandboxLedger(Path.Combine(Root, "state"));
        Prefix = $"sb-t{Guid.NewGuid().ToString("N")[..7]}-g";
    }

    public static WorkloadCatalog Catalog { get; } = new(WorkloadCatalog.DefaultCacheDir());

    public string Root { get; }

    public SandboxLedger Ledger { get; }

    /// <summary>Every sandbox name starts with this.</summary>
    public string Prefix { get; }

    public FakeTimeProvider Time { get; } = new();

    public Events Events { get; } = new();

    public GatewayServer? Server { get; private set; }

    public IRuntime Runtime(string name, IReadOnlyDictionary<string, string>? options = null)
    {
        var profile = RuntimeRegistry.Get(name);
        if (options is not null) profile = profile.With(options);
        return RuntimeRegistry.Create(profile, Ledger, Catalog);
    }

    /// <summary>Skips unless we are root and the runtime can run a sandbox here.</summary>
    public async Task<IRuntime> UsableAsync(string name)
    {
        if (Environment.UserName != "root") Assert.Skip($"{name}: integration tests need root");
        var runtime = Runtime(name);
        var probe = await runtime.ProbeAsync(Catalog, TestContext.Current.CancellationToken);
        if (!probe.Usable) Assert.Skip($"{name}: not usable here: {probe.Reason} ({probe.InstallHint})");
        return runtime;
    }

    public async Task<GatewayServer> StartAsync(IRuntime runtime, ScalingOptions scaling, string workload = "hello", string service = "hello")
    {
        var artifact = await Catalog.GetAsync(workload, TestContext.Current.CancellationToken);
        return await StartAsync([new GatewayService(service, runtime, artifact, scaling)]);
    }

    public async Task<GatewayServer> StartAsync(IReadOnlyList<GatewayService> services)
    {
        Server = await GatewayServer.StartAsync(new GatewayOptions(services, Path.Combine(Root, "work"), Prefix, MonotonicClock.System)
        {
            ScalingTime = Time,
            Observers = [Events],
        }, TestContext.Current.CancellationToken);
        return Server;
    }

    public static HttpClient Client(int connections = 64) => new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = connections })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Processes whose environment names one of our sandboxes.</summary>
    public IReadOnlyList<int> OurProcesses() =>
        [.. Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/environ").Contains("SANDBENCH_SANDBOX=" + Prefix, StringComparison.Ordinal);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            })];

    public async ValueTask DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>What the gateway reported, with waits for the next event of a kind.</summary>
public sealed class Events : IGatewayObserver
{
    private readonly Lock _gate = new();
    private readonly List<(Func<bool> Done, TaskCompletionSource Signal)> _waits = [];

    public List<string> Starting { get; } = [];
    public List<string> Ready { get; } = [];
    public List<GatewaySandboxRecord> Stopped { get; } = [];
    public List<GatewayRequestRecord> Done { get; } = [];
    public int MostWaiting { get; private set; }
    public int Queued { get; private set; }

    public void SandboxStarting(string service, string name, string reason) => Add(() => Starting.Add(name));

    public void SandboxReady(string service, string name, long startNs, long readyNs) => Add(() => Ready.Add(name));

    public void SandboxStopped(GatewaySandboxRecord sandbox) => Add(() => Stopped.Add(sandbox));

    public void RequestQueued(string service, int waiting) => Add(() =>
    {
        Queued++;
        MostWaiting = Math.Max(MostWaiting, waiting);
    });

    public void RequestDone(GatewayRequestRecord request) => Add(() => Done.Add(request));

    /// <summary>Completes when <paramref name="done"/> holds (checked after every event); fails the test after a minute.</summary>
    public async Task WaitAsync(Func<Events, bool> done, string what)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (done(this)) return;
            _waits.Add((() => done(this), signal));
        }
        try
        {
            await signal.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"timed out waiting for {what} (starting {Starting.Count}, ready {Ready.Count}, stopped {Stopped.Count}, done {Done.Count}: {string.Join("; ", Done.Select(d => $"{d.Status} {d.Error}"))}; most waiting {MostWaiting})");
        }
    }

    private void Add(Action change)
    {
        lock (_gate)
        {
            change();
            foreach (var w in _waits.Where(w => w.Done()).ToList())
            {
                _waits.Remove(w);
                w.Signal.TrySetResult();
            }
        }
    }
}
