using System.CommandLine;
using System.Globalization;
using System.Text;
using Sandbench.Core;
using Sandbench.Core.Plans;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary>The flags of the one-experiment verbs (coldstart, boot, warm), turned into a plan that is validated like a file.</summary>
internal sealed class FlagPlan
{
    private readonly IReadOnlyList<string> _defaultRuntimes;

    public FlagPlan(IReadOnlyList<string> defaultRuntimes, string defaultTimeout, string trialWord, int defaultIterations = 20, int defaultWarmup = 2)
    {
        _defaultRuntimes = defaultRuntimes;
        Runtimes = new Option<string>("--runtimes")
        {
            Description = $"Comma-separated runtimes (default: {string.Join(",", defaultRuntimes)}; valid: {string.Join(",", RuntimeRegistry.ByName.Keys)})",
            HelpName = "LIST",
        };
        Iterations = new Option<int>("--iterations", "-n") { Description = $"Measured {trialWord} per runtime", DefaultValueFactory = _ => defaultIterations };
        Iterations.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 1 or > 100_000) r.AddError("--iterations must be from 1 to 100000"); });
        Warmup = new Option<int>("--warmup") { Description = $"Warm-up {trialWord} per runtime (stored, flagged, not in statistics)", DefaultValueFactory = _ => defaultWarmup };
        Warmup.Validators.Add(r => { if (r.GetValueOrDefault<int>() is < 0 or > 10_000) r.AddError("--warmup must be from 0 to 10000"); });
        Timeout = new Option<string>("--timeout") { Description = "Per-trial limit", DefaultValueFactory = _ => defaultTimeout, HelpName = "DURATION" };
        Timeout.Validators.Add(r => { if (!Durations.TryParse(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError("--timeout takes a duration such as 500ms or 30s"); });
    }

    public Option<string> Runtimes { get; }
    public Option<int> Iterations { get; }
    public Option<int> Warmup { get; }
    public Option<string> Timeout { get; }

    public IEnumerable<Option> Options => [Runtimes, Iterations, Warmup, Timeout];

    /// <summary><c>--workload</c>, for the verbs that run any workload (coldstart, warm): the caller adds it and passes its value to <see cref="BuildFor"/>.</summary>
    public static Option<string> WorkloadOption(App app)
    {
        var o = new Option<string>("--workload")
        {
            Description = $"Workload to run ({string.Join(", ", app.SingleWorkloads)}; the application flows run with 'sandbench flow')",
            DefaultValueFactory = _ => "hello",
            HelpName = "NAME",
        };
        o.AcceptOnlyFromAmong([.. app.SingleWorkloads]);
        return o;
    }

    /// <summary>A plan of one experiment section; <paramref name="extra"/> are further keys of the section (already YAML).</summary>
    public Plan Build(ParseResult r, App app, string experiment, params string[] extra) => BuildFor(r, app, experiment, "hello", extra);

    /// <summary>The same with the workload the section runs.</summary>
    public Plan BuildFor(ParseResult r, App app, string experiment, string workload, params string[] extra)
    {
        var names = (r.GetValue(Runtimes)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [.. _defaultRuntimes]).ToList();
        var unknown = names.Where(n => !RuntimeRegistry.ByName.ContainsKey(n)).ToList();
        if (unknown.Count > 0 || names.Count == 0)
            throw new SandbenchException([.. (names.Count == 0 ? ["--runtimes: no runtime given"] : unknown.Select(u => $"--runtimes: unknown runtime '{u}'"))
                .Select(m => $"{m} (valid: {string.Join(", ", RuntimeRegistry.ByName.Keys)})")]);
        var yaml = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"name: {experiment}")
            .AppendLine(CultureInfo.InvariantCulture, $"runtimes: [{string.Join(", ", names.Distinct())}]")
            .AppendLine(CultureInfo.InvariantCulture, $"workloads: [{workload}]")
            .AppendLine("experiments:")
            .AppendLine(CultureInfo.InvariantCulture, $"  - type: {experiment}")
            .AppendLine(CultureInfo.InvariantCulture, $"    iterations: {r.GetValue(Iterations)}")
            .AppendLine(CultureInfo.InvariantCulture, $"    warmup: {r.GetValue(Warmup)}")
            .AppendLine(CultureInfo.InvariantCulture, $"    timeout: {r.GetValue(Timeout)}");
        foreach (var line in extra) yaml.AppendLine(CultureInfo.InvariantCulture, $"    {line}");
        return PlanLoader.Load(yaml.ToString(), "command line", app.PlanCatalog);
    }
}
