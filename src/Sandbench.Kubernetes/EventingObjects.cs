using System.Globalization;
using System.Text.Json.Nodes;
using k8s.Models;
using Sandbench.Core.Plans;

namespace Sandbench.Kubernetes;

/// <summary>
/// What an eventing trial creates, each labelled with the run id and named alike: a Trigger on the profile's Broker that
/// passes the trial's events (by their unique <c>source</c>) to a plain Service, and a Job whose one pod is that Service's
/// endpoint and runs <c>sandbench eventing</c>: it listens as the sink and sends to the Broker, so send and receipt are
/// read from one clock, in the profile's RuntimeClass.
/// </summary>
internal static class EventingObjects
{
    public const string Container = "eventing";
    public const int SinkPort = 8080;

    /// <summary>What one eventing trial runs.</summary>
    public sealed record Request(string Name, string RunId, string Image, string? RuntimeClass, string Broker, Uri BrokerUrl, string Mode, double Rate,
        int Connections, TimeSpan Duration, TimeSpan Warmup, TimeSpan Drain, TimeSpan StartTimeout, TimeSpan Timeout)
    {
        /// <summary>The events' <c>source</c> attribute, unique to the trial: the Trigger passes these and no others.</summary>
        public string Source => $"/sandbench/{Name}";
    }

    private static Dictionary<string, string> Labels(Request r) => new(StringComparer.Ordinal) { [Resources.RunLabel] = r.RunId, [KnativeApi.SinkLabel] = r.Name };

    /// <summary>The Trigger: the trial's events from the Broker to the sink's Service.</summary>
    public static JsonObject Trigger(Request r, string ns) => new()
    {
        ["apiVersion"] = $"{KnativeApi.EventingGroup}/{KnativeApi.EventingVersion}",
        ["kind"] = "Trigger",
        ["metadata"] = new JsonObject { ["name"] = r.Name, ["namespace"] = ns, ["labels"] = new JsonObject { [Resources.RunLabel] = r.RunId } },
        ["spec"] = new JsonObject
        {
            ["broker"] = r.Broker,
            ["filter"] = new JsonObject { ["attributes"] = new JsonObject { ["source"] = r.Source } },
            ["subscriber"] = new JsonObject { ["ref"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Service", ["name"] = r.Name } },
        },
    };

    /// <summary>The plain Service in front of the sink's pod (port 80 to the sink's port).</summary>
    public static V1Service Service(Request r) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = r.Name, Labels = Labels(r) },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string>(StringComparer.Ordinal) { [KnativeApi.SinkLabel] = r.Name },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = SinkPort, Protocol = "TCP" }],
        },
    };

    /// <summary>The round's command line, as <c>sandbench eventing</c> takes it.</summary>
    public static List<string> Args(Request r)
    {
        static string D(TimeSpan t) => Durations.Format(t);
        return
        [
            "eventing", r.BrokerUrl.ToString(), "--listen", $"0.0.0.0:{SinkPort}", "--cloudevents", r.Mode, "--ce-source", r.Source,
            "--rate", r.Rate.ToString("R", CultureInfo.InvariantCulture), "--connections", r.Connections.ToString(CultureInfo.InvariantCulture),
            "--duration", D(r.Duration), "--warmup-duration", D(r.Warmup), "--drain", D(r.Drain), "--start-timeout", D(r.StartTimeout),
            "--timeout", D(r.Timeout), "--json", "--db", "/tmp/sandbench.db", // the image's working directory may not be writable
        ];
    }

    /// <summary>The Job: one pod, no retries, in the profile's RuntimeClass, with a deadline past the round's own.</summary>
    public static V1Job Job(Request r)
    {
        var pod = new V1PodSpec
        {
            RestartPolicy = "Never",
            RuntimeClassName = r.RuntimeClass,
            Containers =
            [
                new V1Container
                {
                    Name = Container, Image = r.Image, Command = ["sandbench"], Args = Args(r),
                    Ports = [new V1ContainerPort { Name = "http", ContainerPort = SinkPort, Protocol = "TCP" }],
                },
            ],
        };
        return JobRun.Manifest(r.Name, Labels(r), Deadline(r), pod);
    }

    /// <summary>The round's own bounds (route probe, warm-up, load, drain) and five minutes to schedule the pod and pull the image.</summary>
    public static TimeSpan Deadline(Request r) => r.StartTimeout + r.Warmup + r.Duration + r.Drain + r.Timeout + TimeSpan.FromMinutes(5);
}
