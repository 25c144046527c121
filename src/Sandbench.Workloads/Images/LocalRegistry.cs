using System.Net;
using System.Net.Sockets;
using Sandbench.Core;
using Sandbench.Core.Host;
using Sandbench.Core.Images;
using Sandbench.Core.Runtimes;

namespace Sandbench.Workloads.Images;

/// <summary>
/// Debian's <c>docker-registry</c> (the CNCF distribution registry) on 127.0.0.1, with its own config and
/// storage under a directory it owns. Disposing it kills the daemon (by its process id) and removes the directory.
/// </summary>
public sealed class LocalRegistry : IAsyncDisposable
{
    private readonly LocalDaemon _daemon;
    private readonly string _dir;

    private LocalRegistry(LocalDaemon daemon, string dir, int port)
    {
        _daemon = daemon;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:PORT</c>, as image references spell it.</summary>
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>The blob store on disk (for fault tests that corrupt a blob).</summary>
    public string StorageDir => Path.Combine(_dir, "data");

    /// <summary>Starts the registry and returns once it answers <c>GET /v2/</c>.</summary>
    public static async Task<LocalRegistry> StartAsync(TimeSpan timeout, CancellationToken ct)
    {
        string bin = Executables.Find("docker-registry")
            ?? throw new ImagePullException("docker-registry not found (apt-get install docker-registry)");
        string dir = Directory.CreateTempSubdirectory("sandbench-registry-").FullName;
        LocalDaemon? daemon = null;
        try
        {
            int port = Loopback.FreePort();
            string config = Path.Combine(dir, "config.yml");
            await File.WriteAllTextAsync(config, $"""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: {Path.Combine(dir, "data")}
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:{port}

                """, ct).ConfigureAwait(false);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            string host = $"127.0.0.1:{port}";
            daemon = await LocalDaemon.StartAsync("docker-registry", bin, ["serve", config], async token =>
            {
                try
                {
                    using var r = await http.GetAsync($"http://{host}/v2/", token).ConfigureAwait(false);
                    return r.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            }, timeout, (code, said) => new ImagePullException($"docker-registry exited with code {code} before it answered: {said}"), ct).ConfigureAwait(false);
            return new LocalRegistry(daemon, dir, port);
        }
        catch
        {
            daemon?.Dispose();
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>Copies an OCI layout image into this registry with <c>skopeo copy</c> (plain HTTP).</summary>
    /// <param name="copyOptions">Further options of <c>skopeo copy</c> (e.g. <c>--encryption-key jwe:PUB.pem</c>); global options (before <c>copy</c>) in <paramref name="globalOptions"/>.</param>
    /// <param name="env">Further environment of skopeo (e.g. <c>GNUPGHOME</c> for <c>--sign-by</c>).</param>
    public async Task PushAsync(OciImage image, string repository, CancellationToken ct, IReadOnlyList<string>? copyOptions = null, IReadOnlyList<string>? globalOptions = null,
        IReadOnlyDictionary<string, string?>? env = null)
    {
        string skopeo = Executables.Find("skopeo") ?? throw new SandbenchException("skopeo not found (apt-get install skopeo)");
        await BuildTools.RunAsync(skopeo, [.. globalOptions ?? [], "copy", "--quiet", "--dest-tls-verify=false", .. copyOptions ?? [], $"oci:{image.LayoutDir}:{image.Tag}", $"docker://{Host}/{repository}:{image.Tag}"], ct, env: env)
            .ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _daemon.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }
}
