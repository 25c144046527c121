using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Sandbench.Core;
using Sandbench.Core.Host;
using Sandbench.Core.Workloads;

namespace Sandbench.Workloads;

/// <summary>
/// Builds workloads from the C sources embedded in this assembly with <c>gcc -static</c>, and wraps
/// each binary in a minimal root filesystem (the other languages: <see cref="LanguageWorkloads"/>). Both are cached under a directory named by the hash of
/// everything that went into them (source, flags, compiler version), so a changed source or
/// compiler never reuses a stale binary and concurrent builds never see a half-written one.
/// </summary>
public sealed class WorkloadCatalog(string cacheDir) : IArtifactProvider
{
    private static readonly string[] RootfsDirs = ["bin", "proc", "dev", "sys", "tmp", "etc"];
    private static readonly string[] CompilerFlags = ["-static", "-O2", "-Wall", "-Wextra", "-Werror"];
    private readonly Dictionary<string, Task<Artifact>> _built = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>The headers every workload source may include (<c>#include "httpd.h"</c>: the shared HTTP server).</summary>
    private static readonly string[] SharedHeaders = ["workloads/common/httpd.h"];

    /// <param name="Libraries">Linker arguments after the source (static libraries, e.g. <c>-lz</c>).</param>
    private sealed record Entry(string Binary, string Source, string[] LeadingArgs, string[]? Libraries = null);

    /// <summary>Workload name to the program it runs and the mode it runs it in.</summary>
    private static readonly IReadOnlyDictionary<string, Entry> Entries = new Dictionary<string, Entry>(StringComparer.Ordinal)
    {
        ["hello"] = new("hello", "workloads/hello/hello.c", []),
        // Starts and never listens: proves timeouts and teardown of a sandbox that never becomes ready.
        ["hang"] = new("hello", "workloads/hello/hello.c", ["--hang"]),
        // Times system calls in calibrated loops and prints one line (the syscall experiment).
        ["syscall"] = new("syscall", "workloads/syscall/syscall.c", []),
        // Compute and I/O functions: each times its own work per request (X-Function-Duration-Ns).
        ["compress"] = new("compress", "workloads/compress/compress.c", [], ["-lz"]),
        ["json"] = new("json", "workloads/json/json.c", [], ["-lm"]),
        ["graph-bfs"] = new("graph-bfs", "workloads/graph-bfs/graph-bfs.c", []),
        ["file-io"] = new("file-io", "workloads/file-io/file-io.c", []),
    };

    public IReadOnlyList<string> Workloads => [.. Entries.Keys, .. LanguageWorkloads.Names];

    /// <summary>Each language workload's toolchain: found (its path) or the problem with an install hint.</summary>
    public static IReadOnlyList<(string Workload, string? Path, string Problem)> Toolchains() => [.. LanguageWorkloads.Toolchains()];

    public string CacheDir { get; } = cacheDir;

    public static string DefaultCacheDir()
    {
        string? env = Environment.GetEnvironmentVariable("SANDBENCH_CACHE");
        if (!string.IsNullOrEmpty(env)) return env;
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".cache") : xdg, "sandbench");
    }

    public Task<Artifact> GetAsync(string workload, CancellationToken ct)
    {
        lock (_lock)
        {
            if (!_built.TryGetValue(workload, out var task) || task.IsFaulted || task.IsCanceled)
                _built[workload] = task = BuildAsync(workload, ct);
            return task;
        }
    }

    public async Task<GuestImage> GetGuestImageAsync(string workload, long paddingBytes, CancellationToken ct)
    {
        var artifact = await GetAsync(workload, ct).ConfigureAwait(false);
        Guest.GuestImages.CheckSupported(artifact);
        var (kernel, version, kernelBytes) = await Guest.GuestImages.KernelAsync(CacheDir, ct).ConfigureAwait(false);
        var (initrd, initrdBytes) = await Guest.GuestImages.InitrdAsync(CacheDir, artifact, Path.GetDirectoryName(kernel)!, paddingBytes, ct).ConfigureAwait(false);
        return new GuestImage(kernel, version, kernelBytes, initrd, initrdBytes);
    }

    public Task<string> GetUncompressedKernelAsync(GuestImage image, CancellationToken ct) =>
        Guest.KernelImage.VmlinuxAsync(image.KernelPath, ct);

    private async Task<Artifact> BuildAsync(string workload, CancellationToken ct)
    {
        if (LanguageWorkloads.Has(workload))
            return await LanguageWorkloads.BuildAsync(workload, CacheDir, ReadResource, ct).ConfigureAwait(false);
        if (!Entries.TryGetValue(workload, out var entry))
            throw new SandbenchException($"unknown workload '{workload}' (valid: {string.Join(", ", Workloads)})");
        byte[] source = ReadResource(entry.Source);
        var headers = SharedHeaders.Select(h => (Name: Path.GetFileName(h), Text: ReadResource(h))).ToList();
        string[] libraries = entry.Libraries ?? [];
        string program = entry.Binary;
        string gcc = FindCompiler();
        string compilerVersion = (await BuildTools.RunAsync(gcc, ["-dumpfullversion"], ct).ConfigureAwait(false)).Trim();
        string hash = Convert.ToHexStringLower(SHA256.HashData(
            [.. source, .. headers.SelectMany(h => h.Text),
             .. Encoding.UTF8.GetBytes(string.Join(' ', [.. CompilerFlags, .. libraries]) + "|" + compilerVersion)]))[..16];

        string dir = await CachedBuild.EnsureAsync(CacheDir, $"{program}-{hash}", Path.Combine("rootfs", "bin", program), async tmp =>
        {
            string rootfs = Path.Combine(tmp, "rootfs");
            foreach (var d in RootfsDirs) Directory.CreateDirectory(Path.Combine(rootfs, d));
            File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"), $"root:x:0:0:root:/:/bin/{program}\n");
            File.WriteAllText(Path.Combine(rootfs, "etc", "group"), "root:x:0:\n");
            string src = Path.Combine(tmp, program + ".c");
            await File.WriteAllBytesAsync(src, source, ct).ConfigureAwait(false);
            foreach (var (name, text) in headers)
                await File.WriteAllBytesAsync(Path.Combine(tmp, name), text, ct).ConfigureAwait(false);
            await BuildTools.RunAsync(gcc, [.. CompilerFlags, "-I", tmp, "-o", Path.Combine(rootfs, "bin", program), src, .. libraries], ct)
                .ConfigureAwait(false);
        }).ConfigureAwait(false);
        string binary = Path.Combine(dir, "rootfs", "bin", program);
        return new Artifact(workload, binary, Path.Combine(dir, "rootfs"), "/bin/" + program, hash, new FileInfo(binary).Length, entry.LeadingArgs);
    }

    private static byte[] ReadResource(string name)
    {
        using var s = typeof(WorkloadCatalog).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded workload source {name} is missing from the build");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static string FindCompiler() => Executables.Find("gcc")
        ?? throw new SandbenchException("gcc not found: workloads are built with 'gcc -static' (apt-get install gcc libc6-dev)");
}
