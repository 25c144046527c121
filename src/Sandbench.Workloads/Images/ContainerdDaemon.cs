using System.Diagnostics;
using Sandbench.Core;
using Sandbench.Core.Host;
using Sandbench.Core.Images;
using Sandbench.Core.Timing;

namespace Sandbench.Workloads.Images;

/// <summary>
/// A private containerd (own root, state and socket under a directory it owns; CRI disabled) for pulling the
/// same image the way container engines do. Disposing it kills the daemon by its process id, unmounts anything
/// left under its directory and removes the directory.
/// </summary>
public sealed class ContainerdDaemon : IAsyncDisposable
{
    private const string Namespace = "sandbench";
    private readonly Process _process;
    private readonly string _dir;
    private readonly string _ctr;

    private ContainerdDaemon(Process process, string dir, string ctr)
    {
        _process = process;
        _dir = dir;
        _ctr = ctr;
    }

    private string Socket => Path.Combine(_dir, "containerd.sock");

    public static async Task<ContainerdDaemon> StartAsync(TimeSpan timeout, CancellationToken ct)
    {
        string bin = Executables.Find("containerd") ?? throw new ImagePullException("containerd not found (apt-get install containerd)");
        string ctr = Executables.Find("ctr") ?? throw new ImagePullException("ctr not found (apt-get install containerd)");
        string dir = Directory.CreateTempSubdirectory("sandbench-containerd-").FullName;
        Process? process = null;
        try
        {
            string config = Path.Combine(dir, "config.toml");
            await File.WriteAllTextAsync(config, $"""
                version = 2
                root = "{Path.Combine(dir, "root")}"
                state = "{Path.Combine(dir, "state")}"
                [grpc]
                  address = "{Path.Combine(dir, "containerd.sock")}"
                [plugins."io.containerd.grpc.v1.cri"]
                  disable = true

                """, ct).ConfigureAwait(false);
            var psi = new ProcessStartInfo(bin) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("--config");
            psi.ArgumentList.Add(config);
            process = Process.Start(psi) ?? throw new ImagePullException("cannot start containerd");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var daemon = new ContainerdDaemon(process, dir, ctr);
            long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                if (process.HasExited) throw new ImagePullException($"containerd exited with code {process.ExitCode} before it answered");
                if (File.Exists(daemon.Socket))
                {
                    try
                    {
                        await BuildTools.RunAsync(ctr, ["-a", daemon.Socket, "version"], ct).ConfigureAwait(false);
                        return daemon;
                    }
                    catch (SandbenchException)
                    {
                        // The socket exists before the daemon serves on it.
                    }
                }
                if (Environment.TickCount64 > deadline) throw new ImagePullException($"containerd did not answer within {timeout.TotalSeconds:0.#} s");
                // containerd signals nothing when it serves: poll every 5 ms (its start is not what is measured).
                await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, ct).ConfigureAwait(false);
            }
        }
        catch
        {
            BuildTools.Stop(process);
            Remove(dir);
            throw;
        }
    }

    /// <summary>
    /// <c>ctr content fetch</c> (every blob into the content store: fetch and verify), then <c>ctr images pull</c> of the
    /// now local content (resolve and unpack into a snapshot), each timed from spawning ctr to its exit.
    /// </summary>
    public async Task<(long FetchNs, long UnpackNs)> PullAsync(string reference, MonotonicClock clock, CancellationToken ct)
    {
        long t0 = clock.NowNs();
        await Ctr(["content", "fetch", "--plain-http", reference], ct).ConfigureAwait(false);
        long t1 = clock.NowNs();
        await Ctr(["images", "pull", "--plain-http", reference], ct).ConfigureAwait(false);
        return (t1 - t0, clock.NowNs() - t1);
    }

    private async Task Ctr(IEnumerable<string> args, CancellationToken ct)
    {
        try
        {
            await BuildTools.RunAsync(_ctr, ["-a", Socket, "-n", Namespace, .. args], ct).ConfigureAwait(false);
        }
        catch (SandbenchException e)
        {
            throw new ImagePullException($"containerd: {e.Message.Replace("building an artifact failed: ", "", StringComparison.Ordinal)}");
        }
    }

    public ValueTask DisposeAsync()
    {
        BuildTools.Stop(_process);
        _process.Dispose();
        Remove(_dir);
        return ValueTask.CompletedTask;
    }

    /// <summary>Unmounts what the daemon left mounted under <paramref name="dir"/> (deepest first), then removes it.</summary>
    private static void Remove(string dir)
    {
        var mounts = File.ReadAllLines("/proc/self/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 1)
            .Select(f => f[1].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(m => m.StartsWith(dir + "/", StringComparison.Ordinal)).OrderByDescending(m => m.Length).ToList();
        foreach (var m in mounts)
        {
            using var u = Process.Start(new ProcessStartInfo("umount", ["-l", m]) { UseShellExecute = false });
            u?.WaitForExit();
        }
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
