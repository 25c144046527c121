using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Sandbench.Core;
using Sandbench.Core.Host;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Workloads;

namespace Sandbench.Workloads.Retail;

/// <summary>
/// The application flows' backends (seed 001's MySQL pod and image server), started by Sandbench on
/// 127.0.0.1 for one trial and stopped with it: MariaDB with a fresh copy of a bootstrapped data
/// directory and the flows' seed, and Python's <c>http.server</c> serving one generated JPEG.
/// </summary>
/// <param name="cacheDir">The artifact cache (the bootstrapped data directory and the image are kept there).</param>
public sealed class RetailBackends(string cacheDir) : IFlowBackends
{
    public const string ImageName = "image.jpg";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    public async Task<IFlowServices> StartAsync(string name, string workDir, Artifact artifact, CancellationToken ct)
    {
        // The marker the sandboxes' own processes carry (SANDBENCH_SANDBOX), so 'sandbench clean' finds these after a crash.
        var marked = new Dictionary<string, string?> { ["SANDBENCH_SANDBOX"] = name + "-backends" };
        string mariadbd = MariaDb.Binary();
        string python = artifact.BinaryPath;
        var watch = Stopwatch.StartNew();
        string template = await MariaDb.TemplateAsync(cacheDir, mariadbd, ct).ConfigureAwait(false);
        string images = await ImageAsync(artifact, ct).ConfigureAwait(false);
        string user = "retail", password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        string dbDir = Path.Combine(workDir, "mariadb");
        Directory.CreateDirectory(dbDir);
        LocalDaemon? db = null, imageServer = null;
        try
        {
            int dbPort = Loopback.FreePort();
            long dbStart = watch.ElapsedTicks;
            db = await MariaDb.StartAsync(mariadbd, template, dbDir, dbPort, Flows.SeedSql(user, password), StartTimeout, marked, ct).ConfigureAwait(false);
            double dbMs = (watch.ElapsedTicks - dbStart) * 1000.0 / Stopwatch.Frequency;

            int imagePort = Loopback.FreePort();
            string url = $"http://127.0.0.1:{imagePort}/{ImageName}";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            imageServer = await LocalDaemon.StartAsync("image server", python,
                ["-I", "-m", "http.server", imagePort.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", images],
                async c =>
                {
                    try
                    {
                        using var r = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, c).ConfigureAwait(false);
                        return r.StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false; // not listening yet
                    }
                }, StartTimeout, (code, said) => new SandbenchException($"the image server (python3 -m http.server) exited with code {code}: {said}"), ct, marked)
                .ConfigureAwait(false);
            var environment = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["DB_HOST"] = "127.0.0.1",
                ["DB_PORT"] = dbPort.ToString(CultureInfo.InvariantCulture),
                ["DB_USER"] = user,
                ["DB_PASSWORD"] = password,
                ["DB_NAME"] = Flows.Database,
                ["IMAGE_URL"] = url,
            };
            var details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["mariadb_version"] = (await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(template)!, "complete"), ct).ConfigureAwait(false)).Trim(),
                ["mariadb_start_ms"] = dbMs.ToString("0.0", CultureInfo.InvariantCulture),
                ["image_bytes"] = new FileInfo(Path.Combine(images, ImageName)).Length.ToString(CultureInfo.InvariantCulture),
            };
            return new Running(db, imageServer, dbDir, environment, details);
        }
        catch
        {
            imageServer?.Dispose();
            db?.Dispose();
            Directory.Delete(dbDir, recursive: true);
            throw;
        }
    }

    /// <summary>The directory holding the image the server serves, made once per artifact by the workload itself (<c>--make-image</c>).</summary>
    private async Task<string> ImageAsync(Artifact artifact, CancellationToken ct) =>
        await CachedBuild.EnsureAsync(cacheDir, $"retail-image-{artifact.ContentHash}", ImageName, tmp =>
            BuildTools.RunAsync(artifact.BinaryPath, [.. artifact.HostArgsWith([]), "--make-image", Path.Combine(tmp, ImageName)], ct)).ConfigureAwait(false);

    private sealed class Running(LocalDaemon db, LocalDaemon images, string dbDir, IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string> details) : IFlowServices
    {
        public IReadOnlyDictionary<string, string> Environment => environment;

        public IReadOnlyDictionary<string, string> Details => details;

        public ValueTask DisposeAsync()
        {
            images.Dispose();
            db.Dispose();
            if (Directory.Exists(dbDir)) Directory.Delete(dbDir, recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}
