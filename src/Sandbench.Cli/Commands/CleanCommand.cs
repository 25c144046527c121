using System.CommandLine;
using Sandbench.Core.Execution;
using Sandbench.Kubernetes;
using Sandbench.Kubernetes.OpenFaas;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench clean [RUN]</c>: removes sandboxes and scratch files left by interrupted or killed runs.</summary>
internal static class CleanCommand
{
    public static Command Build(App app)
    {
        var run = new Argument<string?>("run") { Description = "Only what this run left (default: every run that is no longer alive)", Arity = ArgumentArity.ZeroOrOne };
        var kubernetes = new Option<bool>("--kubernetes") { Description = "Also delete the Knative Services runs left on the cluster (found by their run label)" };
        var ns = new Option<string>("--namespace") { Description = "Namespace of the Knative Services (with --kubernetes)", DefaultValueFactory = _ => "default" };
        var context = new Option<string?>("--context") { Description = "Kubeconfig context (with --kubernetes; default: the current one)" };
        var kubeconfig = Opts.Kubeconfig();
        var openfaas = new Option<bool>("--openfaas") { Description = "Also delete the OpenFaaS functions runs left behind the gateway (found by their run label)" };
        var gateway = new Option<string?>("--gateway")
        {
            Description = "The OpenFaaS gateway's URL (with --openfaas; default: the openfaas profile's, http://127.0.0.1:8080; password from OPENFAAS_PASSWORD)",
        };
        var cmd = new Command("clean", "Remove sandboxes, processes and temp dirs left by interrupted or killed runs")
        {
            run, kubernetes, ns, context, kubeconfig, openfaas, gateway,
        };
        cmd.SetAction(async (r, ct) =>
        {
            var lines = await Cleaner.CleanAsync(app.Ledger, r.GetValue(run), RunDirectory.IsActive, ct).ConfigureAwait(false);
            if (r.GetValue(kubernetes))
                lines = [.. lines, .. await ClusterCleaner.CleanAsync(r.GetValue(kubeconfig), r.GetValue(context), r.GetValue(ns)!, r.GetValue(run),
                    RunDirectory.IsActive, ct).ConfigureAwait(false)];
            if (r.GetValue(openfaas))
            {
                var profile = RuntimeRegistry.Get("openfaas");
                if (r.GetValue(gateway) is { } g) profile = profile.With(new Dictionary<string, string> { ["gateway"] = g });
                lines = [.. lines, .. await OpenFaasCleaner.CleanAsync(profile, r.GetValue(run), RunDirectory.IsActive, ct).ConfigureAwait(false)];
            }
            foreach (var id in RunDirectory.RemoveStale()) lines = [.. lines, $"removed scratch directory of run {id}"];
            foreach (var l in lines) Console.WriteLine(l);
            if (lines.Count == 0) Console.WriteLine("nothing to clean");
            return lines.Any(l => l.StartsWith("could not", StringComparison.Ordinal)) ? 1 : 0;
        });
        return cmd;
    }
}
