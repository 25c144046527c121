using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sandbench.Kubernetes;

/// <summary>The Knative Service a trial creates (serving.knative.dev/v1), labelled with the run id.</summary>
internal static class ServiceManifest
{
    /// <summary>
    /// A DNS-1035 name carrying the run id: <c>sb-RUN-PROFILE-WORKLOAD[-INDEX]</c>, lower-case, at most 50 characters
    /// (Knative names revisions NAME-00001 and the result must stay a 63-character label); a hash stands in for a long middle.
    /// </summary>
    public static string Name(string runId, string profile, string workload, int? index = null)
    {
        string tail = index is { } i ? $"-{i}" : "";
        string middle = Clean($"{profile}-{workload}");
        string name = $"sb-{Clean(runId)}-{middle}";
        if (name.Length + tail.Length > 50)
        {
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(middle)))[..6];
            name = $"sb-{Clean(runId)}-{middle[..Math.Max(1, 50 - tail.Length - Clean(runId).Length - 11)].TrimEnd('-')}-{hash}";
        }
        return name + tail;
    }

    private static string Clean(string s)
    {
        var sb = new StringBuilder();
        foreach (char c in s.ToLowerInvariant()) sb.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? c : '-');
        return sb.ToString().Trim('-');
    }

    public static JsonObject Build(string name, string runId, string workload, KnativeSettings s)
    {
        var labels = new JsonObject { [Resources.RunLabel] = runId, ["sandbench.io/workload"] = Clean(workload) };
        var annotations = new JsonObject();
        foreach (var (k, v) in s.Annotations()) annotations[k] = v;
        var container = new JsonObject { ["image"] = s.Image };
        if (s.ContainerPort is { } port) container["ports"] = new JsonArray(new JsonObject { ["containerPort"] = port });
        var podSpec = new JsonObject { ["containers"] = new JsonArray(container) };
        if (s.ContainerConcurrency is { } cc) podSpec["containerConcurrency"] = cc;
        if (s.RuntimeClass is { } rc) podSpec["runtimeClassName"] = rc;
        return new JsonObject
        {
            ["apiVersion"] = $"{Resources.ServingGroup}/{Resources.ServingVersion}",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = s.Namespace, ["labels"] = labels },
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    // Template labels reach the revision, its deployment and its pods: the run id is on every object.
                    ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone(), ["annotations"] = annotations },
                    ["spec"] = podSpec,
                },
            },
        };
    }
}
