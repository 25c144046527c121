using System.CommandLine;
using Sandbench.Core.Plans;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench imagepull</c>: build an image, serve it from a local registry, pull it with Sandbench's client, per-layer breakdown.</summary>
internal static class ImagePullCommand
{
    public static Command Build(App app)
    {
        var flags = new FlagPlan(["process"], "300s", "pulls", defaultIterations: 5, defaultWarmup: 1);
        var padding = new Option<string>("--padding") { Description = "Random (incompressible) bytes spread over the layers, beside the workload's root filesystem", DefaultValueFactory = _ => "16MiB", HelpName = "SIZE" };
        padding.Validators.Add(r => { if (!PlanLoader.TryParseSize(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError("--padding takes a size such as 16MiB"); });
        var layers = new Option<int>("--layers") { Description = "Layers of the image (1 to 128)", DefaultValueFactory = _ => 4 };
        var pull = new Option<string>("--pull") { Description = "serial (one layer after the other), concurrent (all layers fetched, verified, decompressed at once; unpacked in order), or containerd (a private containerd daemon: ctr content fetch, then ctr images pull to unpack)", DefaultValueFactory = _ => "serial" };
        pull.AcceptOnlyFromAmong("serial", "concurrent", "containerd");
        var security = new Option<string>("--security")
        {
            Description = "Comma-separated security levels, one breakdown each: plain, signed (manifest signature verified before the layers), encrypted (ocicrypt layers decrypted), signed+encrypted",
            DefaultValueFactory = _ => "plain",
            HelpName = "LIST",
        };
        var compression = new Option<string>("--compression") { Description = "How the layers are compressed: gzip (tar+gzip) or zstd (tar+zstd)", DefaultValueFactory = _ => "gzip" };
        compression.AcceptOnlyFromAmong("gzip", "zstd");
        var db = Opts.Db();
        var strict = Opts.Strict();
        var cmd = new Command("imagepull",
            "Build an OCI image (workload rootfs + random padding, gzip or zstd layers), serve it from docker-registry on 127.0.0.1, pull it with Sandbench's own client: fetch, verify, decompress, unpack per layer");
        foreach (var o in flags.Options) cmd.Options.Add(o);
        cmd.Options.Add(padding);
        cmd.Options.Add(layers);
        cmd.Options.Add(pull);
        cmd.Options.Add(security);
        cmd.Options.Add(compression);
        cmd.Options.Add(db);
        cmd.Options.Add(strict);
        cmd.SetAction((r, ct) =>
        {
            var plan = flags.BuildFor(r, app, "imagepull", "hello", $"padding: {r.GetValue(padding)}", $"layers: {r.GetValue(layers)}", $"pull: {r.GetValue(pull)}", $"compression: {r.GetValue(compression)}",
                $"security: [{string.Join(", ", r.GetValue(security)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(l => $"'{l}'"))}]");
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }
}
