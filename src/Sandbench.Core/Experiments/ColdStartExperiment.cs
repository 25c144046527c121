using System.Globalization;
using System.Net.Sockets;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Cold start: from asking the runtime to start a sandbox to the first byte of the response to the
/// first request. With socket activation the request is sent right after the spawn and the kernel
/// holds it until the function accepts; otherwise the port is polled with connect-retry.
/// </summary>
public sealed class ColdStartExperiment : IExperiment
{
    public const string Metric = "coldstart_ns";

    public string Name => "coldstart";

    public static ReadinessMethod Resolve(ReadinessMethod requested, RuntimeCapabilities caps) =>
        requested != ReadinessMethod.Auto ? requested
        : caps.SocketActivation ? ReadinessMethod.Socket
        : caps.GuestMarker ? ReadinessMethod.Marker
        : ReadinessMethod.ConnectRetry;

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        var method = Resolve(spec.Readiness, runtime.Capabilities);
        if (method == ReadinessMethod.Socket && !runtime.Capabilities.SocketActivation)
            yield return $"{runtime.Profile.Name}: readiness 'socket' needs socket activation, which this runtime cannot do (use connect-retry)";
        // Connect-retry needs an address that refuses at once until the function listens: host loopback, or a
        // network namespace whose interface is up before the spawn; a VM guest's answers nothing until its kernel runs.
        var caps = runtime.Capabilities;
        bool reachable = caps.HostLoopback || (caps.OwnEndpoint && (method == ReadinessMethod.Marker || !caps.GuestMarker));
        if ((method is ReadinessMethod.ConnectRetry or ReadinessMethod.Marker) && !reachable)
            yield return $"{runtime.Profile.Name}: readiness '{PlanLoader.Name(method)}' needs the function on host loopback, but the profile has network: none";
        if (method == ReadinessMethod.Marker && !runtime.Capabilities.GuestMarker)
            yield return $"{runtime.Profile.Name}: readiness 'marker' needs a sandbox that signals readiness itself (a VM's serial console)";
    }

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        if (context.Trial.Spec.Via == RequestPath.Gateway) return await GatewayColdStart.RunAsync(context, ct).ConfigureAwait(false);
        var c = context;
        var spec = c.Trial.Spec;
        var method = Resolve(spec.Readiness, c.Runtime.Capabilities);
        var phases = new PhaseClock(c.Clock);
        string output = Path.Combine(c.WorkDir, "workload.log");
        long resolution = 0, maxGap = 0;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(spec.Timeout),
        };
        if (method == ReadinessMethod.ConnectRetry) parameters["retry-spacing"] = Durations.Format(spec.RetrySpacing);

        Socket? listener = method == ReadinessMethod.Socket ? Loopback.Listen() : null;
        int port = listener is null ? Loopback.FreePort() : 0;
        ISandbox? sandbox = null;
        // A sandbox with its own address (OwnEndpoint) is polled there once the runtime names it, else on 127.0.0.1:PORT.
        System.Net.EndPoint? announced = null;
        var loopback = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port);
        Func<System.Net.EndPoint?> target = c.Runtime.Capabilities.OwnEndpoint
            ? () => Volatile.Read(ref announced) ?? Volatile.Read(ref sandbox)?.ServiceEndpoint
            : () => loopback;
        Task<(Socket Socket, RetryResult? Retry)>? answer = null;
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(spec.Timeout);
        // Set when the request side is done (it may outlive the try block). No spinning: the CPUs are the child's.
        using var answered = new ManualResetEventSlim(false, spinCount: 0);
        long deadlineNs = c.Clock.NowNs() + (long)(spec.Timeout.TotalMilliseconds * 1_000_000);
        try
        {
            // Socket activation: the request is queued before the spawn, and the kernel holds it until the
            // function accepts (as an activator holds a request for a scaled-to-zero service).
            Socket? queued = listener is null ? null : FirstRequest.ConnectAndSend(listener.LocalEndPoint!, phases);
            // With socket activation the workload is kept on its fork CPU through exec balancing, and the request side
            // waits on that CPU (see docs/methodology.md): startMask is this thread's affinity, which the workload gets back.
            byte[]? startMask = listener is null ? null : ThreadAffinity.Get(0);
            int workloadCpu = -1, reader = 0; // reader: the request side's thread id; -2 once pinned, -1 once done
            // The request side runs on its own thread, already waiting before the spawn, so the first byte
            // is stamped when it arrives, whatever the starting thread is busy with (create, start, ledger).
            using var armed = new ManualResetEventSlim();
            Func<(Socket, RetryResult?)> requestSide = () =>
            {
                RetryResult? retry = null;
                Socket? s = queued;
                byte[]? ownMask = ThreadAffinity.Get(0);
                if (ownMask is not null) Volatile.Write(ref reader, ThreadAffinity.CurrentThreadId());
                try
                {
                    armed.Set();
                    if (method == ReadinessMethod.Marker)
                    {
                        // The sandbox says when the workload listens (guest marker); then one connect.
                        if (Volatile.Read(ref sandbox) is not IReadinessSignal signal || !signal.WaitReady(deadlineNs, deadline.Token))
                            throw new TimeoutException();
                        s = FirstRequest.ConnectAndSend(Volatile.Read(ref sandbox)!.ServiceEndpoint ?? loopback, phases);
                    }
                    else if (s is null)
                    {
                        retry = FirstRequest.ConnectRetry(target, spec.RetrySpacing, deadlineNs, () => Volatile.Read(ref sandbox), phases, deadline.Token);
                        s = retry.Socket;
                    }
                    FirstRequest.AwaitResponse(s, deadlineNs, () => Volatile.Read(ref sandbox), phases, deadline.Token);
                    return (s, retry);
                }
                catch
                {
                    s?.Dispose();
                    throw;
                }
                finally
                {
                    // Back to the affinity it had: the thread outlives the window (the status line is read after it).
                    if (Interlocked.Exchange(ref reader, -1) == -2 && ownMask is not null) ThreadAffinity.Set(0, ownMask);
                    answered.Set();
                }
            };
            Task<(Socket, RetryResult?)> StartRequestSide() =>
                Task.Factory.StartNew(requestSide, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (method != ReadinessMethod.Marker)
            {
                answer = StartRequestSide();
                // Starting a thread costs more than a plain process's whole start-up: keep it out of the window.
                armed.Wait(deadline.Token);
            }
            // The workload's output file exists before the clock starts; the child only opens it.
            File.WriteAllBytes(output, []);

            var sandboxSpec = new SandboxSpec
            {
                Name = c.SandboxName,
                Artifact = c.Artifact,
                // The port goes in the environment, so workload modes given as arguments stay untouched.
                Environment = listener is null
                    ? new Dictionary<string, string> { ["PORT"] = port.ToString(CultureInfo.InvariantCulture) }
                    : new Dictionary<string, string>(),
                ListenSocket = listener,
                ServiceEndpointKnown = e => Volatile.Write(ref announced, e),
                OutputPath = output,
                WorkDir = c.WorkDir,
                WorkloadCpuKnown = startMask is null ? null : cpu =>
                {
                    workloadCpu = cpu;
                    // The request side waits for the first byte on the workload's CPU, as a one-thread client does.
                    if (Volatile.Read(ref reader) is var tid and > 0 && ThreadAffinity.PinTo(tid, cpu)
                        && Interlocked.CompareExchange(ref reader, -2, tid) != tid)
                        ThreadAffinity.Set(tid, startMask); // the request side finished meanwhile: undo
                },
            };
            Volatile.Write(ref sandbox, await c.Runtime.StartAsync(sandboxSpec, phases, deadline.Token).ConfigureAwait(false));
            // This thread now sleeps until the first byte: the async continuation would otherwise run beside
            // the starting child, and usually (this trial runs on the previous trial's request thread) end a
            // thread there, which preempted the child on its CPU (perf sched).
            if (answer is not null) answered.Wait(deadline.Token);
            if (workloadCpu >= 0 && ThreadAffinity.ThreadsKeptOn(sandbox!.ProcessIds, workloadCpu, startMask!) is { Count: > 0 } kept)
                throw new TrialFailedException($"threads {string.Join(", ", kept)} of the workload started before its CPU affinity was "
                    + $"given back and stay on CPU {workloadCpu}");
            foreach (var (k, v) in sandbox!.Details) parameters[k] = v;
            answer ??= StartRequestSide();
            var (socket, retry) = await answer.ConfigureAwait(false);
            socket.Dispose();
            resolution = retry?.ResolutionNs ?? 0;
            maxGap = retry?.MaxGapNs ?? 0;
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !ct.IsCancellationRequested)
        {
            status = TrialStatus.Timeout;
            error = $"no response within {Durations.Format(spec.Timeout)} ({Progress(phases)})";
        }
        catch (OperationCanceledException)
        {
            status = TrialStatus.Interrupted;
            error = "interrupted";
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or SocketException or TimeoutException)
        {
            status = TrialStatus.Failed;
            error = e.Message;
        }
        finally
        {
            if (answer is { IsCompleted: false })
            {
                // The start failed while the request side still waits: stop it before its sandbox goes away.
                await deadline.CancelAsync().ConfigureAwait(false);
                try
                {
                    (await answer.ConfigureAwait(false)).Socket.Dispose();
                }
                catch (Exception e) when (e is OperationCanceledException or TimeoutException or TrialFailedException or SocketException)
                {
                }
            }
            listener?.Dispose();
            (status, error) = await Teardown.EndAsync(sandbox, status, error).ConfigureAwait(false);
            phases.Mark(Phases.Done);
        }

        if (WorkloadMarkers.Readable(c.Runtime, c.Clock))
            WorkloadMarkers.Read(output, phases, method == ReadinessMethod.Socket ? Phases.Listening : "workload-ready");

        var all = phases.Snapshot();
        bool spawned = phases.TryGet(Phases.Spawn, out long origin);
        var relative = all.Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        var samples = new List<KeyValuePair<string, double>> { new("artifact_bytes", c.Artifact.SizeBytes) };
        if (maxGap > 0) samples.Add(new("retry_max_gap_ns", maxGap));
        if (status == TrialStatus.Ok && phases.TryGet(Phases.FirstByte, out long fb))
            samples.Add(new(Metric, fb - origin));
        return new TrialOutcome(status, error, PlanLoader.Name(method), resolution, relative, samples, parameters)
        {
            OriginNs = spawned ? origin : null,
        };
    }

    /// <summary>Where a trial that timed out had got to, for its error message.</summary>
    private static string Progress(PhaseClock phases)
    {
        var all = phases.Snapshot();
        return all.Count == 0 ? "nothing started" : $"last phase: {all[^1].Key}";
    }
}
