using System.Diagnostics;
using System.Text;

namespace Sandbench.Runtimes.Native;

/// <summary>The outcome of a short command.</summary>
internal sealed record CommandResult(int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    /// <summary>The most telling line of the output, for one-line error messages.</summary>
    public string Reason()
    {
        if (TimedOut) return "timed out";
        string text = Stderr.Trim().Length > 0 ? Stderr : Stdout;
        return Lines.LastMeaningful(text) ?? $"exit code {ExitCode}";
    }
}

/// <summary>Short helper commands (versions, probes, teardown): argument lists, never a shell, always a timeout.</summary>
internal static class Command
{
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout, CancellationToken ct = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        try
        {
            p.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new CommandResult(127, "", $"cannot run {file}: {e.Message}", false);
        }
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await p.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return new CommandResult(-1, stdout.ToString(), stderr.ToString(), true);
        }
        return new CommandResult(p.ExitCode, stdout.ToString(), stderr.ToString(), false);
    }
}

internal static partial class Lines
{
    // runc, runsc and containerd log as logfmt: the message is the part worth a one-line error.
    [System.Text.RegularExpressions.GeneratedRegex("msg=\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial System.Text.RegularExpressions.Regex LogfmtMessage();

    public static string? LastMeaningful(string text)
    {
        string? line = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        if (line is null) return null;
        var m = LogfmtMessage().Match(line);
        return m.Success ? m.Groups[1].Value.Replace("\\\"", "\"", StringComparison.Ordinal) : line;
    }

    /// <summary>The last line of a file the sandbox wrote (its stderr), for error messages.</summary>
    public static string? TailOf(string path)
    {
        try
        {
            return File.Exists(path) ? LastMeaningful(File.ReadAllText(path)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
