using System.Text.Json.Nodes;

namespace Sandbench.Kubernetes.Tests;

/// <summary>
/// The Job controller and kubelet for the fake API server, from the Jobs and Pod lifecycle documents: a created Job
/// gets one pod (labelled job-name and batch.kubernetes.io/job-name, plus the Job template's labels), Pending, then
/// Running, then Succeeded or Failed with the Job's status to match. What the pod's main container does is
/// <see cref="Runner"/>: given the container's args, it returns the exit code and what the container printed.
/// </summary>
internal sealed class FakeJobs
{
    private readonly FakeApiServer _api;
    private int _pods;

    public FakeJobs(FakeApiServer api)
    {
        _api = api;
        api.JobCreated = job => _ = RunAsync(job);
    }

    public Func<IReadOnlyList<string>, Task<(int ExitCode, string Log)>> Runner { get; set; } = _ => Task.FromResult((0, ""));

    /// <summary>The args of every init container and main container the pods ran, in order.</summary>
    public List<(string Container, IReadOnlyList<string> Args)> Ran { get; } = [];

    private async Task RunAsync(JsonObject job)
    {
        string name = job["metadata"]!["name"]!.GetValue<string>();
        string ns = job["metadata"]!["namespace"]!.GetValue<string>();
        var template = job["spec"]!["template"]!;
        var labels = (JsonObject)(template["metadata"]?["labels"]?.DeepClone() ?? new JsonObject());
        labels["job-name"] = name;
        labels["batch.kubernetes.io/job-name"] = name;
        string pod = $"{name}-{Interlocked.Increment(ref _pods):00000}";
        _api.Put("pods", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = pod, ["labels"] = labels },
            ["spec"] = template["spec"]!.DeepClone(),
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        }, ns);
        _api.Update("pods", pod, p => p["status"] = new JsonObject { ["phase"] = "Running" }, ns);
        int exit = 0;
        string log = "";
        foreach (var c in (template["spec"]!["initContainers"]?.AsArray() ?? []).Concat(template["spec"]!["containers"]!.AsArray()))
        {
            var args = c!["args"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
            lock (Ran) Ran.Add((c["name"]!.GetValue<string>(), args));
            (exit, log) = await Runner(args);
            if (exit != 0) break;
        }
        _api.Logs[(ns, pod)] = log;
        string phase = exit == 0 ? "Succeeded" : "Failed";
        _api.Update("pods", pod, p => p["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = "load", ["ready"] = false, ["restartCount"] = 0, ["image"] = "fake", ["imageID"] = "fake",
                ["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = exit, ["reason"] = exit == 0 ? "Completed" : "Error" } },
            }),
        }, ns);
        _api.Update("jobs", name, j => j["status"] = exit == 0 ? new JsonObject { ["succeeded"] = 1 } : new JsonObject { ["failed"] = 1 }, ns);
    }
}
