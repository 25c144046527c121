using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HdrHistogram;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Load;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Warm latency (seed 002's "warm latency at a set RPS"): start a sandbox, wait until it answers an
/// HTTP request, load it for a warm-up, then load it open loop at the trial's rate (or closed loop) for
/// the section's duration with Sandbench's generator, in this process. Latency is timed from each
/// request's due time (coordinated omission corrected, as wrk2) and from its actual send; both
/// distributions and the time-to-first-byte one are stored encoded, with a per-second series, and the
/// sandbox's processes' memory and CPU are read while it serves.
/// </summary>
/// <param name="resources">Reads a process's memory and CPU.</param>
/// <param name="startTarget">What is loaded: by default a sandbox of the trial's runtime (<see cref="SandboxTarget"/>);
/// the one seam through which something else (a gateway in front of sandboxes) can be put in its place.</param>
public sealed class WarmExperiment(ProcessResources resources, LoadTargetFactory startTarget) : IExperiment
{
    public WarmExperiment() : this(ProcessResources.Local, SandboxTarget.StartAsync) { }

    /// <summary>Phase: the first request that got a 200 answer came back (the target is ready).</summary>
    public const string Answered = "answered";
    public const string WarmupStart = "warmup-start";
    public const string LoadStart = "load-start";
    public const string LoadEnd = "load-end";

    /// <summary>Histogram metrics (values in microseconds): latency from the due time, from the send, and time to first byte.</summary>
    public const string CorrectedHistogram = "corrected_us";
    public const string UncorrectedHistogram = "uncorrected_us";
    public const string TtfbHistogram = "ttfb_us";

    /// <summary>
    /// Histogram metrics of workloads that report their own duration (microseconds): the in-function duration each
    /// response reported, and that response's time from the send minus it (the overhead outside the function).
    /// Their percentiles are stored as samples <c>function_p50_ns</c>, <c>overhead_p50_ns</c>, ...
    /// </summary>
    public const string FunctionHistogram = "function_us";
    public const string OverheadHistogram = "overhead_us";

    public const string TargetRateMetric = "target_rate";
    public const string AchievedRateMetric = "achieved_rate";

    public string Name => "warm";

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        if (spec.Load is null) yield return $"{runtime.Profile.Name}: a warm section needs rates or concurrency";
        if (spec.Readiness != ReadinessMethod.Auto)
            yield return $"{runtime.Profile.Name}: warm sends requests until the sandbox answers one and takes no readiness method";
        if (!runtime.Capabilities.HostLoopback && !runtime.Capabilities.OwnEndpoint && !runtime.Capabilities.SocketActivation)
            yield return $"{runtime.Profile.Name}: warm needs the function reachable from the host (loopback, its own address or socket activation)";
    }

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var load = spec.Load ?? throw new InvalidOperationException("a warm trial without a load section");
        var phases = new PhaseClock(c.Clock);
        var parameters = Parameters(c.Trial, load);
        var samples = new List<KeyValuePair<string, double>>();
        var histograms = new List<EncodedHistogram>();
        IReadOnlyList<LoadSecond> seconds = [];
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        ILoadTarget? target = null;
        // Memory and CPU of the target's processes from the moment it exists until it is torn down.
        using var sampler = new ResourceSampler(c.Clock, spec.SampleInterval,
            () => Volatile.Read(ref target)?.ProcessIds ?? [], resources,
            () => Volatile.Read(ref target)?.Details.TryGetValue("memory_mib", out var mib) == true
                && long.TryParse(mib, NumberStyles.None, CultureInfo.InvariantCulture, out long m) ? m << 20 : null);
        try
        {
            using (var starting = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                starting.CancelAfter(load.StartTimeout);
                try
                {
                    Volatile.Write(ref target, await startTarget(c, phases, starting.Token).ConfigureAwait(false));
                    parameters["url"] = target!.Url.ToString();
                    await WaitForAnswerAsync(target, c.Clock, starting.Token).ConfigureAwait(false);
                    phases.Mark(Answered);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"the sandbox did not answer within the start-timeout {Durations.Format(load.StartTimeout)} " +
                        $"(last phase: {Last(phases)})");
                }
            }

            if (load.WarmupDuration > TimeSpan.Zero)
            {
                phases.Mark(WarmupStart);
                var warm = await new LoadGenerator(Options(target.Url, c.Trial, load, spec, load.WarmupDuration)).RunAsync(ct).ConfigureAwait(false);
                samples.Add(new("warmup_completed", warm.Completed));
                samples.Add(new("warmup_errors", warm.Errors));
                ct.ThrowIfCancellationRequested();
            }

            long loadStart = phases.Mark(LoadStart);
            sampler.Tick(); // a reading at each end of the window, for the CPU the target spent serving it
            var result = await new LoadGenerator(Options(target.Url, c.Trial, load, spec, load.Duration)).RunAsync(ct).ConfigureAwait(false);
            sampler.Tick();
            long loadEnd = phases.Mark(LoadEnd);
            if (result.Interrupted) throw new OperationCanceledException(ct);
            samples.AddRange(Figures(result));
            histograms.AddRange(Encoded(result));
            seconds = [.. result.Seconds.Select(s => new LoadSecond(s.Second, s.Completed, s.Errors, s.Late, s.Dropped, Ns(s.P50), Ns(s.P99)))];
            parameters["window_ns"] = (loadEnd - loadStart).ToString(CultureInfo.InvariantCulture);
            if (target.HasExited(out string why))
                (status, error) = (TrialStatus.Failed, $"{why} during the load ({Errors(result)})");
            else if (result.Completed == 0)
                (status, error) = (TrialStatus.Failed, $"no request was answered during the load ({Errors(result)})");
        }
        catch (Exception e) when (e is TimeoutException && !ct.IsCancellationRequested)
        {
            status = TrialStatus.Timeout;
            error = e.Message;
        }
        catch (OperationCanceledException)
        {
            status = TrialStatus.Interrupted;
            error = "interrupted";
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or SocketException or LoadException)
        {
            status = TrialStatus.Failed;
            error = e.Message;
        }
        finally
        {
            foreach (var (k, v) in target?.Details ?? new Dictionary<string, string>()) parameters[k] = v;
            (status, error) = await Teardown.EndAsync(target, () => target?.Diagnose() ?? "", status, error).ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }

        long origin = phases.TryGet(Phases.Spawn, out long o) ? o : phases.Snapshot() is { Count: > 0 } all ? all[0].Value : 0;
        var readings = sampler.Stop(origin);
        samples.AddRange(Resources(readings, phases, origin, sampler));
        if (phases.TryGet(Answered, out long answered)) samples.Add(new("start_ns", answered - origin));
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        return new TrialOutcome(status, error, "http-answer", 0, relative, samples, parameters)
        {
            Resources = readings,
            Histograms = status == TrialStatus.Ok ? histograms : [],
            Seconds = status == TrialStatus.Ok ? seconds : [],
        };
    }

    private static Dictionary<string, string> Parameters(TrialPlan trial, LoadSpec load)
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["mode"] = trial.Rate is null ? "closed" : "open",
            ["connections"] = load.Connections.ToString(CultureInfo.InvariantCulture),
            ["duration"] = Durations.Format(load.Duration),
            ["warmup-duration"] = Durations.Format(load.WarmupDuration),
            ["timeout"] = Durations.Format(trial.Spec.Timeout),
            ["start-timeout"] = Durations.Format(load.StartTimeout),
            ["sample-interval"] = Durations.Format(trial.Spec.SampleInterval),
        };
        if (trial.Rate is { } rate) p["rate"] = rate.ToString("R", CultureInfo.InvariantCulture);
        else p["concurrency"] = load.Connections.ToString(CultureInfo.InvariantCulture);
        return p;
    }

    private static LoadOptions Options(Uri url, TrialPlan trial, LoadSpec load, ExperimentSpec spec, TimeSpan duration) => new()
    {
        Target = url,
        Rate = trial.Rate,
        Duration = duration,
        Connections = load.Connections,
        Timeout = spec.Timeout,
    };

    /// <summary>
    /// Sends <c>GET /</c> (one connection each, <c>Connection: close</c>) every 10 ms until one is answered
    /// with a 200; each attempt may take up to a second. Fails when the target's sandbox has ended.
    /// </summary>
    private static async Task WaitForAnswerAsync(ILoadTarget target, MonotonicClock clock, CancellationToken ct)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(target.Url.DnsSafeHost), target.Url.Port);
        byte[] request = Encoding.ASCII.GetBytes($"GET {target.Url.PathAndQuery} HTTP/1.1\r\nHost: {target.Url.Authority}\r\nConnection: close\r\n\r\n");
        var buffer = new byte[64];
        while (true)
        {
            if (target.HasExited(out string reason)) throw new TrialFailedException(reason + " before it answered");
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct))
            using (var s = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true })
            {
                attempt.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    await s.ConnectAsync(endpoint, attempt.Token).ConfigureAwait(false);
                    await s.SendAsync(request, SocketFlags.None, attempt.Token).ConfigureAwait(false);
                    int n = 0, r;
                    while (n < 12 && (r = await s.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, attempt.Token).ConfigureAwait(false)) > 0) n += r;
                    if (n >= 12 && Encoding.ASCII.GetString(buffer, 0, 12) is "HTTP/1.1 200" or "HTTP/1.0 200") return;
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                }
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), clock.Time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The figures of a load window stored as samples (rates, counts, percentiles in ns).</summary>
    public static IEnumerable<KeyValuePair<string, double>> Figures(LoadResult r)
    {
        if (r.TargetRate is { } rate) yield return new(TargetRateMetric, rate);
        yield return new(AchievedRateMetric, r.AchievedRate);
        if (r.Scheduled is { } scheduled) yield return new("scheduled", scheduled);
        yield return new("sent", r.Sent);
        yield return new("completed", r.Completed);
        yield return new("errors", r.Errors);
        yield return new("late", r.Late);
        yield return new("dropped", r.Dropped);
        yield return new("elapsed_ns", Math.Round(r.ElapsedSeconds * 1e9));
        var all = new[]
        {
            ("corrected", r.Histograms!.Corrected), ("uncorrected", r.Histograms.Uncorrected), ("ttfb", r.Histograms.Ttfb),
            ("function", r.Histograms.Function), ("overhead", r.Histograms.Overhead),
        };
        foreach (var (name, h) in all)
        {
            if (h is null || h.TotalCount == 0) continue;
            yield return new($"{name}_p50_ns", h.GetValueAtPercentile(50) * 1000.0);
            yield return new($"{name}_p90_ns", h.GetValueAtPercentile(90) * 1000.0);
            yield return new($"{name}_p99_ns", h.GetValueAtPercentile(99) * 1000.0);
            yield return new($"{name}_p999_ns", h.GetValueAtPercentile(99.9) * 1000.0);
            yield return new($"{name}_max_ns", h.GetMaxValue() * 1000.0);
            yield return new($"{name}_mean_ns", Math.Round(h.GetMean() * 1000.0));
        }
        if (r.Histograms.Function is { } function)
        {
            yield return new("function_reported", function.TotalCount);
            yield return new("function_exceeds_response", r.FunctionExceedsResponse);
        }
        if (r.Lag is { } lag)
        {
            yield return new("lag_p50_ns", Math.Round(lag.P50 * 1e6));
            yield return new("lag_p99_ns", Math.Round(lag.P99 * 1e6));
            yield return new("lag_max_ns", Math.Round(lag.Max * 1e6));
        }
        foreach (var (code, n) in r.StatusCodes) yield return new($"status_{code}", n);
        foreach (var (kind, n) in r.ErrorsByKind) yield return new($"errors_{kind}", n);
    }

    /// <summary>A load window's three distributions, encoded for the store.</summary>
    public static IEnumerable<EncodedHistogram> Encoded(LoadResult r)
    {
        var h = r.Histograms!;
        yield return new(CorrectedHistogram, HistogramCodec.Encode(h.Corrected));
        yield return new(UncorrectedHistogram, HistogramCodec.Encode(h.Uncorrected));
        yield return new(TtfbHistogram, HistogramCodec.Encode(h.Ttfb));
        if (h.Function is { } function) yield return new(FunctionHistogram, HistogramCodec.Encode(function));
        if (h.Overhead is { } overhead) yield return new(OverheadHistogram, HistogramCodec.Encode(overhead));
    }

    /// <summary>Peak memory over the trial, and the CPU the target's processes spent during the measured window.</summary>
    private static IEnumerable<KeyValuePair<string, double>> Resources(IReadOnlyList<ResourceSample> readings, PhaseClock phases, long origin,
        ResourceSampler sampler)
    {
        yield return new("memory_readings", readings.Select(r => r.TNs).Distinct().Count());
        if (sampler.PeakRssBytes is { } rss) yield return new(BootExperiment.RssPeakMetric, rss);
        if (sampler.PeakPssBytes is { } pss) yield return new(BootExperiment.PssPeakMetric, pss);
        if (!phases.TryGet(LoadStart, out long start) || !phases.TryGet(LoadEnd, out long end)) yield break;
        var window = readings.Where(r => r.TNs >= start - origin && r.TNs <= end - origin && r.CpuNs is not null).ToList();
        if (window.Count == 0) yield break;
        long cpu = window.GroupBy(r => r.Pid).Sum(g => g.Max(r => r.CpuNs!.Value) - g.Min(r => r.CpuNs!.Value));
        yield return new("cpu_ns", cpu);
        yield return new("cpu_cores", cpu / (double)(end - start));
    }

    private static string Errors(LoadResult r) => r.ErrorsByKind.Count == 0 ? "no errors"
        : "errors: " + string.Join(", ", r.ErrorsByKind.Select(kv => $"{kv.Key} {kv.Value}"));

    private static long? Ns(double? ms) => ms is { } v ? (long)Math.Round(v * 1e6) : null;

    private static string Last(PhaseClock phases) => phases.Snapshot() is { Count: > 0 } all ? all[^1].Key : "nothing started";
}

/// <summary>Starts what a warm trial loads; on failure or cancellation it leaves nothing behind before it throws.</summary>
public delegate Task<ILoadTarget> LoadTargetFactory(TrialContext context, PhaseClock phases, CancellationToken ct);

/// <summary>What a warm trial loads: one URL, and the host processes behind it (for memory and CPU). Disposing it tears it down.</summary>
public interface ILoadTarget : IAsyncDisposable
{
    /// <summary>The http:// URL every request of the trial goes to (an IP literal).</summary>
    Uri Url { get; }

    /// <summary>Host processes that serve the URL, now.</summary>
    IReadOnlyList<int> ProcessIds { get; }

    /// <summary>Facts stored with the trial.</summary>
    IReadOnlyDictionary<string, string> Details { get; }

    /// <summary>True (with a description) once what serves the URL has ended on its own.</summary>
    bool HasExited(out string reason);

    /// <summary>What it last said, added to a failed trial's error; empty when nothing.</summary>
    string Diagnose();
}

/// <summary>One sandbox of the trial's runtime serving the workload, reached as a cold start reaches it.</summary>
public sealed class SandboxTarget : ILoadTarget
{
    private readonly ISandbox _sandbox;
    private readonly Socket? _listener;

    private SandboxTarget(ISandbox sandbox, Socket? listener, Uri url)
    {
        _sandbox = sandbox;
        _listener = listener;
        Url = url;
    }

    public Uri Url { get; }

    public IReadOnlyList<int> ProcessIds => _sandbox.ProcessIds;

    public IReadOnlyDictionary<string, string> Details => _sandbox.Details;

    /// <summary>
    /// Starts the workload serving: with socket activation on a listening socket made here (127.0.0.1), else on
    /// the PORT given in its environment, at 127.0.0.1 or at the sandbox's own address; a sandbox that signals
    /// readiness itself (a VM's console marker) is waited for, so it is not probed while it boots.
    /// </summary>
    public static async Task<ILoadTarget> StartAsync(TrialContext c, PhaseClock phases, CancellationToken ct)
    {
        Socket? listener = c.Runtime.Capabilities.SocketActivation ? Loopback.Listen() : null;
        int port = listener is null ? Loopback.FreePort() : ((IPEndPoint)listener.LocalEndPoint!).Port;
        EndPoint? announced = null;
        ISandbox? sandbox = null;
        try
        {
            string output = Path.Combine(c.WorkDir, "workload.log");
            File.WriteAllBytes(output, []);
            var spec = new SandboxSpec
            {
                Name = c.SandboxName,
                Artifact = c.Artifact,
                Environment = listener is null
                    ? new Dictionary<string, string> { ["PORT"] = port.ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string>(),
                ListenSocket = listener,
                ServiceEndpointKnown = e => Volatile.Write(ref announced, e),
                OutputPath = output,
                WorkDir = c.WorkDir,
            };
            sandbox = await c.Runtime.StartAsync(spec, phases, ct).ConfigureAwait(false);
            if (sandbox is IReadinessSignal signal)
            {
                var s = signal;
                if (!await Task.Run(() => s.WaitReady(long.MaxValue, ct), ct).ConfigureAwait(false)) throw new OperationCanceledException(ct);
            }
            var endpoint = sandbox.ServiceEndpoint ?? Volatile.Read(ref announced) ?? new IPEndPoint(IPAddress.Loopback, port);
            return new SandboxTarget(sandbox, listener, new Uri($"http://{endpoint}/"));
        }
        catch
        {
            listener?.Dispose();
            if (sandbox is not null) await sandbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool HasExited(out string reason) => _sandbox.HasExited(out reason);

    public string Diagnose() => _sandbox.Diagnose();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _sandbox.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _listener?.Dispose();
        }
    }
}
