using System.CommandLine;
using Sandbench.Core;
using Sandbench.Runtimes.Oci;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench artifact WORKLOAD</c>: builds a workload and says where it is, to measure it with other tools.</summary>
internal static class ArtifactCommand
{
    public static Command Build(App app)
    {
        var workload = new Argument<string>("workload") { Description = "Workload name (" + string.Join(", ", app.Workloads.Workloads) + ")" };
        var bundle = new Option<string?>("--oci-bundle") { Description = "Also write the OCI bundle Sandbench's oci runtimes get (socket activation) here", HelpName = "DIR" };
        var cmd = new Command("artifact", "Build a workload (cached) and print its binary, root filesystem and hash") { workload, bundle };
        cmd.SetAction(async (r, ct) =>
        {
            string name = r.GetValue(workload)!;
            if (!app.Workloads.Workloads.Contains(name))
                throw new SandbenchException($"unknown workload '{name}' (valid: {string.Join(", ", app.Workloads.Workloads)})");
            var a = await app.Workloads.GetAsync(name, ct).ConfigureAwait(false);
            Console.WriteLine($"binary  {a.BinaryPath}");
            Console.WriteLine($"rootfs  {a.RootfsPath}");
            Console.WriteLine($"args    {string.Join(' ', a.LeadingArgs)}");
            Console.WriteLine($"hash    {a.ContentHash}");
            Console.WriteLine($"bytes   {a.SizeBytes}");
            if (r.GetValue(bundle) is { } dir) Console.WriteLine($"bundle  {OciBundles.WriteSocketActivated(Path.GetFullPath(dir), a)}");
            return 0;
        });
        return cmd;
    }
}
