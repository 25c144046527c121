using System.Globalization;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Kubernetes;

/// <summary>
/// A knative runtime profile's options, read and checked: where the cluster is, which RuntimeClass and image
/// the Services run with, the ingress address requests go to, and the autoscaling annotations users tune.
/// </summary>
public sealed record KnativeSettings
{
    /// <summary>Knative's sample function (what kperf deploys): answers <c>GET /</c> with a greeting.</summary>
    public const string DefaultImage = "ghcr.io/knative/helloworld-go:latest";

    /// <summary>Explicit kubeconfig file; null: <c>KUBECONFIG</c>, <c>~/.kube/config</c>, then in-cluster.</summary>
    public string? Kubeconfig { get; init; }
    public string? Context { get; init; }
    public string Namespace { get; init; } = "default";
    /// <summary><c>spec.template.spec.runtimeClassName</c>; null: the cluster's default runtime.</summary>
    public string? RuntimeClass { get; init; }
    public string Image { get; init; } = DefaultImage;
    /// <summary>Where the ingress listens (host:port); requests carry the Service's host name as Host, as kperf sends them.</summary>
    public string Gateway { get; init; } = "127.0.0.1:8080";
    public int? ContainerPort { get; init; }
    public int? MinScale { get; init; }
    public int? MaxScale { get; init; }
    public int? InitialScale { get; init; }
    public int? ContainerConcurrency { get; init; }
    /// <summary>The autoscaler's stable window (<c>autoscaling.knative.dev/window</c>).</summary>
    public TimeSpan? StableWindow { get; init; }
    /// <summary><c>autoscaling.knative.dev/scale-to-zero-pod-retention-period</c> (the grace period itself is cluster-wide, in config-autoscaler).</summary>
    public TimeSpan? ScaleToZeroRetention { get; init; }
    /// <summary>
    /// An image with <c>sandbench</c> on its PATH: set, a warm trial's load runs in the cluster, as a Job of this image
    /// against the Service's cluster-local address; null: from this machine through <see cref="Gateway"/>.
    /// </summary>
    public string? LoadImage { get; init; }

    /// <summary>The Broker (eventing.knative.dev/v1, in <see cref="Namespace"/>) an eventing trial sends its events to.</summary>
    public string Broker { get; init; } = "default";

    /// <summary>How long a cold start waits for the Service to be observed at zero replicas before its request.</summary>
    public TimeSpan ZeroTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads a profile's options; every problem is one line naming the profile and the option.</summary>
    public static KnativeSettings Read(RuntimeProfile p, out IReadOnlyList<string> problems)
    {
        var o = new OptionReader(p);
        var errors = o.Errors;
        var s = new KnativeSettings
        {
            Kubeconfig = p.Option("kubeconfig"),
            Context = p.Option("context"),
            Namespace = o.Label("namespace") ?? "default",
            RuntimeClass = o.Label("runtime-class", emptyIsUnset: true),
            Image = p.Option("image") ?? DefaultImage,
            LoadImage = p.Option("load-image") is { Length: > 0 } li ? li : null,
            Broker = o.Label("broker") ?? "default",
            Gateway = p.Option("gateway") ?? "127.0.0.1:8080",
            ContainerPort = o.Int("container-port", 1),
            MinScale = o.Int("min-scale", 0),
            MaxScale = o.Int("max-scale", 0),
            InitialScale = o.Int("initial-scale", 0),
            ContainerConcurrency = o.Int("container-concurrency", 0),
            StableWindow = o.Duration("stable-window"),
            ScaleToZeroRetention = o.Duration("scale-to-zero-retention"),
            ZeroTimeout = o.Duration("zero-timeout") ?? TimeSpan.FromMinutes(5),
        };
        if (s.Image.Length == 0 || s.Image.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            errors.Add($"{p.Name}: option 'image' must be an image reference such as {DefaultImage}");
        if (s.LoadImage is { } load && load.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            errors.Add($"{p.Name}: option 'load-image' must be an image reference with sandbench in it, such as registry.example/sandbench:latest");
        if (!TryGateway(s.Gateway, out _, out _))
            errors.Add($"{p.Name}: option 'gateway' must be HOST:PORT of the ingress, e.g. 127.0.0.1:8080 (got '{s.Gateway}')");
        if (s.StableWindow is { } w && (w < TimeSpan.FromSeconds(6) || w > TimeSpan.FromHours(1)))
            errors.Add($"{p.Name}: option 'stable-window' must be from 6s to 1h (Knative's limits), got {Durations.Format(w)}");
        if (s.MinScale is { } min && s.MaxScale is { } max && max > 0 && min > max)
            errors.Add($"{p.Name}: option 'min-scale' ({min}) is above 'max-scale' ({max})");
        problems = errors;
        return s;
    }

    /// <summary>Splits HOST:PORT (an IPv6 host in brackets).</summary>
    public static bool TryGateway(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            return false;
        host = text[..colon].Trim('[', ']');
        return host.Length > 0 && !host.Any(char.IsWhiteSpace);
    }

    /// <summary>The revision template's annotations for the options that are set (Knative's names).</summary>
    public IReadOnlyDictionary<string, string> Annotations()
    {
        var a = new SortedDictionary<string, string>(StringComparer.Ordinal);
        static string I(int n) => n.ToString(CultureInfo.InvariantCulture);
        static string S(TimeSpan t) => $"{(long)Math.Ceiling(t.TotalSeconds)}s";
        if (MinScale is { } min) a["autoscaling.knative.dev/min-scale"] = I(min);
        if (MaxScale is { } max) a["autoscaling.knative.dev/max-scale"] = I(max);
        if (InitialScale is { } init) a["autoscaling.knative.dev/initial-scale"] = I(init);
        if (StableWindow is { } w) a["autoscaling.knative.dev/window"] = S(w);
        if (ScaleToZeroRetention is { } r) a["autoscaling.knative.dev/scale-to-zero-pod-retention-period"] = S(r);
        return a;
    }
}
