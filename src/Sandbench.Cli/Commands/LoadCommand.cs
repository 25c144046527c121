using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Plans;
using Sandbench.Load;
using Sandbench.Load.CloudEvents;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench load URL</c>: a standalone HTTP/1.1 load generator, open loop (<c>--rate</c>) or closed loop (<c>--closed</c>).</summary>
internal static class LoadCommand
{
    public static Command Build()
    {
        var url = new Argument<string>("url") { Description = "http:// URL to load (HTTP/1.1, keep-alive)" };
        var rate = new Option<double?>("--rate", "-R") { Description = "Open loop: requests per second, each due at t0 + i/R and timed from then", HelpName = "R" };
        var duration = new Option<string>("--duration", "-d") { Description = "How long requests are started", DefaultValueFactory = _ => "10s", HelpName = "DURATION" };
        var connections = new Option<int?>("--connections", "-c") { Description = "Open loop: connections (default 32)", HelpName = "C" };
        var closed = new Option<bool>("--closed") { Description = "Closed loop: each connection sends its next request when the previous response ends (maximum throughput)" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Closed loop: connections (default 32)", HelpName = "N" };
        var timeout = new Option<string>("--timeout") { Description = "Per-request limit; also how long a due request may wait for a free connection", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        var method = new Option<string>("--method", "-X") { Description = "HTTP method", DefaultValueFactory = _ => "GET" };
        var headers = new Option<string[]>("--header", "-H") { Description = "Request header 'Name: value' (repeatable)", AllowMultipleArgumentsPerToken = false };
        var body = new Option<string?>("--body") { Description = "Request body (text); with --cloudevents, the event's JSON data" };
        var cloudEvents = new Option<string?>("--cloudevents")
        {
            Description = "Send each request as a CloudEvent (POST) in this HTTP binding mode: binary (ce-* headers, data as body) or structured (application/cloudevents+json); "
                + $"each carries a unique id, 'time' and its send time on CLOCK_MONOTONIC ('{EventAttributes.SentNs}', for 'sandbench sink')",
            HelpName = "binary|structured",
        };
        var ceType = new Option<string?>("--ce-type") { Description = $"The events' type attribute (default {CloudEventOptions.DefaultType})", HelpName = "TYPE" };
        var ceSource = new Option<string?>("--ce-source") { Description = $"The events' source attribute, a URI reference (default {CloudEventOptions.DefaultSource})", HelpName = "URI" };
        var json = Opts.Json();
        var cmd = new Command("load", "Load an HTTP endpoint: latency (corrected and uncorrected), throughput, errors, per second")
        {
            url, rate, duration, connections, closed, concurrency, timeout, method, headers, body, cloudEvents, ceType, ceSource, json,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var events = new EventFlags(r.GetValue(cloudEvents), r.GetValue(ceType), r.GetValue(ceSource), r.GetResult(method) is { Implicit: false });
            var options = Options(r.GetValue(url)!, r.GetValue(rate), r.GetValue(duration)!, r.GetValue(connections), r.GetValue(closed),
                r.GetValue(concurrency), r.GetValue(timeout)!, r.GetValue(method)!, r.GetValue(headers) ?? [], r.GetValue(body), events);
            bool asJson = r.GetValue(json);
            var generator = new LoadGenerator(options) { Progress = LoadView.ProgressLine };
            LoadResult result;
            try
            {
                result = await generator.RunAsync(ct).ConfigureAwait(false);
            }
            catch (LoadException e)
            {
                throw new SandbenchException([.. e.Message.Split(Environment.NewLine)]);
            }
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(result, JsonOutput.Options));
            else LoadView.Print(result);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>The CloudEvents flags as given; <paramref name="MethodGiven"/> tells an explicit -X from the GET default.</summary>
    internal sealed record EventFlags(string? Mode, string? Type, string? Source, bool MethodGiven);

    /// <summary>Turns the flags into options, collecting every problem before anything starts.</summary>
    internal static LoadOptions Options(string url, double? rate, string duration, int? connections, bool closed, int? concurrency,
        string timeout, string method, string[] headers, string? body, EventFlags? events = null)
    {
        var problems = new List<string>();
        var cloudEvents = CloudEvents(events, problems);
        if (cloudEvents is not null && events is { MethodGiven: false }) method = "POST";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var target))
        {
            problems.Add($"URL '{url}' is malformed; give an absolute http:// URL such as http://127.0.0.1:8080/");
            target = new Uri("http://127.0.0.1/");
        }
        if (closed && rate is not null) problems.Add("--rate (open loop) and --closed (closed loop) exclude each other");
        if (!closed && rate is null) problems.Add("give --rate R for an open loop at R requests per second, or --closed for a closed loop");
        if (closed && connections is not null && concurrency is not null && connections != concurrency)
            problems.Add("--connections and --concurrency disagree; with --closed give --concurrency only");
        if (!closed && concurrency is not null) problems.Add("--concurrency is for --closed; an open loop takes --connections");
        var d = ParseDuration("--duration", duration, problems);
        var t = ParseDuration("--timeout", timeout, problems);
        var parsedHeaders = new List<KeyValuePair<string, string>>();
        foreach (var h in headers)
        {
            int colon = h.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) problems.Add($"--header '{h}' must be 'Name: value'");
            else parsedHeaders.Add(new(h[..colon].Trim(), h[(colon + 1)..].Trim()));
        }
        var options = new LoadOptions
        {
            Target = target,
            Rate = closed ? null : rate ?? 1,
            Duration = d ?? TimeSpan.FromSeconds(1),
            Timeout = t ?? TimeSpan.FromSeconds(1),
            Connections = (closed ? concurrency ?? connections : connections) ?? 32,
            Method = method,
            Headers = parsedHeaders,
            Body = body is null ? [] : Encoding.UTF8.GetBytes(body),
            CloudEvents = cloudEvents,
        };
        problems.AddRange(options.Validate()); // placeholders above stand in for what could not be parsed, and pass
        if (problems.Count > 0) throw new SandbenchException([.. problems.Distinct()]);
        return options;
    }

    private static CloudEventOptions? CloudEvents(EventFlags? flags, List<string> problems)
    {
        if (flags is null) return null;
        if (flags.Mode is null)
        {
            if (flags.Type is not null) problems.Add("--ce-type needs --cloudevents binary|structured");
            if (flags.Source is not null) problems.Add("--ce-source needs --cloudevents binary|structured");
            return null;
        }
        CloudEventMode? mode = flags.Mode.ToLowerInvariant() switch
        {
            "binary" => CloudEventMode.Binary,
            "structured" => CloudEventMode.Structured,
            _ => null,
        };
        if (mode is null) problems.Add($"--cloudevents takes binary or structured (got '{flags.Mode}')");
        return new CloudEventOptions
        {
            Mode = mode ?? CloudEventMode.Binary,
            Type = flags.Type ?? CloudEventOptions.DefaultType,
            Source = flags.Source ?? CloudEventOptions.DefaultSource,
        };
    }

    internal static TimeSpan? ParseDuration(string flag, string text, List<string> problems)
    {
        if (text.TrimStart().StartsWith('-'))
        {
            problems.Add($"{flag} must be above 0 (got '{text}')");
            return null;
        }
        if (!Durations.TryParse(text, out var v))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{flag} takes a duration such as 500ms or 30s (got '{text}')"));
            return null;
        }
        return v;
    }
}
