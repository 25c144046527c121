using System.Text.Json;
using k8s;

namespace Sandbench.Kubernetes;

/// <summary>The phases of a Knative Service the client observes, kperf's per-service phases.</summary>
public static class KnativePhases
{
    /// <summary>The create call for the Service returned.</summary>
    public const string Created = "service-created";
    public const string RevisionReady = "revision-ready";
    public const string RouteReady = "route-ready";
    /// <summary>The Service's Ready condition became True (configuration and route ready).</summary>
    public const string ServiceReady = "service-ready";
    /// <summary>The revision's deployment asked for more replicas than it had (the autoscaler scaled it from zero).</summary>
    public const string DeploymentScaled = "deployment-scaled";
    public const string PodCreated = "pod-created";
    public const string PodScheduled = "pod-scheduled";
    public const string PodInitialized = "pod-initialized";
    /// <summary>Every container of the pod (the function and queue-proxy) reports running.</summary>
    public const string ContainersStarted = "containers-started";
    public const string PodReady = "pod-ready";
    /// <summary>The deployment reports a ready replica.</summary>
    public const string DeploymentReady = "deployment-ready";

    /// <summary>Phases in the order they normally happen, for tables.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Created, RevisionReady, RouteReady, ServiceReady, DeploymentScaled, PodCreated, PodScheduled, PodInitialized, ContainersStarted, PodReady, DeploymentReady];
}

/// <summary>
/// One Service's time line: for each phase, the client's receipt time of the first event that showed it
/// (monotonic ns), and the object's own timestamp for it (API server clock, 1 s resolution). Only transitions
/// after <see cref="Arm"/> count, so a state listed before the trial began is not taken for a phase of it.
/// Thread-safe: every watch hands its events in from its own task.
/// </summary>
internal sealed class ServiceTimeline(string service)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _received = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _stamped = new(StringComparer.Ordinal);
    private readonly HashSet<string> _podsBefore = new(StringComparer.Ordinal);
    private long _armedAt = long.MaxValue;
    private long? _replicas, _readyReplicas;
    private int _pods;

    public string Service { get; } = service;

    /// <summary>Set whenever an event of this Service arrives, so a waiter can look again.</summary>
    public event Action? Changed;

    /// <summary>The Service's URL from its status (its host name is the Host header the ingress routes by).</summary>
    public string? Url { get; private set; }

    /// <summary>The Service's Ready condition: null while unknown.</summary>
    public bool? Ready { get; private set; }

    /// <summary>The reason the Service is not ready (its Ready condition's message), for a timeout's error.</summary>
    public string? NotReadyReason { get; private set; }

    /// <summary>Replicas the deployment asks for (spec.replicas), as last observed; null before it was seen.</summary>
    public long? Replicas { get { lock (_gate) return _replicas; } }

    /// <summary>Pods of the Service that exist now (not deleted), as last observed.</summary>
    public int Pods { get { lock (_gate) return _pods; } }

    private readonly Dictionary<string, bool> _livePods = new(StringComparer.Ordinal);

    /// <summary>From now on, transitions are phases of the trial. Pods that exist already are not its pods.</summary>
    public void Arm(long nowNs)
    {
        lock (_gate)
        {
            _armedAt = nowNs;
            foreach (var p in _livePods.Keys) _podsBefore.Add(p);
        }
    }

    public bool TryGet(string phase, out long ns)
    {
        lock (_gate) return _received.TryGetValue(phase, out ns);
    }

    public IReadOnlyList<KeyValuePair<string, long>> Received()
    {
        lock (_gate) return [.. _received.OrderBy(p => p.Value)];
    }

    public IReadOnlyList<KeyValuePair<string, DateTimeOffset>> Stamped()
    {
        lock (_gate) return [.. _stamped.OrderBy(p => p.Value)];
    }

    /// <summary>Takes one observed object; false when it is not this Service's.</summary>
    public bool Observe(ObservedEvent e)
    {
        var o = e.Object;
        bool mine = e.Resource == Resources.Services ? o.Name() == Service : o.Label(Resources.ServiceLabel) == Service;
        if (!mine) return false;
        lock (_gate)
        {
            switch (e.Resource)
            {
                case Resources.Services:
                    Url = o.Str("status", "url") ?? Url;
                    if (o.Condition("Ready") is { } ready)
                    {
                        Ready = ready.True;
                        NotReadyReason = ready.True ? null : ready.Message;
                        if (ready.True) Mark(KnativePhases.ServiceReady, e.ReceivedNs, ready.Since);
                    }
                    break;
                case Resources.Revisions:
                    if (o.Condition("Ready") is { True: true } rev) Mark(KnativePhases.RevisionReady, e.ReceivedNs, rev.Since);
                    break;
                case Resources.Routes:
                    if (o.Condition("Ready") is { True: true } route) Mark(KnativePhases.RouteReady, e.ReceivedNs, route.Since);
                    break;
                case Resources.Deployments:
                    long replicas = o.Long("spec", "replicas") ?? 0;
                    long ready2 = o.Long("status", "readyReplicas") ?? 0;
                    // The autoscaler asking for pods: more replicas than last seen (from zero, on a cold start).
                    if (_replicas is { } before && replicas > before) Mark(KnativePhases.DeploymentScaled, e.ReceivedNs, null);
                    else if (_replicas is null && !e.Listed && replicas > 0) Mark(KnativePhases.DeploymentScaled, e.ReceivedNs, null);
                    if (ready2 > 0 && (_readyReplicas ?? 0) == 0) Mark(KnativePhases.DeploymentReady, e.ReceivedNs, null);
                    _replicas = e.Type == WatchEventType.Deleted ? null : replicas;
                    _readyReplicas = ready2;
                    break;
                case Resources.Pods:
                    ObservePod(e, o);
                    break;
            }
        }
        Changed?.Invoke();
        return true;
    }

    private void ObservePod(ObservedEvent e, JsonElement pod)
    {
        string name = pod.Name();
        if (e.Type == WatchEventType.Deleted || pod.Str("metadata", "deletionTimestamp") is not null) _livePods.Remove(name);
        else _livePods[name] = true;
        _pods = _livePods.Count;
        if (_podsBefore.Contains(name) || e.Type == WatchEventType.Deleted) return;
        Mark(KnativePhases.PodCreated, e.ReceivedNs, KubeObject.Time(pod.Str("metadata", "creationTimestamp")));
        if (pod.Condition("PodScheduled") is { True: true } s) Mark(KnativePhases.PodScheduled, e.ReceivedNs, s.Since);
        if (pod.Condition("Initialized") is { True: true } i) Mark(KnativePhases.PodInitialized, e.ReceivedNs, i.Since);
        if (pod.ContainersStarted() is { All: true } c) Mark(KnativePhases.ContainersStarted, e.ReceivedNs, c.Latest);
        if (pod.Condition("Ready") is { True: true } r) Mark(KnativePhases.PodReady, e.ReceivedNs, r.Since);
    }

    /// <summary>The first observation of a phase after arming wins.</summary>
    private void Mark(string phase, long receivedNs, DateTimeOffset? stamp)
    {
        if (receivedNs < _armedAt || _received.ContainsKey(phase)) return;
        _received[phase] = receivedNs;
        if (stamp is { } s) _stamped[phase] = s;
    }
}
