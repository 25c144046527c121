using System.CommandLine;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench boot</c>: precise guest boot timing (time to boot, time to run, image size, memory) from flags.</summary>
internal static class BootCommand
{
    public static Command Build(App app)
    {
        var vms = RuntimeRegistry.BuiltIn.Where(p => RuntimeKinds.Vm.Contains(p.Kind)).Select(p => p.Name).ToList();
        var flags = new FlagPlan(vms, "60s", "boots");
        var interval = new Option<string>("--sample-interval") { Description = "How often the memory of the sandbox's processes is read", DefaultValueFactory = _ => "10ms", HelpName = "DURATION" };
        interval.Validators.Add(r => { if (!Durations.TryParse(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError("--sample-interval takes a duration such as 10ms"); });
        var db = Opts.Db();
        var strict = Opts.Strict();
        var cmd = new Command("boot",
            "Boot a guest that runs 'hello --probe' and powers off: time to boot (cont → init), time to run (spawn → VMM exit), image size, VMM memory over time");
        foreach (var o in flags.Options) cmd.Options.Add(o);
        cmd.Options.Add(interval);
        cmd.Options.Add(db);
        cmd.Options.Add(strict);
        cmd.SetAction((r, ct) =>
        {
            var plan = flags.Build(r, app, "boot", $"sample-interval: {r.GetValue(interval)}");
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }
}
