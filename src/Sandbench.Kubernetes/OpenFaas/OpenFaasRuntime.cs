using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>
/// OpenFaaS as a runtime, through its gateway's REST API: each profile's functions are deployed with its image,
/// scaling labels and profile annotation (a Profile of OpenFaaS Standard picks the RuntimeClass). The gateway offers
/// no watch, so a function's replicas are read by polling its status (option <c>poll</c>, the phases' resolution).
/// Runs cold start (scale to zero, then one request through the gateway, which scales the function from zero), scale
/// (N functions deployed at once) and warm (the load generator through the gateway).
/// </summary>
public sealed class OpenFaasRuntime : IClusterRuntime
{
    private static readonly string[] Experiments = ["coldstart", "scale", "warm"];
    private readonly ConcurrentDictionary<string, string> _deployed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _available = new(StringComparer.Ordinal);
    private readonly Lazy<OpenFaasApi> _api;

    public OpenFaasRuntime(RuntimeProfile profile, MonotonicClock clock) : this(profile, clock, null)
    {
    }

    /// <summary>For tests: the password lookup stands in for the process's environment.</summary>
    internal OpenFaasRuntime(RuntimeProfile profile, MonotonicClock clock, Func<string, string?>? environment)
    {
        Profile = profile;
        Clock = clock;
        Settings = OpenFaasSettings.Read(profile, out var problems, environment);
        SettingProblems = problems;
        _api = new Lazy<OpenFaasApi>(() => new OpenFaasApi(Settings)); // thread-safe: a step's deploys run at once
    }

    public RuntimeProfile Profile { get; }

    public MonotonicClock Clock { get; }

    public OpenFaasSettings Settings { get; }

    internal IReadOnlyList<string> SettingProblems { get; }

    public RuntimeCapabilities Capabilities { get; } = new(SocketActivation: false, SharesHostClock: false, HostLoopback: false);

    /// <summary>Functions this runtime deployed and has not deleted yet.</summary>
    internal IReadOnlyCollection<string> Live => [.. _deployed.Keys];

    /// <summary>The gateway's client: one for the runtime's life, shared by its trials.</summary>
    internal OpenFaasApi Api() => _api.Value;

    public async Task<RuntimeProbe> ProbeAsync(IArtifactProvider artifacts, CancellationToken ct)
    {
        const string hint = "an OpenFaaS gateway (faas-netes on Kubernetes, or faasd) at option 'gateway', its admin password in option "
            + "'password-file' or OPENFAAS_PASSWORD; see docs/openfaas.md";
        RuntimeProbe No(string why, bool installed = false, string? version = null) => new(Profile.Name, Profile.Kind, installed, version, false, why, hint);
        if (SettingProblems.Count > 0) return No(string.Join("; ", SettingProblems));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        GatewayInfo info;
        try
        {
            info = await Api().InfoAsync(limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return No($"no OpenFaaS gateway answers at {Settings.Gateway}: {(e is OperationCanceledException ? "no answer within 10s" : e.Message)}");
        }
        catch (GatewayException e)
        {
            return No($"the gateway at {Settings.Gateway} answered {e.Message}", true);
        }
        string version = $"OpenFaaS gateway {info.GatewayVersion ?? "?"}, {info.Provider} {info.ProviderVersion ?? "?"} on {info.Orchestration}";
        try
        {
            // /system/info needs no credentials on some gateways; listing functions does.
            await Api().LabelledAsync(null, limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is GatewayException or HttpRequestException or IOException or System.Text.Json.JsonException
                                      or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return No($"cannot list functions: {e.Message}", true, version);
        }
        return new RuntimeProbe(Profile.Name, Profile.Kind, true, version, true, null, hint);
    }

    public Task<ISandbox> StartAsync(SandboxSpec spec, PhaseClock phases, CancellationToken ct) =>
        throw new NotSupportedException("openfaas runtimes run their experiments through the gateway (IClusterRuntime.RunTrialAsync)");

    public IEnumerable<string> Check(ExperimentSpec spec)
    {
        foreach (var p in SettingProblems) yield return p;
        if (!Experiments.Contains(spec.Type))
        {
            yield return $"{Profile.Name}: experiment '{spec.Type}' does not run on openfaas (valid: {string.Join(", ", Experiments)})";
            yield break;
        }
        if (spec.Readiness != ReadinessMethod.Auto)
            yield return $"{Profile.Name}: openfaas takes no readiness method (replicas are read from the gateway, the cold start ends at its first byte)";
        if (spec.Via == RequestPath.Gateway)
            yield return $"{Profile.Name}: 'via: gateway' is the local gateway; openfaas requests always go through the OpenFaaS gateway (option 'gateway')";
    }

    public Task<TrialOutcome> RunTrialAsync(TrialContext context, CancellationToken ct) => context.Trial.Spec.Type switch
    {
        "coldstart" => OpenFaasColdStart.RunAsync(this, context, ct),
        "scale" => OpenFaasScale.RunAsync(this, context, ct),
        "warm" => OpenFaasWarm.RunAsync(this, context, ct),
        _ => throw new InvalidOperationException($"openfaas does not run {context.Trial.Spec.Type}"),
    };

    /// <summary>Deploys a function, remembered before the request so that an interrupted deploy is deleted too.</summary>
    internal async Task DeployAsync(string name, string runId, CancellationToken ct)
    {
        _deployed[name] = runId;
        await Api().DeployAsync(name, runId, ct).ConfigureAwait(false);
    }

    /// <summary>The run's function for the profile and workload, deployed at its first trial and kept for the run.</summary>
    internal async Task<string> EnsureFunctionAsync(TrialContext c, CancellationToken ct)
    {
        string name = ServiceManifest.Name(c.RunId, Profile.Name, c.Trial.Workload);
        if (!_deployed.ContainsKey(name)) await DeployAsync(name, c.RunId, ct).ConfigureAwait(false);
        return name;
    }

    /// <summary>Waits, poll by poll, until the function's status meets <paramref name="condition"/>.</summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>.</exception>
    internal async Task WaitForAsync(string name, Func<FunctionStatus, bool> condition, string what, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        FunctionStatus? last = null;
        try
        {
            while (true)
            {
                last = await Api().StatusAsync(name, limit.Token).ConfigureAwait(false);
                if (last is not null && condition(last)) return;
                await Task.Delay(Settings.Poll, Clock.Time, limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"the function was not {what} within {Durations.Format(timeout)} ({Describe(last)})");
        }
    }

    /// <summary>Waits for a function's first available replica the first time it is used in the run.</summary>
    internal async Task EnsureAvailableAsync(string name, TimeSpan timeout, CancellationToken ct)
    {
        if (_available.ContainsKey(name)) return;
        await WaitForAsync(name, f => f.AvailableReplicas >= 1, "available", timeout, ct).ConfigureAwait(false);
        _available[name] = true;
    }

    internal static string Describe(FunctionStatus? f) => f is null
        ? "not deployed"
        : $"replicas {f.Replicas.ToString(CultureInfo.InvariantCulture)}, available {f.AvailableReplicas.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Deletes a function this runtime deployed; one already gone (404) counts as deleted.</summary>
    internal async Task<string?> DeleteAsync(string name, CancellationToken ct)
    {
        try
        {
            await Api().DeleteAsync(name, ct).ConfigureAwait(false);
            _deployed.TryRemove(name, out _);
            _available.TryRemove(name, out _);
            return null;
        }
        catch (Exception e) when (e is GatewayException or HttpRequestException or IOException or OperationCanceledException)
        {
            return $"could not delete OpenFaaS function {name}: {e.Message} ('sandbench clean --openfaas' removes it)";
        }
    }

    public async Task<IReadOnlyList<string>> EndRunAsync(string runId) =>
        await Deletions.DeleteAllAsync(_deployed.Where(p => p.Value == runId).Select(p => p.Key), DeleteAsync, Clock.Time).ConfigureAwait(false);

    /// <summary>What every openfaas trial stores about how it ran.</summary>
    internal Dictionary<string, string> Parameters(TrialContext c)
    {
        var s = Settings;
        var p = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(c.Trial.Spec.Timeout),
            ["gateway"] = s.Gateway.ToString(),
            ["image"] = s.Image,
            ["namespace"] = s.Namespace ?? "(provider default)",
            ["phase-clock"] = $"client receipt of status polls every {Durations.Format(s.Poll)}",
        };
        if (s.Process is { } process) p["fprocess"] = process;
        if (s.Profile is { } profile) p["com.openfaas.profile"] = profile;
        foreach (var (k, v) in s.Labels(c.RunId).Where(l => l.Key != Resources.RunLabel)) p[k] = v;
        return p;
    }

    /// <summary>The gateway as HOST:PORT, for the cold request's plain socket.</summary>
    internal string GatewayHostPort => Settings.Gateway.HostNameType == UriHostNameType.IPv6
        ? $"[{Settings.Gateway.Host.Trim('[', ']')}]:{Settings.Gateway.Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Settings.Gateway.Host}:{Settings.Gateway.Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Errors a trial records as failed, with their message.</summary>
    internal static bool IsFailure(Exception e) => e is TrialFailedException or GatewayException or HttpRequestException or IOException or SocketException
        or System.Text.Json.JsonException or Sandbench.Load.LoadException;
}
