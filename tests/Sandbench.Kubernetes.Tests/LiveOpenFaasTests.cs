using Sandbench.Core.Experiments;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Kubernetes.OpenFaas;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// Against a real OpenFaaS gateway: runs when <c>SANDBENCH_OPENFAAS_GATEWAY</c> names one (e.g. http://127.0.0.1:8080, a
/// port-forward to gateway.openfaas) and <c>OPENFAAS_PASSWORD</c> holds its admin password; skipped with the reason otherwise.
/// </summary>
[Trait("Category", "LiveCluster")]
public sealed class LiveOpenFaasTests
{
    [Fact]
    public async Task ColdStartThenScale_RealGateway_OkAndEverythingDeleted()
    {
        string gateway = Environment.GetEnvironmentVariable("SANDBENCH_OPENFAAS_GATEWAY") ?? "";
        if (gateway.Length == 0) Assert.Skip("SANDBENCH_OPENFAAS_GATEWAY is not set: no OpenFaaS gateway to run the live tests against");
        var rt = new OpenFaasRuntime(new RuntimeProfile("openfaas-live", RuntimeKinds.OpenFaas,
            new Dictionary<string, string> { ["gateway"] = gateway, ["zero-timeout"] = "3m" }), MonotonicClock.System);
        var probe = await rt.ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);
        if (!probe.Usable) Assert.Skip($"the gateway of SANDBENCH_OPENFAAS_GATEWAY is not usable: {probe.Reason}");
        string run = "live" + Guid.NewGuid().ToString("N")[..6];
        TrialContext Context(string type, int? count = null) =>
            new(new TrialPlan(new(type, 1, 0, TimeSpan.FromMinutes(2), Core.Plans.ReadinessMethod.Auto, TimeSpan.FromMilliseconds(1),
                    Core.Plans.TrialOrder.Interleaved), rt.Profile, "hello", 0, false) { Count = count },
                rt, new Artifact("hello", "", "", "", "", 0, []), $"sb-{run}-1", Path.GetTempPath(), MonotonicClock.System)
            { RunId = run };
        try
        {
            var cold = await rt.RunTrialAsync(Context("coldstart"), TestContext.Current.CancellationToken);
            Assert.True(cold.Status == TrialStatus.Ok, cold.Error);
            Assert.Contains(cold.Phases, p => p.Key == OpenFaasPhases.Available);
            TestContext.Current.TestOutputHelper!.WriteLine($"cold start {cold.Samples.Single(s => s.Key == ColdStartExperiment.Metric).Value / 1e6:F1} ms: "
                + string.Join(", ", cold.Phases.Select(p => $"{p.Key} {p.Value / 1e6:F1}")));
            var scale = await rt.RunTrialAsync(Context("scale", 2), TestContext.Current.CancellationToken);
            Assert.True(scale.Status == TrialStatus.Ok, scale.Error);
        }
        finally
        {
            Assert.Empty(await rt.EndRunAsync(run));
        }
        Assert.Empty(await rt.Api().LabelledAsync(run, TestContext.Current.CancellationToken));
    }
}
