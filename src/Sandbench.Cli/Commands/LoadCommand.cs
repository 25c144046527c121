using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Sandbench.Cli.Rendering;
using Sandbench.Core;
using Sandbench.Core.Plans;
using Sandbench.Load;

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
        var body = new Option<string?>("--body") { Description = "Request body (text)" };
        var json = Opts.Json();
        var cmd = new Command("load", "Load an HTTP endpoint: latency (corrected and uncorrected), throughput, errors, per second")
        {
            url, rate, duration, connections, closed, concurrency, timeout, method, headers, body, json,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var options = Options(r.GetValue(url)!, r.GetValue(rate), r.GetValue(duration)!, r.GetValue(connections), r.GetValue(closed),
                r.GetValue(concurrency), r.GetValue(timeout)!, r.GetValue(method)!, r.GetValue(headers) ?? [], r.GetValue(body));
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

    /// <summary>Turns the flags into options, collecting every problem before anything starts.</summary>
    internal static LoadOptions Options(string url, double? rate, string duration, int? connections, bool closed, int? concurrency,
        string timeout, string method, string[] headers, string? body)
    {
        var problems = new List<string>();
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
        };
        problems.AddRange(options.Validate()); // placeholders above stand in for what could not be parsed, and pass
        if (problems.Count > 0) throw new SandbenchException([.. problems.Distinct()]);
        return options;
    }

    private static TimeSpan? ParseDuration(string flag, string text, List<string> problems)
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
