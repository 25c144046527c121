using System.Globalization;
using System.Text.Json;
using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Storage;
using Sandbench.Load;

namespace Sandbench.Kubernetes.Tests;

public sealed class LoadJobTests
{
    private static readonly JsonSerializerOptions Printed = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>
    /// What the load Job's container does, here: 'sandbench load' with its args, run by the real generator against the
    /// fake ingress (which routes by Host, the cluster-local name included), printing progress then the JSON, as the CLI does.
    /// </summary>
    private static async Task<(int, string)> SandbenchLoad(IReadOnlyList<string> args, string gateway)
    {
        var list = args.ToList();
        string Arg(string flag) => list[list.IndexOf(flag) + 1];
        Assert.Equal("load", list[0]);
        var target = new Uri(list[1]);
        var options = new LoadOptions
        {
            Target = new Uri($"http://{gateway}/"),
            Rate = list.Contains("--rate") ? double.Parse(Arg("--rate"), CultureInfo.InvariantCulture) : null,
            Connections = int.Parse(list.Contains("--connections") ? Arg("--connections") : Arg("--concurrency"), CultureInfo.InvariantCulture),
            Duration = Durations.Parse(Arg("--duration")),
            Timeout = Durations.Parse(Arg("--timeout")),
            Headers = [new("Host", target.Host)],
        };
        var r = await new LoadGenerator(options).RunAsync(CancellationToken.None);
        string log = "[  1.0s] sent 10  completed 10  errors 0  late 0  dropped 0\n";
        if (list.Contains("--json")) log += JsonSerializer.Serialize(r, Printed) + "\n";
        return (0, log);
    }

    /// <summary>A runtime with a load image and a warm trial at 50 req/s without warm-up: its load runs as a Job.</summary>
    private static (KnativeRuntime Rt, TrialContext Context) InCluster(FakeCluster cluster)
    {
        var rt = cluster.Runtime(("min-scale", "1"), ("load-image", "registry.example/sandbench:1"));
        var context = cluster.Context(rt, WarmSpec(TimeSpan.Zero));
        return (rt, context with { Trial = context.Trial with { Rate = 50 } });
    }

    private static ExperimentSpec WarmSpec(TimeSpan warmup) => FakeCluster.Spec("warm", TimeSpan.FromSeconds(10)) with
    {
        Load = new LoadSpec([50], null, TimeSpan.FromSeconds(1), 2, warmup, TimeSpan.FromSeconds(30)),
    };

    [Fact]
    public async Task RunTrial_LoadImage_LoadRunsAsAJobInTheClusterAndItsResultIsStored()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false;
        cluster.Jobs.Runner = args => SandbenchLoad(args, cluster.Knative.Gateway);
        var rt = cluster.Runtime(("min-scale", "1"), ("load-image", "registry.example/sandbench:1"));
        var context = cluster.Context(rt, WarmSpec(TimeSpan.FromMilliseconds(300)));
        context = context with { Trial = context.Trial with { Rate = 50 } };

        var o = await rt.RunTrialAsync(context, TestContext.Current.CancellationToken);

        Assert.True(o.Status == TrialStatus.Ok, o.Error);
        Assert.Equal("in-cluster", o.Parameters["client"]);
        double completed = o.Samples.Single(s => s.Key == "completed").Value;
        Assert.InRange(completed, 40, 60);
        Assert.Equal(0, o.Samples.Single(s => s.Key == "errors").Value);
        Assert.Contains(o.Histograms, h => h.Metric == WarmExperiment.CorrectedHistogram);
        Assert.NotEmpty(o.Seconds);
        Assert.Contains(o.Phases, p => p.Key == LoadJob.ReadPhase);
        // The warm-up ran first, in an init container, then the measured load, both against the cluster-local address.
        string service = o.Parameters["service"];
        Assert.Equal(["warmup", "load"], cluster.Jobs.Ran.Select(r => r.Container));
        var warmup = cluster.Jobs.Ran[0].Args;
        var measured = cluster.Jobs.Ran[1].Args;
        Assert.Equal($"http://{service}.default.svc.cluster.local/", measured[1]);
        Assert.Equal(["--rate", "50", "--connections", "2", "--duration", "1s", "--timeout", "10s", "--json"], measured.Skip(2));
        Assert.DoesNotContain("--json", warmup);
        Assert.Equal("300ms", warmup[warmup.ToList().IndexOf("--duration") + 1]);
        // The Job and its pod are gone once the trial ended.
        Assert.Empty(cluster.Api.All("jobs"));
        Assert.DoesNotContain(cluster.Api.All("pods"), p => p["metadata"]!["labels"]?["job-name"] is not null);
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
    }

    [Fact]
    public async Task RunTrial_LoadJobFails_TrialFailedWithWhatThePodPrinted_JobDeleted()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false;
        cluster.Jobs.Runner = _ => Task.FromResult((2, "error: URL 'http://x' is malformed\n"));
        var (rt, context) = InCluster(cluster);

        var o = await rt.RunTrialAsync(context, TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Failed, o.Status);
        Assert.Contains("failed: error: URL 'http://x' is malformed", o.Error);
        Assert.Equal(["load"], cluster.Jobs.Ran.Select(r => r.Container)); // no warm-up container without a warm-up
        Assert.Empty(cluster.Api.All("jobs"));
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
    }

    [Fact]
    public async Task RunTrial_InterruptedWhileTheJobRuns_TrialInterrupted_JobDeleted()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.Jobs.Runner = _ =>
        {
            running.TrySetResult();
            return new TaskCompletionSource<(int, string)>().Task; // never ends on its own
        };
        var (rt, context) = InCluster(cluster);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var trial = rt.RunTrialAsync(context, interrupt.Token);
        if (await Task.WhenAny(running.Task, trial) == trial) Assert.Fail($"the trial ended before its load ran: {(await trial).Status} {(await trial).Error}");
        await interrupt.CancelAsync();
        var o = await trial.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(TrialStatus.Interrupted, o.Status);
        Assert.Empty(cluster.Api.All("jobs"));
        Assert.DoesNotContain(cluster.Api.All("pods"), p => p["metadata"]!["labels"]?["job-name"] is not null);
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
    }

    [Fact]
    public async Task RunTrial_InterruptedBeforeTheJobsCreationIsAnswered_TrialInterrupted_JobDeleted()
    {
        await using var cluster = await FakeCluster.StartAsync();
        cluster.Knative.ScaleToZero = false;
        var answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.Api.JobCreateAnswered = answer.Task;
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cluster.Jobs.Runner = _ =>
        {
            running.TrySetResult();
            return new TaskCompletionSource<(int, string)>().Task;
        };
        var (rt, context) = InCluster(cluster);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var trial = rt.RunTrialAsync(context, interrupt.Token);
        if (await Task.WhenAny(running.Task, trial) == trial) Assert.Fail($"the trial ended before its load ran: {(await trial).Status} {(await trial).Error}");
        await interrupt.CancelAsync(); // the Job exists, its pod runs, and the client has not had the answer yet
        var o = await trial.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        answer.SetResult();

        Assert.Equal(TrialStatus.Interrupted, o.Status);
        Assert.Empty(cluster.Api.All("jobs"));
        Assert.Empty(await rt.EndRunAsync(cluster.RunId));
    }

    [Fact]
    public void Parse_ProgressLinesThenTheDocument_ReadsTheDocument()
    {
        const string log = """
            [  1.0s] sent 10  completed 10  errors 0  late 0  dropped 0
            {
              "mode": "closed",
              "target": "http://a.b.svc.cluster.local/",
              "connections": 1,
              "durationSeconds": 1,
              "elapsedSeconds": 1.01,
              "timeoutSeconds": 30,
              "interrupted": false,
              "sent": 7,
              "completed": 7,
              "errors": 0,
              "late": 0,
              "dropped": 0,
              "achievedRate": 7,
              "bytesRead": 70,
              "corrected": { "n": 7, "mean": 1, "stdDev": 0, "p50": 1, "p90": 1, "p99": 1, "p999": 1, "max": 1 },
              "statusCodes": { "200": 7 },
              "errorsByKind": {},
              "seconds": [ { "second": 0, "completed": 7, "errors": 0, "late": 0, "dropped": 0, "p50": 1, "p99": 1 } ]
            }
            """;

        var r = LoadJob.Parse(log)!;

        Assert.Equal(7, r.Completed);
        Assert.Equal(7, r.Corrected!.N);
        Assert.Null(r.Histograms); // none in this document
        Assert.Null(LoadJob.Parse("[  1.0s] sent 1\nerror: something\n"));
        Assert.Throws<TrialFailedException>(() => LoadJob.Parse("{\n  \"mode\": \n"));
    }

    [Fact]
    public void Settings_LoadImageWithSpaces_OneProblem()
    {
        var profile = new Sandbench.Core.Runtimes.RuntimeProfile("kn", Sandbench.Core.Runtimes.RuntimeKinds.Knative,
            new Dictionary<string, string> { ["load-image"] = "bad image" });

        KnativeSettings.Read(profile, out var problems);

        Assert.Equal(["kn: option 'load-image' must be an image reference with sandbench in it, such as registry.example/sandbench:latest"], problems);
    }
}
