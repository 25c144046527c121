using System.Globalization;
using k8s.Autorest;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Kubernetes;

/// <summary>
/// Eventing on Knative (seed 002): CloudEvents sent to the profile's Broker at the trial's rate, delivered by a Trigger to a
/// sink, delivery latency from send to receipt. Sender and sink are one <c>sandbench eventing</c> process in one pod of the
/// profile's RuntimeClass (<see cref="EventingObjects"/>), so both ends read one CLOCK_MONOTONIC: no clock offset between
/// machines enters the figure. The round first sends probe events until one comes back (the Trigger and the Service's
/// endpoint are then in place), warms the path up, sends the measured events, and waits for the stragglers (drain); the
/// pod's log ends with its result, which is read back through the API and stored as the trial's.
/// </summary>
internal static class KnativeEventing
{
    /// <summary>Phases: the Broker read and Ready; the Trigger Ready; the Job created; its pod ended and its result read.</summary>
    public const string BrokerReady = "broker-ready", TriggerReady = "trigger-ready", JobCreated = "eventing-job-created", JobRead = "eventing-job-read";

    private static int _trials;

    public static async Task<TrialOutcome> RunAsync(KnativeRuntime rt, TrialContext c, CancellationToken ct)
    {
        var spec = c.Trial.Spec;
        var load = spec.Load ?? throw new InvalidOperationException("an eventing trial without a load section");
        var events = spec.Events ?? EventingSpec.Defaults;
        double rate = c.Trial.Rate ?? throw new InvalidOperationException("an eventing trial without a rate");
        var s = rt.Settings;
        var phases = new PhaseClock(c.Clock);
        var parameters = Parameters.Of(rt, c);
        parameters.Remove("image"); // the function's: no Knative Service runs in an eventing trial
        parameters.Remove("gateway");
        string name = ServiceManifest.Name(c.RunId, rt.Profile.Name, "ev", Interlocked.Increment(ref _trials));
        foreach (var (k, v) in new Dictionary<string, string>
        {
            ["broker"] = s.Broker, ["trigger"] = name, ["job"] = name, ["mode"] = events.Mode, ["rate"] = rate.ToString("R", CultureInfo.InvariantCulture),
            ["connections"] = load.Connections.ToString(CultureInfo.InvariantCulture), ["duration"] = Durations.Format(load.Duration),
            ["warmup_duration"] = Durations.Format(load.WarmupDuration), ["drain"] = Durations.Format(events.Drain),
            ["load_image"] = s.LoadImage ?? "", ["client"] = "in-cluster, the sink's own pod (one clock)",
            ["label"] = $"{rt.Profile.Name} via Broker {s.Namespace}/{s.Broker}",
            ["phase-clock"] = "this host's clock at each step (the Trigger read every 250 ms); delivery latency is the pod's own clock",
        }) parameters[k] = v;
        var samples = new List<KeyValuePair<string, double>>();
        var histograms = new List<EncodedHistogram>();
        IReadOnlyList<SeriesPoint> series = [];
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        var api = rt.Api();
        bool triggerMade = false, serviceMade = false;
        phases.Mark(Phases.Spawn);
        try
        {
            Uri brokerUrl = await BrokerUrlAsync(api, s.Broker, ct).ConfigureAwait(false);
            parameters["broker_url"] = brokerUrl.ToString();
            phases.Mark(BrokerReady);
            var request = new EventingObjects.Request(name, c.RunId, s.LoadImage ?? throw new TrialFailedException("eventing needs the option load-image"),
                s.RuntimeClass, s.Broker, brokerUrl, events.Mode, rate, load.Connections, load.Duration, load.WarmupDuration, events.Drain, load.StartTimeout,
                spec.Timeout);
            parameters["source"] = request.Source;
            // Marked made before the request: an interruption while it is under way may leave the object created.
            serviceMade = true;
            if (!await api.CreatePlainServiceAsync(EventingObjects.Service(request), ct).ConfigureAwait(false))
            {
                serviceMade = false;
                throw new TrialFailedException($"a Service named {name} exists already in namespace {s.Namespace} (409); 'sandbench clean --kubernetes' removes leftovers");
            }
            triggerMade = true;
            if (!await api.CreateTriggerAsync(EventingObjects.Trigger(request, s.Namespace), ct).ConfigureAwait(false))
            {
                triggerMade = false;
                throw new TrialFailedException($"a Trigger named {name} exists already in namespace {s.Namespace} (409); 'sandbench clean --kubernetes' removes leftovers");
            }
            await TriggerReadyAsync(api, name, load.StartTimeout, c.Clock.Time, ct).ConfigureAwait(false);
            phases.Mark(TriggerReady);
            phases.Mark(JobCreated);
            string log = await JobRun.RunAsync(api, EventingObjects.Job(request), EventingObjects.Container, "eventing Job", EventingObjects.Deadline(request),
                c.Clock, ct).ConfigureAwait(false);
            phases.Mark(JobRead);
            var round = Parse(log) ?? throw new TrialFailedException($"the eventing Job {name}'s log holds no result of 'sandbench eventing --json': {JobRun.Tail(log)}");
            series = Record(round, samples, histograms, parameters);
            if (round.Received == 0) (status, error) = (TrialStatus.Failed, $"none of the {round.Sent} events sent came back through the Broker");
        }
        catch (TimeoutException e) when (!ct.IsCancellationRequested)
        {
            (status, error) = (TrialStatus.Timeout, e.Message);
        }
        catch (OperationCanceledException)
        {
            (status, error) = (TrialStatus.Interrupted, "interrupted");
        }
        catch (Exception e) when (e is TrialFailedException or InvalidOperationException or IOException or HttpRequestException or HttpOperationException)
        {
            (status, error) = (TrialStatus.Failed, ObjectWatch.Describe(e));
        }
        finally
        {
            // The Job went in JobRun; each of these is tried even when the other could not be deleted.
            await Deletions.BestEffortAsync(c.Clock.Time,
                t => triggerMade ? api.DeleteTriggerAsync(name, t) : Task.CompletedTask,
                t => serviceMade ? api.DeletePlainServiceAsync(name, t) : Task.CompletedTask).ConfigureAwait(false);
        }
        phases.Mark(Phases.Done);
        phases.TryGet(Phases.Spawn, out long origin);
        var relative = phases.Snapshot().Select(p => new KeyValuePair<string, long>(p.Key, p.Value - origin)).ToList();
        return new TrialOutcome(status, error, "broker-probe", 0, relative, samples, parameters)
        {
            OriginNs = origin,
            Histograms = status == TrialStatus.Ok ? histograms : [],
            Series = status == TrialStatus.Ok ? series : [],
        };
    }

    /// <summary>The round's result at the end of the pod's log.</summary>
    /// <exception cref="TrialFailedException">The document is there but cannot be read.</exception>
    public static EventingRoundResult? Parse(string log) => JobRun.Read(log, EventingRoundResult.FromJson, "eventing Job");

    /// <summary>The round's figures as the trial's samples, histogram and series (the same names as a local 'sandbench eventing' run).</summary>
    private static IReadOnlyList<SeriesPoint> Record(EventingRoundResult round, List<KeyValuePair<string, double>> samples, List<EncodedHistogram> histograms,
        Dictionary<string, string> parameters)
    {
        samples.AddRange(round.Samples());
        foreach (var (k, v) in round.Parameters()) parameters[k] = v;
        if (round.Sink.DeliveryHistogram is { } h) histograms.Add(new EncodedHistogram("delivery_ns", h));
        return [.. round.Sink.SeriesPoints().Select(p => new SeriesPoint(p.Metric, p.Second, p.Value))];
    }

    /// <summary>The Broker's address once it is Ready.</summary>
    /// <exception cref="TrialFailedException">No such Broker, not Ready, or without an address.</exception>
    private static async Task<Uri> BrokerUrlAsync(KnativeApi api, string broker, CancellationToken ct)
    {
        var b = await api.GetBrokerAsync(broker, ct).ConfigureAwait(false)
            ?? throw new TrialFailedException($"no Broker named {broker} in namespace {api.Namespace} (option 'broker'; is Knative Eventing installed? docs/knative.md: eventing)");
        if (b.Condition("Ready") is not { True: true })
            throw new TrialFailedException($"Broker {api.Namespace}/{broker} is not Ready{(b.Condition("Ready")?.Message is { } m ? ": " + m : "")}");
        string? url = b.Str("status", "address", "url");
        return url is not null && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? u
            : throw new TrialFailedException($"Broker {api.Namespace}/{broker} is Ready but has no address (status.address.url)");
    }

    /// <summary>Reads the Trigger every 250 ms until its Ready condition is True.</summary>
    /// <exception cref="TimeoutException">Not Ready within <paramref name="limit"/> (the message carries its last condition).</exception>
    private static async Task TriggerReadyAsync(KnativeApi api, string name, TimeSpan limit, TimeProvider time, CancellationToken ct)
    {
        long start = time.GetTimestamp();
        string? last = null;
        while (true)
        {
            var t = await api.GetTriggerAsync(name, ct).ConfigureAwait(false);
            var ready = t?.Condition("Ready");
            if (ready is { True: true }) return;
            last = ready?.Message ?? last;
            if (time.GetElapsedTime(start) >= limit)
                throw new TimeoutException($"the Trigger {name} was not Ready within start-timeout {Durations.Format(limit)}{(last is null ? "" : ": " + last)}");
            await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct).ConfigureAwait(false);
        }
    }
}
