using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;

namespace Sandbench.Kubernetes.Tests;

/// <summary>A fake API server with the fake Knative on it, a kubeconfig for it, and knative runtimes aimed at both.</summary>
internal sealed class FakeCluster : IAsyncDisposable
{
    private FakeCluster(string dir)
    {
        Dir = dir;
        Api = new FakeApiServer();
        Knative = new FakeKnative(Api);
        Jobs = new FakeJobs(Api);
    }

    public string Dir { get; }
    public FakeApiServer Api { get; }
    public FakeKnative Knative { get; }
    public FakeJobs Jobs { get; }

    /// <summary>Knative Eventing with its Broker, once <see cref="StartEventingAsync"/> ran.</summary>
    public FakeEventing? Eventing { get; private set; }
    public string Kubeconfig { get; private set; } = "";
    public string RunId { get; } = "t" + Guid.NewGuid().ToString("N")[..7];

    public static async Task<FakeCluster> StartAsync()
    {
        var c = new FakeCluster(Directory.CreateTempSubdirectory("sandbench-k8s-test-").FullName);
        await c.Api.StartAsync();
        await c.Knative.StartAsync();
        c.Kubeconfig = c.Api.WriteKubeconfig(c.Dir);
        return c;
    }

    public async Task<FakeEventing> StartEventingAsync()
    {
        Eventing = new FakeEventing(Api);
        await Eventing.StartAsync();
        return Eventing;
    }

    public KnativeRuntime Runtime(params (string Key, string Value)[] options)
    {
        var o = new Dictionary<string, string>(StringComparer.Ordinal) { ["kubeconfig"] = Kubeconfig, ["gateway"] = Knative.Gateway };
        foreach (var (k, v) in options) o[k] = v;
        return new KnativeRuntime(new RuntimeProfile("knative-test", RuntimeKinds.Knative, o), MonotonicClock.System);
    }

    public static ExperimentSpec Spec(string type, TimeSpan timeout) =>
        new(type, 1, 0, timeout, ReadinessMethod.Auto, TimeSpan.FromMilliseconds(1), TrialOrder.Interleaved);

    public TrialContext Context(KnativeRuntime rt, ExperimentSpec spec, int trial = 1, int? count = null) =>
        new(new TrialPlan(spec, rt.Profile, "hello", trial - 1, false) { Count = count }, rt,
            new Artifact("hello", "/bin/true", "/", "/bin/true", "none", 0, []), $"sb-{RunId}-{trial}", Dir, MonotonicClock.System)
        { RunId = RunId };

    public async ValueTask DisposeAsync()
    {
        if (Eventing is not null) await Eventing.DisposeAsync();
        await Knative.DisposeAsync();
        await Api.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
