using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbench.Cli.Rendering;
using Sandbench.Community;
using Sandbench.Core;
using Sandbench.Store;
using Spectre.Console;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench community URL...</c>: seed 004's community metrics of GitHub repositories, stored as a run.</summary>
internal static class CommunityCommand
{
    public static Command Build(App app)
    {
        var repos = new Argument<string[]>("repository") { Description = "https://github.com/OWNER/REPO (or OWNER/REPO), one or more", Arity = ArgumentArity.OneOrMore };
        var db = Opts.Db();
        var json = Opts.Json();
        var cmd = new Command("community", $"Community metrics of GitHub repositories through the GraphQL API (token from {GitHubEndpoint.TokenVariable}): stars, forks, pull requests and issues with their average comments (and commits), community health files; stored as a run")
        {
            repos, db, json,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var (repositories, endpoint, token, problems) = CommunityRun.Check(r.GetValue(repos) ?? [],
                Environment.GetEnvironmentVariable(GitHubEndpoint.TokenVariable), Environment.GetEnvironmentVariable(GitHubEndpoint.Variable));
            if (problems.Count > 0) throw new SandbenchException(problems);
            string path = r.GetValue(db)!;
            using var store = App.OpenStore(path);
            var time = TimeProvider.System;
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var api = new GitHubGraphQl(http, endpoint, token, time, n => Console.Error.WriteLine(n));
            var collector = new CommunityCollector(api, time, p => Console.Error.WriteLine(p));
            var started = time.GetUtcNow();
            var outcome = await CommunityRun.CollectAsync(collector, repositories,
                repo => Console.Error.WriteLine($"collecting community data for {repo.Url}"), ct, n => Console.Error.WriteLine(n)).ConfigureAwait(false);
            foreach (var p in outcome.Problems) Console.Error.WriteLine($"error: {p}");
            if (outcome.NotTried.Count > 0)
                Console.Error.WriteLine($"not collected: {string.Join(", ", outcome.NotTried)}{(outcome.Interrupted ? " (interrupted)" : " (stopped after the error above)")}");

            string? runId = outcome.Collected.Count == 0 ? null
                : CommunityRecording.Store(store, outcome, Opts.CommandLine(r), endpoint, app.Host, App.Version, RunIds.New(), started, time.GetUtcNow());
            if (r.GetValue(json))
                Console.WriteLine(new JsonArray([.. outcome.Collected.Select(c => (JsonNode)CommunityView.Seed(c))]).ToJsonString(SeedJson));
            else if (outcome.Collected.Count > 0)
            {
                CommunityView.Print(outcome.Collected);
                AnsiConsole.MarkupLine(Markup.Escape($"stored in {path} as run {runId}; 'sandbench show {runId}' prints this again"));
            }
            if (runId is not null && r.GetValue(json)) Console.Error.WriteLine($"stored in {path} as run {runId}");
            return outcome.Interrupted ? ExitCodes.Interrupted : outcome.Problems.Count > 0 ? ExitCodes.CollectionFailed : ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>Indented, with '+' and non-ASCII written as they are (the output is not embedded in HTML).</summary>
    private static readonly JsonSerializerOptions SeedJson = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
