using Sandbench.Core.Execution;
using Sandbench.Core.Experiments;
using Sandbench.Core.Host;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;
using Sandbench.Core.Workloads;
using Sandbench.Kubernetes.OpenFaas;
using Sandbench.Store;

namespace Sandbench.Kubernetes.Tests;

/// <summary>The openfaas runtime against the fake gateway, through its real REST client.</summary>
public sealed class OpenFaasTests : IAsyncLifetime
{
    private readonly FakeOpenFaas _gateway = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-openfaas-test-").FullName;
    private readonly string _run = "t" + Guid.NewGuid().ToString("N")[..7];

    public async ValueTask InitializeAsync() => await _gateway.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }



    private RuntimeProfile Profile(params (string Key, string Value)[] options)
    {
        var o = new Dictionary<string, string>(StringComparer.Ordinal) { ["gateway"] = _gateway.Url.ToString(), ["poll"] = "10ms" };
        foreach (var (k, v) in options) o[k] = v;
        return new RuntimeProfile("openfaas-test", RuntimeKinds.OpenFaas, o);
    }

    private OpenFaasRuntime Runtime(params (string Key, string Value)[] options) =>
        new(Profile(options), MonotonicClock.System, v => v == "OPENFAAS_PASSWORD" ? FakeOpenFaas.Password : null);

    private TrialContext Context(OpenFaasRuntime rt, ExperimentSpec spec, int trial = 1, int? count = null, double? rate = null) =>
        new(new TrialPlan(spec, rt.Profile, "hello", trial - 1, false) { Count = count, Rate = rate }, rt,
            new Artifact("hello", "/bin/true", "/", "/bin/true", "none", 0, []), $"sb-{_run}-{trial}", _dir, MonotonicClock.System)
        { RunId = _run };

    private static ExperimentSpec Spec(string type, TimeSpan timeout) =>
        new(type, 1, 0, timeout, ReadinessMethod.Auto, TimeSpan.FromMilliseconds(1), TrialOrder.Interleaved);

    [Fact]
    public async Task Probe_Gateway_UsableWithTheVersions()
    {
        var p = await Runtime().ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);

        Assert.True(p.Usable, p.Reason);
        Assert.Equal("OpenFaaS gateway 0.27.12, faas-netes-fake 0.18.13 on kubernetes", p.Version);
    }

    [Fact]
    public async Task Probe_WrongPassword_UnusableAndSaysWhereThePasswordCameFrom()
    {
        var rt = new OpenFaasRuntime(Profile(), MonotonicClock.System, v => v == "OPENFAAS_PASSWORD" ? "wrong" : null);

        var p = await rt.ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);

        Assert.False(p.Usable);
        Assert.Contains("HTTP 401: the gateway refused the credentials (user 'admin', password from OPENFAAS_PASSWORD", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NothingListens_UnusableNamingTheGateway()
    {
        var rt = Runtime(("gateway", $"http://127.0.0.1:{Loopback.FreePort()}"));

        var p = await rt.ProbeAsync(new NoArtifacts(), TestContext.Current.CancellationToken);

        Assert.False(p.Usable);
        Assert.False(p.Installed);
        Assert.StartsWith("no OpenFaaS gateway answers at http://127.0.0.1:", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_BadOptions_OneLineEach()
    {
        var profile = new RuntimeProfile("of", RuntimeKinds.OpenFaas, new Dictionary<string, string>
        {
            ["gateway"] = "https://gw.example:8443", ["min-scale"] = "3", ["max-scale"] = "2", ["poll"] = "0s",
            ["password-file"] = "/nonexistent/password", ["profile"] = "Bad_Profile",
        });

        OpenFaasSettings.Read(profile, out var problems, _ => null);

        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("of: option 'gateway' must be the gateway's http:// URL", StringComparison.Ordinal));
        Assert.Contains("of: option 'min-scale' (3) is above 'max-scale' (2)", problems);
        Assert.Contains(problems, p => p.StartsWith("of: option 'poll' must be a duration of at least", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("of: option 'password-file' cannot be read: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("of: option 'profile' must be a DNS label", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ColdStart_TwoTrials_EachScaledToZeroThenScaledFromZeroByTheRequest()
    {
        var rt = Runtime(("min-scale", "1"), ("profile", "gvisor"));
        var spec = Spec("coldstart", TimeSpan.FromSeconds(20));

        var first = await rt.RunTrialAsync(Context(rt, spec, 1), TestContext.Current.CancellationToken);
        var second = await rt.RunTrialAsync(Context(rt, spec, 2), TestContext.Current.CancellationToken);

        foreach (var o in new[] { first, second })
        {
            Assert.True(o.Status == TrialStatus.Ok, o.Error);
            double cold = o.Samples.Single(s => s.Key == ColdStartExperiment.Metric).Value;
            // The request waited for a replica to start: the fake's start delay (its timer may fire a tick early).
            Assert.InRange(cold, (_gateway.StartDelay.TotalMilliseconds - 5) * 1e6, 20e9);
            var phases = o.Phases.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal(0, phases[Phases.Spawn]);
            Assert.True(phases[OpenFaasPhases.ScaledUp] <= phases[OpenFaasPhases.Available]);
            Assert.True(phases[Phases.RequestSent] < phases[Phases.FirstByte]);
            Assert.Equal("client receipt of status polls every 10ms", o.Parameters["phase-clock"]);
        }
        string name = first.Parameters["function"];
        Assert.Equal(2, _gateway.Invocations(name));
        var deployed = Assert.Single(_gateway.Deployed);
        Assert.Equal("gvisor", deployed["annotations"]!["com.openfaas.profile"]!.GetValue<string>());
        Assert.Equal(_run, deployed["labels"]![Resources.RunLabel]!.GetValue<string>());
        Assert.Equal("echo hello", deployed["envProcess"]!.GetValue<string>());

        Assert.Empty(await rt.EndRunAsync(_run));
        Assert.Empty(_gateway.Names);
    }

    [Fact]
    public async Task ColdStart_ImageNeverStarts_TimeoutSaysWhatWasRead()
    {
        var rt = Runtime(("image", FakeOpenFaas.BrokenImage));

        var o = await rt.RunTrialAsync(Context(rt, Spec("coldstart", TimeSpan.FromMilliseconds(300))), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Timeout, o.Status);
        Assert.Equal("waiting for the new function to become available: the function was not available within 300ms (replicas 1, available 0)", o.Error);
        Assert.Empty(o.Samples);
        Assert.Empty(await rt.EndRunAsync(_run));
        Assert.Empty(_gateway.Names);
    }

    [Fact]
    public async Task ColdStart_InterruptedDuringTheRequest_InterruptedAndTheFunctionDeletedAtTheEnd()
    {
        var rt = Runtime();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = Context(rt, Spec("coldstart", TimeSpan.FromSeconds(20)));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // The first trial makes the function available; the request of the second is held by the gateway until interrupted.
        Assert.Equal(TrialStatus.Ok, (await rt.RunTrialAsync(context, TestContext.Current.CancellationToken)).Status);
        _gateway.Hold = hold.Task;
        var trial = rt.RunTrialAsync(Context(rt, Spec("coldstart", TimeSpan.FromSeconds(20)), 2), interrupt.Token);
        if (await Task.WhenAny(_gateway.Holding.Task, trial) == trial) Assert.Fail($"the trial ended before its request was held: {(await trial).Error}");
        await interrupt.CancelAsync();
        var o = await trial.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        hold.SetResult();

        Assert.Equal(TrialStatus.Interrupted, o.Status);
        Assert.Empty(await rt.EndRunAsync(_run));
        Assert.Empty(_gateway.Names);
    }

    [Fact]
    public async Task Scale_ThreeFunctions_EachAMemberWithItsPhases_AllDeletedAtTheStepsEnd()
    {
        var rt = Runtime();

        var o = await rt.RunTrialAsync(Context(rt, Spec("scale", TimeSpan.FromSeconds(20)), count: 3), TestContext.Current.CancellationToken);

        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        Assert.Equal(3, o.Samples.Single(s => s.Key == ScaleExperiment.AnsweredMetric).Value);
        Assert.True(o.Samples.Single(s => s.Key == ScaleExperiment.AllReadyMetric).Value >= (_gateway.StartDelay.TotalMilliseconds - 5) * 1e6);
        Assert.Equal(3, o.Members!.Count);
        Assert.All(o.Members, m =>
        {
            Assert.Equal(TrialStatus.Ok, m.Outcome.Status);
            var phases = m.Outcome.Phases.ToDictionary(p => p.Key, p => p.Value);
            Assert.Equal(0, phases[Phases.Spawn]);
            Assert.True(phases[OpenFaasPhases.Deployed] <= phases[OpenFaasPhases.ScaledUp], "deployed before it was read scaled up");
            Assert.True(phases[OpenFaasPhases.ScaledUp] <= phases[OpenFaasPhases.Available], "scaled up before available");
            Assert.Equal(phases[OpenFaasPhases.Available], m.Outcome.Samples.Single(s => s.Key == ScaleExperiment.FirstByteMetric).Value);
        });
        Assert.Equal(3, _gateway.Deployed.Count);
        Assert.Empty(_gateway.Names);
    }

    [Fact]
    public async Task Warm_Rate_LoadsTheFunctionThroughTheGateway()
    {
        var rt = Runtime();
        var spec = Spec("warm", TimeSpan.FromSeconds(10)) with
        {
            Load = new LoadSpec([50], null, TimeSpan.FromSeconds(1), 2, TimeSpan.Zero, TimeSpan.FromSeconds(30)),
        };

        var o = await rt.RunTrialAsync(Context(rt, spec, rate: 50), TestContext.Current.CancellationToken);

        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        double completed = o.Samples.Single(s => s.Key == "completed").Value;
        Assert.InRange(completed, 40, 60);
        Assert.Equal(0, o.Samples.Single(s => s.Key == "errors").Value);
        Assert.Equal(completed + 1, _gateway.Invocations(o.Parameters["function"])); // the first request, then the load's
        Assert.Contains(o.Histograms, h => h.Metric == WarmExperiment.CorrectedHistogram);
        Assert.Empty(await rt.EndRunAsync(_run));
    }

    [Fact]
    public async Task Clean_LeftoversOfADeadRun_DeletedAndALiveRunsKept()
    {
        _gateway.Add("sb-dead0001-openfaas-hello", "dead0001");
        _gateway.Add("sb-live0001-openfaas-hello", "live0001");
        _gateway.Add("someone-elses", null);

        Environment.SetEnvironmentVariable("OPENFAAS_PASSWORD", FakeOpenFaas.Password);
        IReadOnlyList<string> lines;
        try
        {
            lines = await OpenFaasCleaner.CleanAsync(Profile(), null, run => run == "live0001", TestContext.Current.CancellationToken);
        }
        finally
        {
            Environment.SetEnvironmentVariable("OPENFAAS_PASSWORD", null);
        }

        Assert.Equal(["deleted OpenFaaS function sb-dead0001-openfaas-hello of run dead0001"], lines);
        Assert.Equal(["sb-live0001-openfaas-hello", "someone-elses"], _gateway.Names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RunExecutor_OpenFaasPlan_StoresTheTrialsAndDeletesTheFunction()
    {
        string pw = Path.Combine(_dir, "password");
        await File.WriteAllTextAsync(pw, FakeOpenFaas.Password + "\n", TestContext.Current.CancellationToken);
        var profile = Profile(("password-file", pw));
        var catalog = new PlanCatalog(new Dictionary<string, RuntimeProfile> { ["openfaas-test"] = profile },
            new Dictionary<string, IReadOnlyList<string>> { [RuntimeKinds.OpenFaas] = ["gateway", "poll", "password-file"] }, ["coldstart", "boot"], ["hello"]);
        using var store = SqliteResultStore.Open(Path.Combine(_dir, "results.db"));
        var observer = new Quiet();
        var executor = new RunExecutor(store, new NoArtifacts(), p => new OpenFaasRuntime(p, MonotonicClock.System), MonotonicClock.System,
            HostInfo.Local, "test", () => _run);

        // An experiment openfaas does not run: refused before anything is deployed.
        var bad = PlanLoader.Load("name: f\nruntimes: [openfaas-test]\nworkloads: [hello]\nexperiments:\n  - type: boot\n    iterations: 1\n", "test", catalog);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => executor.RunAsync(bad, new RunOptions(true), observer, TestContext.Current.CancellationToken));
        Assert.Contains("openfaas-test: experiment 'boot' does not run on openfaas (valid: coldstart, scale, warm)", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_gateway.Deployed);

        var plan = PlanLoader.Load("name: f\nruntimes: [openfaas-test]\nworkloads: [hello]\nexperiments:\n  - type: coldstart\n    iterations: 2\n    warmup: 1\n    timeout: 20s\n",
            "test", catalog);
        var result = await executor.RunAsync(plan, new RunOptions(true), observer, TestContext.Current.CancellationToken);

        var trials = store.Trials(result.Run.Id);
        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.True(t.Status == TrialStatus.Ok, t.Error));
        Assert.All(trials, t => Assert.Contains(t.Phases, p => p.Key == OpenFaasPhases.Available));
        Assert.Empty(observer.Cleanup);
        Assert.Empty(_gateway.Names);
    }
}
