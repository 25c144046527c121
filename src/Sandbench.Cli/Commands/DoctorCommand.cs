using Sandbench.Cli.Rendering;
using System.CommandLine;
using System.Text.Json;
using Sandbench.Core.Runtimes;
using Sandbench.Runtimes;
using Spectre.Console;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench doctor</c>: which runtimes work here, and what makes figures unstable.</summary>
internal static class DoctorCommand
{
    public static Command Build(App app)
    {
        var json = Opts.Json();
        var kubeconfig = Opts.Kubeconfig();
        var cmd = new Command("doctor", "Show every runtime (installed, version, usable or why not, how to install), the language workloads' toolchains, and host tuning") { json, kubeconfig };
        cmd.SetAction(async (r, ct) =>
        {
            app.Kubeconfig = r.GetValue(kubeconfig);
            var probes = new List<RuntimeProbe>();
            foreach (var profile in RuntimeRegistry.BuiltIn)
                probes.Add(await app.Runtime(profile).ProbeAsync(app.Workloads, ct).ConfigureAwait(false));
            var host = app.Host.Capture(App.Version);
            var warnings = app.Host.Warnings();
            var toolchains = Workloads.WorkloadCatalog.Toolchains()
                .Select(c => new { workload = c.Workload, found = c.Path is not null, path = c.Path, problem = c.Path is null ? c.Problem : null }).ToList();
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { runtimes = probes, toolchains, host, warnings }, JsonOutput.Options));
                return 0;
            }
            var t = new Table().Title("runtimes");
            t.AddColumns("runtime", "kind", "installed", "version", "usable", "why not", "install");
            foreach (var p in probes)
                t.AddRow(Markup.Escape(p.Name), p.Kind, p.Installed ? "yes" : "[red]no[/]", Markup.Escape(p.Version ?? "–"),
                    p.Usable ? "[green]yes[/]" : "[red]no[/]", Markup.Escape(p.Reason ?? ""), Markup.Escape(p.InstallHint));
            AnsiConsole.Write(t);
            // A language workload whose toolchain is missing is not an error until a plan asks for it.
            var w = new Table().Title("workload toolchains");
            w.AddColumns("workload", "toolchain", "missing");
            foreach (var c in toolchains)
                w.AddRow(Markup.Escape(c.workload), Markup.Escape(c.path ?? "–"), c.problem is null ? "" : "[red]" + Markup.Escape(c.problem) + "[/]");
            AnsiConsole.Write(w);
            var h = new Table().Title("host");
            h.AddColumn("setting");
            h.AddColumn("value");
            h.AddColumn("note");
            foreach (var (k, v) in host)
                h.AddRow(Markup.Escape(k), Markup.Escape(v), Markup.Escape(warnings.FirstOrDefault(w => w.Setting == k)?.Advice ?? ""));
            AnsiConsole.Write(h);
            return 0;
        });
        return cmd;
    }
}
