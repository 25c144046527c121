using Sandbench.Core;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Workloads;

namespace Sandbench.Runtimes.Tests;

/// <summary>
/// hello in each language, started for real: a cold start answered with a 200 through socket
/// activation, and a short warm load, on the host and in sandboxes. A language whose toolchain is not
/// installed skips, saying which package installs it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LanguageWorkloadsOnRuntimesTests : IDisposable
{
    private readonly RuntimeFixture _f = new();

    public void Dispose() => _f.Dispose();

    public static TheoryData<string, string> LanguagesAndRuntimes()
    {
        var data = new TheoryData<string, string>();
        foreach (var w in new[] { "hello-go", "hello-python", "hello-node", "hello-java", "hello-csharp" })
            foreach (var r in new[] { "process", "bwrap", "runc" })
                data.Add(w, r);
        data.Add("hello-go", "runsc");
        data.Add("hello-python", "runsc");
        return data;
    }

    [Theory]
    [MemberData(nameof(LanguagesAndRuntimes))]
    public async Task ColdStart_Language_AnswersThroughTheInheritedSocket(string workload, string name)
    {
        SkipWithoutToolchain(workload);
        var runtime = await _f.UsableAsync(name);

        // A JIT runtime under gVisor on a shared 2-core host can take seconds.
        var outcome = await _f.ColdStartAsync(runtime, workload, ExperimentSpec.ColdStartDefaults with { Timeout = TimeSpan.FromSeconds(60) });

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var phases = outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
        if (name != "runsc")
        {
            // The request was queued on the socket the workload inherited, and its own markers came through.
            Assert.Equal("socket", outcome.Readiness);
            Assert.InRange(phases[Phases.WorkloadStart], 1, phases[Phases.Listening]);
        }
        Assert.True(phases[Phases.FirstByte] > 0);
        AssertNothingLeft(workload);
        if (runtime.Profile.Kind == "oci") Assert.DoesNotContain(_f.LastName, await RuntimeFixture.ListedAsync(runtime));
    }

    [Theory]
    [InlineData("hello-go")]
    [InlineData("hello-python")]
    [InlineData("hello-node")]
    [InlineData("hello-java")]
    [InlineData("hello-csharp")]
    public async Task Warm_LanguageInRunc_EveryRequestGetsA200(string workload)
    {
        SkipWithoutToolchain(workload);
        var runtime = await _f.UsableAsync("runc");

        var outcome = await _f.WarmAsync(runtime, rate: 100, workload: workload, startTimeout: TimeSpan.FromSeconds(60));

        Assert.True(outcome.Status == TrialStatus.Ok, outcome.Error);
        var samples = outcome.Samples.ToDictionary(s => s.Key, s => s.Value);
        Assert.True(samples["completed"] > 0);
        Assert.Equal(samples["completed"], samples["status_200"]);
        Assert.Equal(0d, samples["errors"]);
        // A reply written in two segments (head, then body) without TCP_NODELAY waits for the client's delayed ACK:
        // every request on a kept-alive connection then takes 40 ms, whatever the sandbox costs.
        Assert.True(samples["uncorrected_p50_ns"] < 20e6,
            $"p50 {samples["uncorrected_p50_ns"] / 1e6:0.0} ms: at the 40 ms delayed-ACK floor, the server's replies wait under Nagle's algorithm");
        AssertNothingLeft(workload);
    }

    [Theory]
    [InlineData("hello-python")]
    [InlineData("hello-java")]
    public async Task GuestImage_LanguageOnTheHostRuntime_IsUnsupportedWithAReason(string workload)
    {
        SkipWithoutToolchain(workload);

        var e = await Assert.ThrowsAsync<SandbenchException>(() =>
            RuntimeFixture.Catalog.GetGuestImageAsync(workload, 0, TestContext.Current.CancellationToken));

        Assert.StartsWith($"unsupported: {workload} runs on the host's language runtime (/usr", e.Message, StringComparison.Ordinal);
    }

    private static void SkipWithoutToolchain(string workload)
    {
        var (_, path, problem) = WorkloadCatalog.Toolchains().Single(t => t.Workload == workload);
        if (path is null) Assert.Skip(problem);
    }

    private void AssertNothingLeft(string workload)
    {
        Assert.Empty(_f.Ledger.Entries());
        Assert.Empty(RuntimeFixture.ProcessesMentioning(_f.LastName));
        Assert.Empty(RuntimeFixture.ProcessesMentioning(RuntimeFixture.Catalog.CacheDir + "/artifacts/" + workload + "-"));
    }
}
