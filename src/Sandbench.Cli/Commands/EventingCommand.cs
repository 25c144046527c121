using System.CommandLine;
using System.Text.Json.Nodes;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Plans;
using Sandbench.Load;
using Sandbench.Load.CloudEvents;
using Sandbench.Store;

namespace Sandbench.Cli.Commands;

/// <summary>
/// <c>sandbench eventing BROKER_URL</c>: an eventing round, sender and sink in this process with a broker between
/// them (e.g. a pod whose Service a Knative Trigger delivers to); stored as a run.
/// </summary>
internal static class EventingCommand
{
    public static Command Build(App app)
    {
        var broker = new Argument<string>("broker-url")
        {
            Description = "The broker's ingress, an http:// URL (Knative: http://broker-ingress.knative-eventing.svc.cluster.local/NAMESPACE/BROKER)",
        };
        var listen = new Option<string>("--listen")
        {
            Description = "Where the sink listens, ADDRESS:PORT (in a pod 0.0.0.0:PORT, the port the Trigger's Service targets; port 0: any free one)",
            DefaultValueFactory = _ => "127.0.0.1:0", HelpName = "ADDRESS:PORT",
        };
        var mode = new Option<string>("--cloudevents") { Description = "HTTP binding mode of the events sent", DefaultValueFactory = _ => "binary", HelpName = "binary|structured" };
        var source = new Option<string>("--ce-source")
        {
            Description = "The events' source attribute: the Trigger routes this source to the sink", DefaultValueFactory = _ => EventingRoundOptions.DefaultSource, HelpName = "URI",
        };
        var rate = new Option<double?>("--rate", "-R") { Description = "Measured events per second, open loop (also the warm-up's)", HelpName = "R" };
        var connections = new Option<int>("--connections", "-c") { Description = "Connections to the broker", DefaultValueFactory = _ => 8, HelpName = "C" };
        var duration = Duration("--duration", "How long measured events are sent", "10s");
        var warmup = Duration("--warmup-duration", $"Load at the rate before the measured load ({EventingRoundOptions.WarmupType} events, not measured)", "0s");
        var drain = Duration("--drain", "After the load, how long to wait at most for accepted events still on their way", "10s");
        var startTimeout = Duration("--start-timeout", $"How long to send probes ({EventingRoundOptions.ProbeType}, every 100 ms) until one comes back", "60s");
        var timeout = Duration("--timeout", "Per request to the broker", "10s");
        var label = new Option<string?>("--label") { Description = "A name for this round (e.g. the broker and its channel), stored and shown with the figures", HelpName = "TEXT" };
        var db = Opts.Db();
        var json = Opts.Json();
        var cmd = new Command("eventing", "An eventing round: send CloudEvents to a broker and receive them back in this process as its subscriber; "
            + "delivery latency broker-in → sink on one clock, sent/accepted/received/lost; stored as a run")
        {
            broker, listen, mode, source, rate, connections, duration, warmup, drain, startTimeout, timeout, label, db, json,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var options = Options(new Flags(r.GetValue(broker)!, r.GetValue(listen)!, r.GetValue(mode)!, r.GetValue(source)!, r.GetValue(rate), r.GetValue(connections),
                r.GetValue(duration)!, r.GetValue(warmup)!, r.GetValue(drain)!, r.GetValue(startTimeout)!, r.GetValue(timeout)!));
            string path = r.GetValue(db)!;
            using var store = App.OpenStore(path);
            var round = new EventingRound(options) { Log = Console.Error.WriteLine, LoadProgress = LoadView.ProgressLine };
            EventingRoundResult result;
            try
            {
                result = await round.RunAsync(ct).ConfigureAwait(false);
            }
            catch (LoadException e)
            {
                throw new SandbenchException([.. e.Message.Split(Environment.NewLine)]);
            }
            string runId = SinkRecording.Store(store, result, r.GetValue(label), Opts.CommandLine(r), app.Host, App.Version, RunIds.New());
            if (r.GetValue(json))
            {
                // Only the document on stdout, its first line a lone '{'; what was said along the way went to stderr.
                JsonOutput.PrintStored(JsonNode.Parse(result.ToJson())!.AsObject(), runId, path);
            }
            else EventingView.Print(result, runId, path);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static Option<string> Duration(string name, string description, string fallback) =>
        new(name) { Description = description, DefaultValueFactory = _ => fallback, HelpName = "DURATION" };

    /// <summary>The flags as given.</summary>
    internal sealed record Flags(string Broker, string Listen, string Mode, string Source, double? Rate, int Connections,
        string Duration, string Warmup, string Drain, string StartTimeout, string Timeout);

    /// <summary>Turns the flags into options, collecting every problem before anything starts.</summary>
    internal static EventingRoundOptions Options(Flags f)
    {
        var problems = new List<string>();
        if (!Uri.TryCreate(f.Broker, UriKind.Absolute, out var broker))
            problems.Add($"URL '{f.Broker}' is malformed; give the broker's absolute http:// URL such as http://broker-ingress.knative-eventing.svc.cluster.local/NAMESPACE/default");
        var listen = ListenFlags.EndPoint(f.Listen, problems);
        CloudEventMode? mode = f.Mode.ToLowerInvariant() switch
        {
            "binary" => CloudEventMode.Binary,
            "structured" => CloudEventMode.Structured,
            _ => null,
        };
        if (mode is null) problems.Add($"--cloudevents takes binary or structured (got '{f.Mode}')");
        if (f.Rate is null) problems.Add("give --rate R: measured events per second sent to the broker (open loop)");
        var options = new EventingRoundOptions
        {
            Broker = broker ?? new Uri("http://127.0.0.1/"),
            Listen = listen ?? new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            Mode = mode ?? CloudEventMode.Binary,
            Source = f.Source,
            Rate = f.Rate ?? 1,
            Connections = f.Connections,
            Duration = LoadCommand.ParseDuration("--duration", f.Duration, problems) ?? TimeSpan.FromSeconds(1),
            WarmupDuration = ZeroOrMore("--warmup-duration", f.Warmup, problems),
            Drain = ZeroOrMore("--drain", f.Drain, problems),
            StartTimeout = LoadCommand.ParseDuration("--start-timeout", f.StartTimeout, problems) ?? TimeSpan.FromSeconds(1),
            Timeout = LoadCommand.ParseDuration("--timeout", f.Timeout, problems) ?? TimeSpan.FromSeconds(1),
        };
        problems.AddRange(options.Validate()); // placeholders above stand in for what could not be parsed, and pass
        if (problems.Count > 0) throw new SandbenchException([.. problems.Distinct()]);
        return options;
    }

    /// <summary>A duration that may be zero (written 0 or 0s).</summary>
    private static TimeSpan ZeroOrMore(string flag, string text, List<string> problems)
    {
        if (text.Trim() == "0") return TimeSpan.Zero;
        if (text.TrimStart().StartsWith('-'))
        {
            problems.Add($"{flag} must be 0 or more (got '{text}')");
            return TimeSpan.Zero;
        }
        if (Durations.TryParse(text, out var v)) return v;
        problems.Add($"{flag} takes a duration such as 500ms or 10s, or 0 (got '{text}')");
        return TimeSpan.Zero;
    }
}
