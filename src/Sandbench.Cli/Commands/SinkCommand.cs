using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Load;
using Sandbench.Load.CloudEvents;
using Sandbench.Store;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench sink</c>: receives CloudEvents (on 127.0.0.1 unless told otherwise) and records their delivery latency as a run.</summary>
internal static class SinkCommand
{
    public static Command Build(App app)
    {
        var port = new Option<int>("--port", "-p") { Description = "TCP port (0: any free port, printed when listening)", Required = true, HelpName = "P" };
        var listen = new Option<string>("--listen")
        {
            Description = "The address to listen on (0.0.0.0: every interface, e.g. in a pod behind a Service)", DefaultValueFactory = _ => "127.0.0.1", HelpName = "ADDRESS",
        };
        var duration = new Option<string?>("--duration", "-d") { Description = "Stop after this long (from when it listens)", HelpName = "DURATION" };
        var count = new Option<long?>("--count", "-n") { Description = "Stop after this many distinct events", HelpName = "N" };
        var label = new Option<string?>("--label") { Description = "A name for this run's events (e.g. the sender and its path), stored and shown with the figures", HelpName = "TEXT" };
        var db = Opts.Db();
        var json = Opts.Json();
        var cmd = new Command("sink", "Receive CloudEvents (HTTP binary and structured mode) on 127.0.0.1 or --listen: delivery latency from the send time 'sandbench load --cloudevents' stamps, counts, invalid and duplicate events, per second; stored as a run")
        {
            port, listen, duration, count, label, db, json,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var options = Options(r.GetValue(port), r.GetValue(duration), r.GetValue(count), r.GetValue(listen)!);
            string path = r.GetValue(db)!;
            using var store = App.OpenStore(path);
            var sink = new EventSink(options)
            {
                Progress = SinkView.ProgressLine,
                Listening = ep => Console.Error.WriteLine($"listening on {ep} for CloudEvents (binary and structured mode); Ctrl+C stops"),
            };
            SinkResult result;
            try
            {
                result = await sink.RunAsync(ct).ConfigureAwait(false);
            }
            catch (LoadException e)
            {
                throw new SandbenchException([.. e.Message.Split(Environment.NewLine)]);
            }
            string runId = SinkRecording.Store(store, result, r.GetValue(label), Opts.CommandLine(r), app.Host, App.Version, RunIds.New());
            if (r.GetValue(json))
            {
                JsonOutput.PrintStored(JsonSerializer.SerializeToNode(result, JsonOutput.Options)!.AsObject(), runId, path);
            }
            else SinkView.Print(result, runId, path);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Turns the flags into options, collecting every problem before anything starts.</summary>
    internal static SinkOptions Options(int port, string? duration, long? count, string listen)
    {
        var problems = new List<string>();
        var d = duration is null ? null : LoadCommand.ParseDuration("--duration", duration, problems);
        var address = ListenFlags.Address(listen, problems);
        var options = new SinkOptions
        {
            Listen = address ?? System.Net.IPAddress.Loopback, Port = port, Duration = d ?? (duration is null ? null : TimeSpan.FromSeconds(1)), Count = count,
        };
        problems.AddRange(options.Validate());
        if (problems.Count > 0) throw new SandbenchException([.. problems.Distinct()]);
        return options;
    }
}
