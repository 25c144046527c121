using System.Globalization;
using System.Net;

namespace Sandbench.Load.CloudEvents;

/// <summary>
/// An eventing round: sender and sink in one process, a broker between them. The sink listens; probes find
/// the route open; an optional warm-up loads the path; the measured load runs open loop with the generator;
/// then the round waits for the accepted events still on their way (the drain) and stops the sink. Delivery
/// latency (broker in → sink) is read from one CLOCK_MONOTONIC, since the stamp and the receipt are in this process.
/// Cancellation ends the stage under way and returns what was gathered (ended by <c>interrupted</c>); the sink's
/// socket and connections and the probes' client are closed on every path.
/// </summary>
public sealed class EventingRound(EventingRoundOptions options)
{
    /// <summary>Called once the sink listens, with its address (the port is the chosen one when 0 was asked).</summary>
    public Action<IPEndPoint>? Listening { get; init; }

    /// <summary>A line per stage (listening, route open, warm-up, load, drain), for stderr.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The generator's progress, about once a second, during warm-up and load.</summary>
    public Action<LoadProgress>? LoadProgress { get; init; }

    /// <summary>Wall-clock time and the timers of the probes, start timeout and drain.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public async Task<EventingRoundResult> RunAsync(CancellationToken ct)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new LoadException(string.Join(Environment.NewLine, problems));

        var probe = new RouteProbe(options, Time);
        var listening = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sink = new EventSink(SinkOptions()) { Time = Time, OtherTypeArrived = probe.OnArrived, Listening = ep => listening.TrySetResult(ep) };
        var startedUtc = Time.GetUtcNow();
        var sinkRun = Task.Run(() => sink.RunAsync(ct), CancellationToken.None);
        if (await Task.WhenAny(listening.Task, sinkRun).ConfigureAwait(false) == sinkRun) await sinkRun.ConfigureAwait(false); // cannot listen: throws here
        var endpoint = await listening.Task.ConfigureAwait(false);
        var stages = new Stages();
        try
        {
            Log?.Invoke($"listening on {endpoint} for the broker's deliveries");
            Listening?.Invoke(endpoint);
            await RunStagesAsync(sink, probe, stages, ct).ConfigureAwait(false);
        }
        finally
        {
            sink.Stop();
            stages.Sink = await sinkRun.ConfigureAwait(false);
        }
        return Result(stages, endpoint, startedUtc, ct.IsCancellationRequested);
    }

    /// <summary>What the stages gathered so far (an interrupted round keeps what it has).</summary>
    private sealed class Stages
    {
        public ProbeResult Probe = new() { Attempts = 0, Accepted = 0 };
        public LoadResult? Warmup;
        public LoadResult? Load;
        public string? DrainEndedBy;
        public double? DrainSeconds;
        public SinkResult? Sink;
    }

    private async Task RunStagesAsync(EventSink sink, RouteProbe probe, Stages stages, CancellationToken ct)
    {
        Log?.Invoke($"probing {options.Broker}: a {EventingRoundOptions.ProbeType} event every {EventingRoundOptions.ProbeInterval.TotalMilliseconds:0} ms "
            + $"until one comes back (at most {EventingRoundOptions.Seconds(options.StartTimeout)})");
        using (var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.Timeout }) { Timeout = options.Timeout })
            stages.Probe = await probe.RunAsync(http, ct).ConfigureAwait(false);
        if (ct.IsCancellationRequested) return;
        Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"route open: the first probe came back {stages.Probe.RouteMs:0.0} ms after the first was sent ({stages.Probe.Attempts} sent, {stages.Probe.Accepted} accepted)"));

        if (options.WarmupDuration > TimeSpan.Zero)
        {
            Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"warm-up: {options.Rate} events/s for {EventingRoundOptions.Seconds(options.WarmupDuration)} ({EventingRoundOptions.WarmupType}, not measured)"));
            stages.Warmup = await GenerateAsync(EventingRoundOptions.WarmupType, options.WarmupDuration, ct).ConfigureAwait(false);
            if (ct.IsCancellationRequested) return;
        }

        Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"measuring: {options.Rate} events/s for {EventingRoundOptions.Seconds(options.Duration)} on {options.Connections} connections ({EventingRoundOptions.MeasuredType})"));
        stages.Load = await GenerateAsync(EventingRoundOptions.MeasuredType, options.Duration, ct).ConfigureAwait(false);
        if (stages.Load is null || ct.IsCancellationRequested) return;

        long accepted = Accepted(stages.Load);
        Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
            $"draining: {accepted} accepted, {sink.Events} received; waiting up to {EventingRoundOptions.Seconds(options.Drain)} for the rest"));
        long drainStart = Time.GetTimestamp();
        stages.DrainEndedBy = await DrainAsync(sink, accepted, ct).ConfigureAwait(false);
        stages.DrainSeconds = Time.GetElapsedTime(drainStart).TotalSeconds;
        Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"drain ended by {stages.DrainEndedBy} after {stages.DrainSeconds:0.000}s: {sink.Events} of {accepted} received"));
    }

    /// <summary>Waits until the sink has as many measured events as the broker accepted, or the drain time passed.</summary>
    private async Task<string> DrainAsync(EventSink sink, long accepted, CancellationToken ct)
    {
        try
        {
            await sink.WhenEventsAsync(accepted, ct).WaitAsync(options.Drain, Time, ct).ConfigureAwait(false);
            return "all-received";
        }
        catch (TimeoutException)
        {
            return "drain-timeout";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return "interrupted";
        }
    }

    /// <summary>Open-loop load of one event type; null when cancelled before it could start.</summary>
    private async Task<LoadResult?> GenerateAsync(string type, TimeSpan duration, CancellationToken ct)
    {
        try
        {
            return await new LoadGenerator(options.Load(type, duration)) { Progress = LoadProgress, Time = Time }.RunAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private static long Accepted(LoadResult load) =>
        load.StatusCodes.Where(s => s.Key.Length == 3 && s.Key[0] == '2').Sum(s => s.Value);

    /// <summary>
    /// The sink measures only the measured type and is stopped by the round; its own duration is a backstop
    /// beyond every stage's limit (probes, warm-up, load and its last timeout, drain), never reached by a round that ends.
    /// </summary>
    private SinkOptions SinkOptions() => new()
    {
        Listen = options.Listen.Address,
        Port = options.Listen.Port,
        MeasuredType = EventingRoundOptions.MeasuredType,
        Duration = options.StartTimeout + options.WarmupDuration + options.Duration + options.Drain + 2 * options.Timeout + TimeSpan.FromMinutes(5),
    };

    private EventingRoundResult Result(Stages stages, IPEndPoint endpoint, DateTimeOffset startedUtc, bool interrupted)
    {
        var sink = stages.Sink!;
        long accepted = stages.Load is { } load ? Accepted(load) : 0;
        return new EventingRoundResult
        {
            Broker = options.Broker.ToString(),
            Listen = endpoint.ToString(),
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Source = options.Source,
            Rate = options.Rate,
            Connections = options.Connections,
            DurationSeconds = options.Duration.TotalSeconds,
            WarmupSeconds = options.WarmupDuration.TotalSeconds,
            DrainLimitSeconds = options.Drain.TotalSeconds,
            StartTimeoutSeconds = options.StartTimeout.TotalSeconds,
            TimeoutSeconds = options.Timeout.TotalSeconds,
            StartedUtc = startedUtc,
            EndedBy = interrupted ? "interrupted" : stages.DrainEndedBy ?? "interrupted",
            Sent = stages.Load?.Sent ?? 0,
            Accepted = accepted,
            Received = sink.Events,
            Lost = Math.Max(0, accepted - sink.Events),
            ReceivedNotAccepted = Math.Max(0, sink.Events - accepted),
            DrainSeconds = stages.DrainSeconds,
            Probe = stages.Probe,
            Warmup = stages.Warmup is { } w
                ? new WarmupCounts(w.Sent, Accepted(w), sink.OtherTypesByType.GetValueOrDefault(EventingRoundOptions.WarmupType)) : null,
            Load = stages.Load,
            Sink = sink,
        };
    }
}
