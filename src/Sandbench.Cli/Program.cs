using System.CommandLine;
using System.Runtime.InteropServices;
using Sandbench.Cli;
using Sandbench.Cli.Commands;
using Sandbench.Core;
using Spectre.Console;

// Redirected output (logs, CI) gets wide tables instead of Spectre's 80-column default.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;
var app = new App();
var root = new RootCommand("Sandbench: what it costs to run a serverless function in an isolation sandbox")
{
    RunCommand.Build(app),
    ColdStartCommand.Build(app),
    BootCommand.Build(app),
    SyscallCommand.Build(app),
    FlowCommand.Build(app),
    ImagePullCommand.Build(app),
    WarmCommand.Build(app),
    DoctorCommand.Build(app),
    RunsCommand.Build(),
    ShowCommand.Build(),
    CleanCommand.Build(app),
    PlansCommand.Build(app),
    ArtifactCommand.Build(app),
    LoadCommand.Build(),
    CompareCommand.Build(),
    ExportCommand.Build(),
    ReportCommand.Build(),
    SinkCommand.Build(app),
    EventingCommand.Build(app),
    GatewayCommand.Build(app),
    CommunityCommand.Build(app),
};

var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    foreach (var e in parse.Errors) Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("(see 'sandbench --help')");
    return ExitCodes.BadInput;
}

// First SIGINT/SIGTERM: cancel, dispose every live sandbox, keep finished trials.
// Second: leave at once; 'sandbench clean' removes what is left.
using var cts = new CancellationTokenSource();
int signals = 0;
void OnSignal(PosixSignalContext ctx)
{
    ctx.Cancel = true;
    if (Interlocked.Increment(ref signals) > 1)
    {
        Console.Error.WriteLine("interrupted twice: leaving now; run 'sandbench clean' to remove what is left");
        Environment.Exit(ExitCodes.Interrupted);
    }
    Console.Error.WriteLine("interrupting: tearing down live sandboxes (Ctrl+C again to leave at once)");
    cts.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

try
{
    int code = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, cts.Token);
    return cts.IsCancellationRequested && code == ExitCodes.Ok ? ExitCodes.Interrupted : code;
}
catch (SandbenchException e)
{
    foreach (var p in e.Problems) Console.Error.WriteLine($"error: {p}");
    return e.ExitCode;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("interrupted");
    return ExitCodes.Interrupted;
}
