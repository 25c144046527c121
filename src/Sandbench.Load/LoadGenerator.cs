using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sandbench.Load;

/// <summary>
/// Runs one load test: opens the connections, drives them open- or closed-loop for the duration, and
/// merges what each measured. Always bounded: no request starts after the duration, and one in flight
/// then is ended by its timeout; cancellation ends everything at once and keeps what was measured.
/// All times come from <see cref="Stopwatch.GetTimestamp"/> (monotonic).
/// </summary>
public sealed class LoadGenerator(LoadOptions options)
{
    /// <summary>Called about once a second while the run lasts, from a timer thread.</summary>
    public Action<LoadProgress>? Progress { get; init; }

    /// <summary>Wall-clock time, only for the CloudEvents <c>time</c> attribute (durations use the monotonic clock).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    static LoadGenerator()
    {
        // Socket completions run their continuation on the epoll thread instead of a hop through the
        // thread pool: about a third more requests per second on 2 cores. Read once, when the first socket
        // of the process is made, so it is set here unless the user chose otherwise.
        const string inline = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        if (Environment.GetEnvironmentVariable(inline) is null) Environment.SetEnvironmentVariable(inline, "1");
    }

    public async Task<LoadResult> RunAsync(CancellationToken ct)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new LoadException(string.Join(Environment.NewLine, problems));
        var endpoint = await ResolveAsync(options.Target, ct).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        int seconds = (int)Math.Ceiling(options.Duration.TotalSeconds);
        var buckets = new SecondBuckets(seconds);
        var events = options.CloudEvents is null ? null : await CloudEvents.EventTemplate.BuildAsync(options, Time).ConfigureAwait(false);
        var run = new RunContext(options, endpoint, buckets, RequestSources.For(options, events));
        var connections = Enumerable.Range(0, options.Connections).Select(_ => new Connection(run)).ToArray();
        // The closed loop polls its sockets on worker threads of its own (Linux); the open loop's requests are released
        // by the dispatcher and complete through the runtime's socket engine.
        bool polling = options.Rate is null && Epoll.Supported;
        if (polling) Connection.PrepareForPolling(connections, options.Timeout, stop.Token);
        else using (var connectLimit = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
        {
            connectLimit.CancelAfter(options.Timeout);
            await Task.WhenAll(connections.Select(c => c.PrepareAsync(connectLimit.Token))).ConfigureAwait(false);
        }
        long start = Stopwatch.GetTimestamp();
        var schedule = run.Begin(start);
        long end = run.End;
        using var registration = stop.Token.Register(() => { foreach (var c in connections) c.Abort(); });
        long lastProgress = start;
        using var watchdog = new Timer(_ =>
        {
            long now = Stopwatch.GetTimestamp();
            if (!polling) foreach (var c in connections) c.CheckTimeout(now, run.TimeoutTicks); // a polling worker checks its own
            if (Progress is { } p && now - lastProgress >= Stopwatch.Frequency && now < end)
            {
                lastProgress += Stopwatch.Frequency;
                p(Snapshot(connections, (now - start) / (double)Stopwatch.Frequency));
            }
        }, null, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(20));

        SpinTuner? tuner = null;
        if (polling)
        {
            tuner = SpinTuner.For(connections, Stopwatch.GetTimestamp());
            await PollingLoop.RunAsync(connections, tuner, stop.Token).ConfigureAwait(false);
        }
        else if (options.Rate is null)
        {
            await Task.WhenAll(connections.Select(c => Task.Run(() => c.RunClosedAsync(stop.Token), CancellationToken.None))).ConfigureAwait(false);
        }
        else
        {
            var pool = new OpenLoop(connections.Length);
            foreach (var c in connections) c.Attach(pool, stop.Token);
            var dispatcher = Dispatcher.Start(schedule, pool, stop.Token);
            await pool.Done.ConfigureAwait(false);
            dispatcher.Join();
        }
        foreach (var c in connections) c.Finish();
        long finished = Stopwatch.GetTimestamp();
        return Merge(connections, buckets, schedule, seconds, (finished - start) / (double)Stopwatch.Frequency, ct.IsCancellationRequested) with
        {
            PollSpins = tuner?.Chosen,
        };
    }

    private static async Task<IPEndPoint> ResolveAsync(Uri target, CancellationToken ct)
    {
        if (IPAddress.TryParse(target.DnsSafeHost, out var ip)) return new IPEndPoint(ip, target.Port);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(target.DnsSafeHost, ct).ConfigureAwait(false);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            return chosen is null ? throw new LoadException($"{target.Host}: the name has no address") : new IPEndPoint(chosen, target.Port);
        }
        catch (SocketException e)
        {
            throw new LoadException($"{target.Host}: cannot resolve the name ({e.Message})");
        }
    }

    private static LoadProgress Snapshot(Connection[] connections, double elapsed) => new(elapsed,
        connections.Sum(c => Volatile.Read(ref c.Stats.Sent)), connections.Sum(c => Volatile.Read(ref c.Stats.Completed)),
        connections.Sum(c => Volatile.Read(ref c.Stats.ErrorCount)), connections.Sum(c => Volatile.Read(ref c.Stats.Late)),
        connections.Sum(c => Volatile.Read(ref c.Stats.Dropped)));

    private LoadResult Merge(Connection[] connections, SecondBuckets buckets, Schedule schedule, int seconds, double elapsed, bool interrupted)
    {
        var corrected = WorkerStats.NewHistogram();
        var uncorrected = WorkerStats.NewHistogram();
        var ttfb = WorkerStats.NewHistogram();
        var lag = WorkerStats.NewHistogram();
        var function = WorkerStats.NewHistogram();
        var overhead = WorkerStats.NewHistogram();
        var status = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in connections.Select(c => c.Stats))
        {
            corrected.Add(s.Corrected);
            uncorrected.Add(s.Uncorrected);
            ttfb.Add(s.Ttfb);
            lag.Add(s.Lag);
            function.Add(s.Function);
            overhead.Add(s.Overhead);
            for (int code = 0; code < s.Status.Length; code++)
                if (s.Status[code] > 0) status[code.ToString(CultureInfo.InvariantCulture)] = status.GetValueOrDefault(code.ToString(CultureInfo.InvariantCulture)) + s.Status[code];
            foreach (var kind in Enum.GetValues<ErrorKind>())
                if (s.Errors[(int)kind] > 0) errors[kind.ToString().ToLowerInvariant()] = errors.GetValueOrDefault(kind.ToString().ToLowerInvariant()) + s.Errors[(int)kind];
        }
        // An interrupted run is rated over the time it actually ran.
        double duration = interrupted ? Math.Min(elapsed, options.Duration.TotalSeconds) : options.Duration.TotalSeconds;
        long completed = connections.Sum(c => c.Stats.Completed);
        return new LoadResult
        {
            Mode = options.Rate is null ? "closed" : "open",
            Target = options.Target.ToString(),
            CloudEvents = options.CloudEvents is { } ce ? new CloudEventsSent(ce.Mode.ToString().ToLowerInvariant(), ce.Type, ce.Source,
                [CloudEvents.EventAttributes.SentNs, CloudEvents.EventAttributes.Clock], CloudEvents.EventClock.Domain) : null,
            Connections = options.Connections,
            TargetRate = options.Rate,
            DurationSeconds = options.Duration.TotalSeconds,
            ElapsedSeconds = elapsed,
            TimeoutSeconds = options.Timeout.TotalSeconds,
            Interrupted = interrupted,
            Scheduled = options.Rate is null ? null : schedule.Total,
            Sent = connections.Sum(c => c.Stats.Sent),
            Completed = completed,
            Errors = connections.Sum(c => c.Stats.ErrorCount),
            Late = connections.Sum(c => c.Stats.Late),
            Dropped = connections.Sum(c => c.Stats.Dropped),
            AchievedRate = duration > 0 ? completed / duration : 0,
            BytesRead = connections.Sum(c => c.Stats.BytesRead),
            Corrected = LatencySummary.Of(corrected),
            Uncorrected = LatencySummary.Of(uncorrected),
            Ttfb = LatencySummary.Of(ttfb),
            Lag = LatencySummary.Of(lag),
            Function = LatencySummary.Of(function),
            Overhead = LatencySummary.Of(overhead),
            FunctionExceedsResponse = connections.Sum(c => c.Stats.FunctionExceedsResponse),
            StatusCodes = status,
            ErrorsByKind = errors,
            Seconds = buckets.Results(seconds),
            Histograms = new LoadHistograms(corrected, uncorrected, ttfb)
            {
                Function = function.TotalCount > 0 ? function : null,
                Overhead = overhead.TotalCount > 0 ? overhead : null,
            },
        };
    }
}

/// <summary>A problem with the target that stops the run before it starts (e.g. a name that does not resolve).</summary>
public sealed class LoadException(string message) : Exception(message);
