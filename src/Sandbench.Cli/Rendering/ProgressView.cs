using System.Globalization;
using Sandbench.Core.Execution;
using Sandbench.Core.Experiments;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Stats;
using Sandbench.Core.Storage;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>A progress bar while a run goes (plain lines when the output is not a terminal).</summary>
internal static class ProgressView
{
    public static async Task<RunResult> RunAsync(Func<IRunObserver, Task<RunResult>> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return await run(new PlainObserver()).ConfigureAwait(false);
        RunResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx => result = await run(new BarObserver(ctx)).ConfigureAwait(false))
            .ConfigureAwait(false);
        return result!;
    }

    private static void Skipped(RuntimeProbe p) =>
        AnsiConsole.MarkupLineInterpolated($"[yellow]skipping {p.Name}[/]: {p.Reason} ([grey]{p.InstallHint}[/])");

    /// <summary>The trial's headline figure (cold start; a boot's time to run and time to boot), or why it failed.</summary>
    private static string Line(TrialRecord r) => r.Status != TrialStatus.Ok ? $"{r.Status.ToString().ToLowerInvariant()}: {r.Error}"
        : r.Experiment == "scale" ? Step(r)
        : r.Experiment == Eventing.Experiment ? string.Create(CultureInfo.InvariantCulture,
            $"{r.Sample("events") ?? 0:0} of {r.Sample("sent") ?? 0:0} events back, delivery p50 {r.Sample("delivery_p50_ns") / 1e6:0.000} ms, p99 {r.Sample("delivery_p99_ns") / 1e6:0.000} ms" +
            $"{(r.Sample("lost") is > 0 and var lost ? $", {lost} lost" : "")}")
        : r.Experiment == "density" ? string.Create(CultureInfo.InvariantCulture,
            $"{r.Sample(DensityExperiment.MaxMetric) ?? 0:0} at once; stopped by {r.Parameters.GetValueOrDefault("stop")}: {r.Parameters.GetValueOrDefault("stop_reason")}")
        : r.Sample(ColdStartExperiment.Metric) is { } ns ? string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.00} ms")
        : r.Sample(BootExperiment.RunMetric) is { } run ? string.Create(CultureInfo.InvariantCulture,
            $"run {run / 1e6:0.0} ms{(r.Sample(BootExperiment.BootMetric) is { } boot ? $", boot {boot / 1e6:0.0} ms" : "")}")
        : r.Sample(WarmExperiment.AchievedRateMetric) is { } achieved ? string.Create(CultureInfo.InvariantCulture,
            $"{achieved:0.0} req/s, p50 {r.Sample("corrected_p50_ns") / 1e6:0.000} ms, p99 {r.Sample("corrected_p99_ns") / 1e6:0.000} ms" +
            $"{(r.Sample("errors") is > 0 and var e ? $", {e} errors" : "")}{(r.Sample("dropped") is > 0 and var d ? $", {d} dropped" : "")}")
        : "ok";

    /// <summary>The trial's load point (warm), e.g. " @100 req/s"; empty for other experiments.</summary>
    private static string Point(TrialPlan t) => t.Rate is { } rate ? string.Create(CultureInfo.InvariantCulture, $" @{rate:0.###} {(t.Spec.Type == Eventing.Experiment ? "events" : "req")}/s")
        : t.Spec.Load is { } load ? $" closed ×{load.Connections}" : "";

    /// <summary>A scale step: how many answered, and how long until all were ready; why the ladder broke.</summary>
    private static string Step(TrialRecord r)
    {
        double n = r.Sample(ScaleExperiment.TargetMetric) ?? 0, answered = r.Sample(ScaleExperiment.AnsweredMetric) ?? 0;
        string line = string.Create(CultureInfo.InvariantCulture, $"N={n:0}: {answered:0}/{n:0} answered");
        if (r.Sample(ScaleExperiment.AllReadyMetric) is { } all) line += string.Create(CultureInfo.InvariantCulture, $", all ready in {all / 1e6:0.0} ms");
        if (r.Parameters.GetValueOrDefault("break_reason") is { } why) line += $"; the ladder broke: {why}";
        return line;
    }

    private static string Describe(TrialPlan t) =>
        t.Count is { } n ? $"{t.Runtime.Name} {t.Workload} N={n}" : $"{t.Runtime.Name} {t.Workload}{Point(t)} #{t.Iteration}";

    private sealed class BarObserver(ProgressContext ctx) : IRunObserver
    {
        private ProgressTask? _task;

        public void RuntimeSkipped(RuntimeProbe probe) => Skipped(probe);

        public void RunStarted(RunInfo run, int trials) =>
            _task = ctx.AddTask($"run {run.Id}", maxValue: trials);

        public void TrialFinished(TrialPlan trial, TrialRecord record)
        {
            if (_task is null) return;
            _task.Increment(1);
            _task.Description = Markup.Escape($"{Describe(trial)}{(trial.Warmup ? " (warm-up)" : "")}: {Line(record)}");
        }

        public void TrialSkipped(TrialPlan trial, string reason)
        {
            if (_task is null) return;
            _task.Increment(1);
            _task.Description = Markup.Escape($"{Describe(trial)}: skipped ({reason})");
        }

        public void CleanupProblem(string line) => Console.Error.WriteLine($"warning: {line}");
    }

    /// <summary>One line per trial: logs keep every figure, and a reader can follow along.</summary>
    private sealed class PlainObserver : IRunObserver
    {
        private int _total, _done;

        public void RuntimeSkipped(RuntimeProbe probe) => Skipped(probe);

        public void RunStarted(RunInfo run, int trials)
        {
            _total = trials;
            Console.WriteLine($"run {run.Id}: {trials} trials");
        }

        public void TrialFinished(TrialPlan trial, TrialRecord record) =>
            Console.WriteLine($"[{++_done}/{_total}] {Describe(trial)}{(trial.Warmup ? " (warm-up)" : "")}: {Line(record)}");

        public void TrialSkipped(TrialPlan trial, string reason) =>
            Console.WriteLine($"[{++_done}/{_total}] {Describe(trial)}: skipped ({reason})");

        public void CleanupProblem(string line) => Console.Error.WriteLine($"warning: {line}");
    }
}
