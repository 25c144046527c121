using System.Net.Sockets;
using Sandbench.Core;
using Sandbench.Core.Host;

namespace Sandbench.Workloads.Retail;

/// <summary>
/// A MariaDB server of its own on 127.0.0.1: a data directory copied from a cached, bootstrapped
/// template (the system tables only), the seed SQL run at start (<c>--init-file</c>: database, user,
/// tables, rows), no configuration file read, no socket or port shared with a system server.
/// </summary>
internal static class MariaDb
{
    public const string InstallHint = "apt-get install mariadb-server-core";

    private static readonly string[] SystemTables = ["mysql_system_tables.sql", "mysql_system_tables_data.sql"];

    /// <summary>The server's binary, or a SandbenchException with the install hint.</summary>
    public static string Binary() =>
        File.Exists("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd"
        : Executables.Find("mariadbd") ?? throw new SandbenchException($"mariadbd not found: the application flows need MariaDB ({InstallHint})",
            ExitCodes.RuntimeUnavailable);

    /// <summary>
    /// Options every start shares: no option file, small logs (the data directory is thrown away), loopback only,
    /// no name resolution (the flows' user is <c>'…'@'127.0.0.1'</c>).
    /// </summary>
    private static string[] Common(string dataDir) =>
        ["--no-defaults", $"--datadir={dataDir}", "--user=root", "--innodb-log-file-size=8M", "--innodb-buffer-pool-size=64M",
         "--performance-schema=OFF", "--skip-name-resolve"];

    /// <summary>The bootstrapped data directory for this server's version (built once into the artifact cache).</summary>
    public static async Task<string> TemplateAsync(string cacheDir, string binary, CancellationToken ct)
    {
        string version = (await BuildTools.RunAsync(binary, ["--version"], ct).ConfigureAwait(false)).Trim();
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(version)))[..16];
        string dir = await CachedBuild.EnsureAsync(cacheDir, $"mariadb-datadir-{hash}", "complete", async tmp =>
        {
            string data = Path.Combine(tmp, "data");
            Directory.CreateDirectory(data);
            // What mariadb-install-db feeds the server: the system tables and their rows (its helper tools are not needed).
            string share = "/usr/share/mysql";
            var sql = new System.Text.StringBuilder("CREATE DATABASE IF NOT EXISTS mysql;\nUSE mysql;\n");
            foreach (var f in SystemTables)
            {
                string path = Path.Combine(share, f);
                if (!File.Exists(path)) throw new SandbenchException($"{path} not found: MariaDB's system tables ({InstallHint})", ExitCodes.RuntimeUnavailable);
                sql.Append(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false)).Append('\n');
            }
            string script = Path.Combine(tmp, "bootstrap.sql");
            await File.WriteAllTextAsync(script, sql.ToString(), ct).ConfigureAwait(false);
            string log = Path.Combine(tmp, "bootstrap.log");
            try
            {
                await BuildTools.RunAsync("/bin/sh", ["-c", "exec \"$0\" \"$@\" < \"$SQL\"", binary, .. Common(data), "--bootstrap", $"--log-error={log}"], ct,
                    env: new Dictionary<string, string?> { ["SQL"] = script }).ConfigureAwait(false);
            }
            catch (SandbenchException e)
            {
                string said = File.Exists(log) ? File.ReadLines(log).LastOrDefault(l => l.Contains("ERROR", StringComparison.Ordinal)) ?? "" : "";
                throw new SandbenchException($"bootstrapping MariaDB's data directory failed: {said} ({e.Message})");
            }
            File.Delete(script);
            await File.WriteAllTextAsync(Path.Combine(tmp, "complete"), version, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return Path.Combine(dir, "data");
    }

    /// <summary>Copies the template into <paramref name="dir"/>, starts the server there, and returns once it greets a client.</summary>
    public static async Task<LocalDaemon> StartAsync(string binary, string template, string dir, int port, string seedSql, TimeSpan timeout,
        IReadOnlyDictionary<string, string?> env, CancellationToken ct)
    {
        string data = Path.Combine(dir, "data");
        Copy(template, data);
        string seed = Path.Combine(dir, "seed.sql"), log = Path.Combine(dir, "error.log");
        await File.WriteAllTextAsync(seed, seedSql, ct).ConfigureAwait(false);
        string[] args = [.. Common(data), $"--port={port}", "--bind-address=127.0.0.1", $"--socket={Path.Combine(dir, "mysqld.sock")}",
            $"--pid-file={Path.Combine(dir, "mysqld.pid")}", $"--init-file={seed}", $"--log-error={log}"];
        return await LocalDaemon.StartAsync("mariadbd", binary, args, c => GreetsAsync(port, c), timeout,
            (code, _) => new SandbenchException($"mariadbd exited with code {code} before it answered: {LastError(log)}"), ct, env).ConfigureAwait(false);
    }

    /// <summary>True once a connection gets the server's handshake (protocol 10): it accepts clients, and the seed has run.</summary>
    private static async Task<bool> GreetsAsync(int port, CancellationToken ct)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await s.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port), ct).ConfigureAwait(false);
            var head = new byte[5];
            int got = 0;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(TimeSpan.FromSeconds(5));
            while (got < head.Length)
            {
                int n = await s.ReceiveAsync(head.AsMemory(got), wait.Token).ConfigureAwait(false);
                if (n == 0) return false;
                got += n;
            }
            return head[4] == 10;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string LastError(string log) =>
        File.Exists(log) ? File.ReadLines(log).LastOrDefault(l => l.Contains("[ERROR]", StringComparison.Ordinal))?.Trim() ?? File.ReadLines(log).LastOrDefault() ?? "" : "";

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }
}
