using System.CommandLine;

namespace Sandbench.Cli.Commands;

/// <summary>Options several verbs share.</summary>
internal static class Opts
{
    public static Option<string> Db() => new("--db")
    {
        Description = "SQLite results file",
        DefaultValueFactory = _ => "sandbench.db",
        HelpName = "FILE",
    };

    public static Option<string?> Kubeconfig() => new("--kubeconfig")
    {
        Description = "Kubeconfig of the cluster for knative runtimes (default: the profile's, KUBECONFIG, ~/.kube/config, in-cluster)",
        HelpName = "FILE",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of tables" };

    public static Option<bool> Strict() => new("--strict")
    {
        Description = "Fail (exit 3) when a runtime of the plan is not usable, instead of skipping it",
    };

    /// <summary>The command as given, stored as the run's plan text (an argument with a space in quotes).</summary>
    public static string CommandLine(ParseResult r) =>
        "sandbench " + string.Join(' ', r.Tokens.Select(t => t.Value.Any(char.IsWhiteSpace) ? $"'{t.Value}'" : t.Value));
}
