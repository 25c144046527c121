using System.CommandLine;
using Sandbench.Core.Plans;
using Sandbench.Runtimes;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench syscall</c>: ns per system call of the syscall workload in each runtime, from flags.</summary>
internal static class SyscallCommand
{
    public static Command Build(App app)
    {
        string[] host = ["process", "bwrap", "runc", "runsc"];
        var flags = new FlagPlan([.. host.Where(RuntimeRegistry.ByName.ContainsKey)], "120s", "runs of the workload", defaultIterations: 5, defaultWarmup: 1);
        var minTime = new Option<string>("--min-time")
        {
            Description = "Least time each operation's calibrated loop runs (its count doubles until one loop lasts this long)",
            DefaultValueFactory = _ => "20ms",
            HelpName = "DURATION",
        };
        minTime.Validators.Add(r => { if (!Durations.TryParse(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError("--min-time takes a duration such as 20ms"); });
        var db = Opts.Db();
        var strict = Opts.Strict();
        var cmd = new Command("syscall",
            "Run the syscall workload to completion in each runtime: ns per getpid (libc and raw), clock_gettime, open+close, stat, 4 KiB read and write, pipe round trip, mmap+munmap, socket+close, fork+wait, with the ratio to a plain process");
        foreach (var o in flags.Options) cmd.Options.Add(o);
        cmd.Options.Add(minTime);
        cmd.Options.Add(db);
        cmd.Options.Add(strict);
        cmd.SetAction((r, ct) =>
        {
            var plan = flags.BuildFor(r, app, "syscall", "syscall", $"min-time: {r.GetValue(minTime)}");
            return RunCommand.Execute(app, plan, r.GetValue(db)!, r.GetValue(strict), ct);
        });
        return cmd;
    }
}
