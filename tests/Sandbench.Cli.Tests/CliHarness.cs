using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Sandbench.Cli.Tests;

/// <summary>
/// Runs the real <c>sandbench</c> executable as a user would, in a private directory with its own
/// results file, ledger (SANDBENCH_STATE) and scratch root (TMPDIR); artifacts use the shared cache.
/// </summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        Dir = Directory.CreateTempSubdirectory("sandbench-cli-test-").FullName;
        Directory.CreateDirectory(StateDir);
        Directory.CreateDirectory(TmpDir);
    }

    public string Dir { get; }

    public string Db => Path.Combine(Dir, "results.db");

    public string StateDir => Path.Combine(Dir, "state");

    public string TmpDir => Path.Combine(Dir, "tmp");

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "sandbench");

    public ProcessStartInfo StartInfo(params string[] args)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Dir,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SANDBENCH_STATE"] = StateDir;
        psi.Environment["TMPDIR"] = TmpDir;
        return psi;
    }

    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var p = Process.Start(StartInfo(args))!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    public string WritePlan(string yaml)
    {
        string path = Path.Combine(Dir, "plan.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Reads the results file directly, as any SQLite client would.</summary>
    public List<T> Query<T>(string sql, Func<SqliteDataReader, T> map)
    {
        using var c = new SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(map(r));
        return list;
    }

    public static bool IsRoot => Environment.UserName == "root";

    public static bool Installed(string binary) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, binary)));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Reads a child's stdout line by line, so a test can wait for what the tool says (an event, not a time).</summary>
public sealed class LineWatcher
{
    private readonly List<string> _lines = [];
    private readonly StringBuilder _all = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LineWatcher(StreamReader reader) => Pump = Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_lines)
            {
                _lines.Add(line);
                _all.AppendLine(line);
                _changed.TrySetResult();
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
        lock (_lines) _changed.TrySetResult();
    });

    public Task Pump { get; }

    public string Text
    {
        get
        {
            lock (_lines) return _all.ToString();
        }
    }

    public async Task WaitForAsync(Func<IReadOnlyList<string>, bool> condition, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                if (condition(_lines)) return;
                if (Pump.IsCompleted) throw new InvalidOperationException("the tool exited first; it said:\n" + _all);
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the tool did not say it within {limit}; it said:\n{Text}");
            }
        }
    }
}
