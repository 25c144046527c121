using System.Globalization;
using System.Net;

namespace Sandbench.Load.CloudEvents;

/// <summary>
/// <c>sandbench eventing BROKER_URL</c>: one process sends CloudEvents to a broker and receives them back as
/// the broker's subscriber, so the send time and the receipt are read from one CLOCK_MONOTONIC. Three kinds
/// of event share <see cref="Source"/> and are told apart by their <c>type</c>: probes, warm-up and measured events.
/// </summary>
public sealed record EventingRoundOptions
{
    /// <summary>The type of the events that find out whether the broker routes to this sink (not measured).</summary>
    public const string ProbeType = "dev.sandbench.probe";

    /// <summary>The type of the warm-up load's events (not measured).</summary>
    public const string WarmupType = "dev.sandbench.warmup";

    /// <summary>The type of the measured events: the only one the sink counts as events and times.</summary>
    public const string MeasuredType = CloudEventOptions.DefaultType;

    public const string DefaultSource = "/sandbench/eventing";

    /// <summary>How often a probe is sent while none has come back.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The broker's ingress URL (Knative: http://broker-ingress.knative-eventing.svc.cluster.local/NAMESPACE/BROKER).</summary>
    public required Uri Broker { get; init; }

    /// <summary>Where the sink listens (in a pod 0.0.0.0:PORT, the port the Service targets).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    public CloudEventMode Mode { get; init; } = CloudEventMode.Binary;

    /// <summary>The events' source: a Trigger routes them to this sink by it (and by type).</summary>
    public string Source { get; init; } = DefaultSource;

    /// <summary>Events per second, open loop (warm-up and measured load).</summary>
    public double Rate { get; init; }

    public int Connections { get; init; } = 8;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Load at the rate before the measured load, of <see cref="WarmupType"/>; zero: none.</summary>
    public TimeSpan WarmupDuration { get; init; } = TimeSpan.Zero;

    /// <summary>After the measured load, how long to wait at most for the accepted events still on their way.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long probes are sent before the round gives up on the route.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Per request to the broker (probes and load).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Every problem with these options, one sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>(Load(MeasuredType, Duration).Validate());
        if (WarmupDuration < TimeSpan.Zero) problems.Add("--warmup-duration must be 0 or more (e.g. 5s)");
        if (Drain < TimeSpan.Zero) problems.Add("--drain must be 0 or more (e.g. 10s)");
        if (StartTimeout <= TimeSpan.Zero) problems.Add("--start-timeout must be above 0 (e.g. 60s)");
        return problems;
    }

    /// <summary>The generator's options for load of <paramref name="type"/> for <paramref name="duration"/>.</summary>
    internal LoadOptions Load(string type, TimeSpan duration) => new()
    {
        Target = Broker,
        Rate = Rate,
        Duration = duration,
        Connections = Connections,
        Timeout = Timeout,
        Method = "POST",
        CloudEvents = new CloudEventOptions { Mode = Mode, Type = type, Source = Source },
    };

    internal static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.###}s");
}
