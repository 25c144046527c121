using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Kubernetes;

/// <summary>
/// Knative Serving on a Kubernetes cluster as a runtime: each profile's Services run with its RuntimeClass and
/// autoscaling annotations. The host starts nothing itself, so this runtime runs its experiments (cold start through
/// the ingress, instantiation throughput, warm latency) through the Kubernetes API and stores them as trials.
/// </summary>
public sealed class KnativeRuntime : IClusterRuntime, IClusterMetrics
{
    private static readonly string[] Experiments = ["coldstart", "scale", "warm", EventingSpec.Type];
    private readonly Func<KnativeSettings, (IKubernetes? Client, string Source, string? Problem)> _connect;
    private readonly ConcurrentDictionary<string, string> _created = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _ready = new(StringComparer.Ordinal);
    private KnativeApi? _api;
    private ClusterMetrics? _metrics;

    /// <param name="kubeconfig">A kubeconfig that overrides the profile's (the command line's <c>--kubeconfig</c>); null: the profile's, then the standard places.</param>
    public KnativeRuntime(RuntimeProfile profile, MonotonicClock clock, string? kubeconfig = null)
        : this(profile, clock, s => ClusterConnection.TryConnect(kubeconfig ?? s.Kubeconfig, s.Context, out var c, out var src, out var p) ? (c, src, null) : (null, src, p))
    {
    }

    /// <summary>For tests: the client comes from <paramref name="connect"/> (a fake API server's).</summary>
    internal KnativeRuntime(RuntimeProfile profile, MonotonicClock clock, Func<KnativeSettings, (IKubernetes?, string, string?)> connect)
    {
        Profile = profile;
        Clock = clock;
        Settings = KnativeSettings.Read(profile, out var problems);
        SettingProblems = problems;
        _connect = connect;
    }

    public RuntimeProfile Profile { get; }

    public MonotonicClock Clock { get; }

    public KnativeSettings Settings { get; }

    internal IReadOnlyList<string> SettingProblems { get; }

    public RuntimeCapabilities Capabilities { get; } = new(SocketActivation: false, SharesHostClock: false, HostLoopback: false);

    /// <summary>Knative Services this runtime created and has not deleted yet.</summary>
    internal IReadOnlyCollection<string> Live => [.. _created.Keys];

    internal KnativeApi Api()
    {
        if (_api is not null) return _api;
        var (client, _, problem) = _connect(Settings);
        return _api = new KnativeApi(client ?? throw new TrialFailedException(problem ?? "no cluster"), Settings.Namespace);
    }

    public string MetricsScope => $"{Settings.Kubeconfig}|{Settings.Context}|{Settings.Namespace}";

    public async Task<IReadOnlyList<HostMetric>> SampleMetricsAsync(string runId, long tNs, CancellationToken ct)
    {
        try
        {
            _metrics ??= new ClusterMetrics(Api());
        }
        catch (TrialFailedException)
        {
            return []; // no cluster: the trials say so
        }
        return await _metrics.SampleAsync(runId, tNs, ct).ConfigureAwait(false);
    }

    public async Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct)
    {
        const string hint = "a cluster with Knative Serving and a kubeconfig (KUBECONFIG, ~/.kube/config or --kubeconfig); see docs/knative.md";
        RuntimeProbe No(string why, bool installed = false, string? version = null) => new(Profile.Name, Profile.Kind, installed, version, false, why, hint);
        if (SettingProblems.Count > 0) return No(string.Join("; ", SettingProblems));
        var (client, source, problem) = _connect(Settings);
        if (client is null) return No(problem ?? "no cluster");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        string version;
        try
        {
            var v = await client.Version.GetCodeAsync(limit.Token).ConfigureAwait(false);
            version = $"Kubernetes {v.GitVersion}";
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return No($"the cluster of {source} does not answer: {(e is OperationCanceledException ? "no answer within 10s" : ObjectWatch.Describe(e))}");
        }
        try
        {
            await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(Resources.ServingGroup, Resources.ServingVersion, Settings.Namespace,
                Resources.Services, limit: 1, cancellationToken: limit.Token).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return No($"Knative Serving is not installed on the cluster of {source} (no {Resources.ServingGroup}/{Resources.ServingVersion})", true, version);
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return No($"cannot list Knative Services in namespace {Settings.Namespace}: {ObjectWatch.Describe(e)}", true, version);
        }
        if (Settings.RuntimeClass is { } rc)
        {
            try
            {
                await client.NodeV1.ReadRuntimeClassAsync(rc, cancellationToken: limit.Token).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return No($"RuntimeClass '{rc}' does not exist on the cluster (docs/knative.md: RuntimeClass set-up)", true, version);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
            {
                // Reading RuntimeClasses is cluster-scoped and may be forbidden to a namespaced user; pods fail to schedule if it is missing.
            }
        }
        return new RuntimeProbe(Profile.Name, Profile.Kind, true, $"{version}, Knative Serving v1", true, null, hint);
    }

    public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct) =>
        throw new NotSupportedException("knative runtimes run their experiments through the cluster (IClusterRuntime.RunTrialAsync)");

    public IEnumerable<string> Check(ExperimentSpec spec)
    {
        foreach (var p in SettingProblems) yield return p;
        if (!Experiments.Contains(spec.Type))
        {
            yield return $"{Profile.Name}: experiment '{spec.Type}' does not run on knative (valid: {string.Join(", ", Experiments)})";
            yield break;
        }
        if (spec.Readiness != ReadinessMethod.Auto)
            yield return $"{Profile.Name}: knative takes no readiness method (phases come from watch events, the cold start ends at the ingress's first byte)";
        if (spec.Via == RequestPath.Gateway)
            yield return $"{Profile.Name}: 'via: gateway' is the local gateway; knative requests always go through the cluster's ingress (option 'gateway')";
        if (spec.Type == EventingSpec.Type && Settings.LoadImage is null)
            yield return $"{Profile.Name}: eventing runs its sender and sink in a pod of the cluster: set option 'load-image' to an image with sandbench on its PATH (docs/knative.md)";
        if (spec.Type == "coldstart" && Settings.MinScale is > 0)
            yield return $"{Profile.Name}: a cold start needs scale to zero, but min-scale is {Settings.MinScale}";
    }

    public Task<TrialOutcome> RunTrialAsync(TrialContext context, CancellationToken ct) => context.Trial.Spec.Type switch
    {
        "coldstart" => KnativeColdStart.RunAsync(this, context, ct),
        "scale" => KnativeScale.RunAsync(this, context, ct),
        "warm" => KnativeWarm.RunAsync(this, context, ct),
        EventingSpec.Type => KnativeEventing.RunAsync(this, context, ct),
        _ => throw new InvalidOperationException($"knative does not run {context.Trial.Spec.Type}"),
    };

    /// <summary>Creates a Service; a Service of that name already there (409) fails the trial (it is not this run's).</summary>
    internal async Task CreateAsync(string name, string runId, string workload, CancellationToken ct)
    {
        var manifest = ServiceManifest.Build(name, runId, workload, Settings);
        _created[name] = runId;
        if (!await Api().CreateServiceAsync(manifest, ct).ConfigureAwait(false))
        {
            _created.TryRemove(name, out _);
            throw new TrialFailedException($"a Knative Service named {name} exists already in namespace {Settings.Namespace} (409); 'sandbench clean --kubernetes' removes leftovers");
        }
    }

    /// <summary>The run's Service for a profile and workload, created at its first trial and kept (cold starts wait for it to scale to zero).</summary>
    internal async Task<string> EnsureServiceAsync(TrialContext c, CancellationToken ct)
    {
        string name = ServiceManifest.Name(c.RunId, Profile.Name, c.Trial.Workload);
        if (!_created.ContainsKey(name)) await CreateAsync(name, c.RunId, c.Trial.Workload, ct).ConfigureAwait(false);
        return name;
    }

    internal bool WasReady(string name) => _ready.ContainsKey(name);

    internal void SawReady(string name) => _ready[name] = true;

    /// <summary>Deletes a Service this runtime created; a Service already gone (404) counts as deleted.</summary>
    internal async Task<string?> DeleteAsync(string name, CancellationToken ct)
    {
        try
        {
            await Api().DeleteServiceAsync(name, ct).ConfigureAwait(false);
            _created.TryRemove(name, out _);
            _ready.TryRemove(name, out _);
            return null;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException or OperationCanceledException or TrialFailedException)
        {
            return $"could not delete Knative Service {name} in namespace {Settings.Namespace}: {ObjectWatch.Describe(e)} ('sandbench clean --kubernetes' removes it)";
        }
    }

    public async Task<IReadOnlyList<string>> EndRunAsync(string runId) =>
        await Deletions.DeleteAllAsync(_created.Where(p => p.Value == runId).Select(p => p.Key), DeleteAsync, Clock.Time).ConfigureAwait(false);
}
