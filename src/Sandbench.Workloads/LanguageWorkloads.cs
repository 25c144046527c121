using System.Security.Cryptography;
using System.Text;
using Sandbench.Core;
using Sandbench.Core.Workloads;

namespace Sandbench.Workloads;

/// <summary>
/// The <c>hello</c> workload in languages other than C, each with hello.c's contract (port from argv or
/// PORT, socket activation on fd 3, the start and ready markers, <c>--probe</c>, <c>--hang</c>).
/// Go builds a static binary into a rootfs like C's. Python, Node.js, Java and C# run on the host's
/// runtime from the Debian packages under <c>/usr</c>: their rootfs holds only the program (in
/// <c>/app</c>), symlinks <c>/bin</c>, <c>/lib</c>, <c>/lib64</c>, <c>/sbin</c> into <c>/usr</c>, and empty
/// mount points that sandboxes bind the host's <c>/usr</c> (and any runtime configuration under
/// <c>/etc</c>) onto, read-only, so every runtime runs the same bytes without a copy.
/// </summary>
internal static class LanguageWorkloads
{
    /// <summary>How one language is built: the tool it needs, where its sources are, and the build itself.</summary>
    /// <param name="Requires">Host files the workload needs besides the tool (libraries of the language, a server it talks to).</param>
    private sealed record Language(string Workload, string Tool, string InstallHint, string[] Sources, bool Static,
        Func<BuildContext, Task<Layout>> BuildAsync, string[]? Requires = null);

    /// <summary>What a build needs: the tool found, the sources written to <c>Src</c>, the rootfs to fill.</summary>
    private sealed record BuildContext(string Workload, string ToolPath, string Src, string Rootfs, string CacheDir, CancellationToken Ct);

    /// <summary>The program a built workload runs and its leading arguments, with <c>{app}</c> standing for the rootfs's <c>/app</c>.</summary>
    private sealed record Layout(string Program, string[] Args, string[] ExtraMounts);

    private const string App = "{app}";

    /// <summary>Changes whenever this file changes how a rootfs is laid out, so no older layout is reused.</summary>
    private const string LayoutVersion = "layout 1";

    private static readonly Language[] All =
    [
        new("hello-go", "go", "apt-get install golang-go", ["hello-go/hello.go"], Static: true, BuildGoAsync),
        new("hello-python", "python3", "apt-get install python3", ["hello-python/hello.py", "common/serve.py"], Static: false,
            c => Script(c, "hello.py", "-I")),
        new("hello-node", "node", "apt-get install nodejs", ["hello-node/hello.js"], Static: false,
            c => Script(c, "hello.js")),
        new("hello-java", "javac", "apt-get install default-jdk-headless", ["hello-java/Hello.java"], Static: false, BuildJavaAsync),
        new("hello-csharp", "dotnet", "apt-get install dotnet-sdk-10.0", ["hello-csharp/Program.cs", "hello-csharp/hello.csproj"], Static: false,
            BuildCSharpAsync),
        // The application flows' functions (one program, the function chosen by SANDBENCH_FUNCTION), their MariaDB server and image libraries.
        .. Core.Workloads.Flows.Names.Select(flow => new Language(flow, "python3", RetailInstall, ["retail/retail.py", "common/serve.py"], Static: false,
            c => Script(c, "retail.py", "-I"), RetailRequires)),
    ];

    private const string RetailInstall = "apt-get install python3 python3-pymysql python3-pil mariadb-server-core";

    private static readonly string[] RetailRequires = ["/usr/lib/python3/dist-packages/pymysql", "/usr/lib/python3/dist-packages/PIL", "/usr/sbin/mariadbd"];

    public static IEnumerable<string> Names => All.Select(l => l.Workload);

    public static bool Has(string workload) => All.Any(l => l.Workload == workload);

    /// <summary>Each language's toolchain: its path, or why it is missing with the command that installs it.</summary>
    public static IEnumerable<(string Workload, string? Path, string Problem)> Toolchains() => All.Select(l => (l.Workload, Missing(l) is null ? Find(l.Tool) : null,
        Missing(l) ?? $"{l.Workload}: {l.Tool} not found ({l.InstallHint})"));

    /// <summary>Why a language cannot be built here (its tool or a file it requires is missing, with the install hint), or null.</summary>
    private static string? Missing(Language l)
    {
        var missing = (Find(l.Tool) is null ? [l.Tool] : Array.Empty<string>())
            .Concat((l.Requires ?? []).Where(r => !Path.Exists(r))).ToList();
        return missing.Count == 0 ? null : $"{l.Workload}: {string.Join(", ", missing)} not found ({l.InstallHint})";
    }

    public static async Task<Artifact> BuildAsync(string workload, string cacheDir, Func<string, byte[]> readSource, CancellationToken ct)
    {
        var lang = All.Single(l => l.Workload == workload);
        if (Missing(lang) is { } missing) throw new SandbenchException(missing, ExitCodes.RuntimeUnavailable);
        string tool = Find(lang.Tool)!;
        string version = (await BuildTools.RunAsync(tool, [lang.Tool == "go" ? "version" : "--version"], ct).ConfigureAwait(false)).Trim();
        var sources = lang.Sources.Select(s => (Name: Path.GetFileName(s), Bytes: readSource("workloads/" + s))).ToList();
        string hash = Convert.ToHexStringLower(SHA256.HashData(
            [.. sources.SelectMany(s => SHA256.HashData(s.Bytes)), .. Encoding.UTF8.GetBytes(tool + "|" + version + "|" + LayoutVersion)]))[..16];

        string dir = await CachedBuild.EnsureAsync(cacheDir, $"{workload}-{hash}", "layout", async tmp =>
        {
            string rootfs = Path.Combine(tmp, "rootfs"), src = Path.Combine(tmp, "src");
            Directory.CreateDirectory(src);
            foreach (var (name, bytes) in sources) await File.WriteAllBytesAsync(Path.Combine(src, name), bytes, ct).ConfigureAwait(false);
            MakeRootfs(rootfs, lang.Static);
            var layout = await lang.BuildAsync(new BuildContext(workload, tool, src, rootfs, cacheDir, ct)).ConfigureAwait(false);
            var mounts = lang.Static ? [] : MountsFor(layout);
            foreach (var m in mounts) Directory.CreateDirectory(rootfs + m);
            Directory.Delete(src, recursive: true);
            // Written last: a directory with this file is complete.
            await File.WriteAllLinesAsync(Path.Combine(tmp, "layout"), [layout.Program, string.Join('\0', layout.Args), string.Join('\0', mounts)], ct)
                .ConfigureAwait(false);
        }).ConfigureAwait(false);
        string done = Path.Combine(dir, "layout");
        var lines = await File.ReadAllLinesAsync(done, ct).ConfigureAwait(false);
        string root = Path.Combine(dir, "rootfs");
        string[] args = lines[1].Length == 0 ? [] : lines[1].Split('\0');
        string[] hostMounts = lines[2].Length == 0 ? [] : lines[2].Split('\0');
        string program = lines[0];
        // A static binary is inside the rootfs; a runtime is on the host at the path the sandbox binds it to.
        string hostProgram = lang.Static ? root + program : program;
        long size = Directory.EnumerateFiles(Path.Combine(root, lang.Static ? "bin" : "app"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        return new Artifact(workload, hostProgram, root, program, hash, size, [.. args.Select(a => a.Replace(App, "/app", StringComparison.Ordinal))])
        {
            HostMounts = hostMounts,
            HostLeadingArgs = [.. args.Select(a => a.Replace(App, Path.Combine(root, "app"), StringComparison.Ordinal))],
        };
    }

    /// <summary>The host directories a sandbox needs: /usr for the runtime, plus any the layout names (Java's /etc configuration).</summary>
    private static string[] MountsFor(Layout layout) => ["/usr", .. layout.ExtraMounts];

    private static void MakeRootfs(string rootfs, bool isStatic)
    {
        foreach (var d in new[] { "proc", "dev", "sys", "tmp", "etc", isStatic ? "bin" : "app" })
            Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.WriteAllText(Path.Combine(rootfs, "etc", "passwd"), "root:x:0:0:root:/:/bin/sh\n");
        File.WriteAllText(Path.Combine(rootfs, "etc", "group"), "root:x:0:\n");
        if (isStatic) return;
        // The host's /usr is bound here; the merged-/usr links make /bin/sh, /lib64/ld-linux… resolve as on the host.
        Directory.CreateDirectory(Path.Combine(rootfs, "usr"));
        foreach (var link in new[] { "bin", "sbin", "lib", "lib64" })
            File.CreateSymbolicLink(Path.Combine(rootfs, link), "usr/" + link);
    }

    /// <summary>An interpreted program: the script and the modules beside it (its sources), in /app, run by the interpreter with <paramref name="flags"/>.</summary>
    private static Task<Layout> Script(BuildContext c, string file, params string[] flags)
    {
        foreach (var source in Directory.EnumerateFiles(c.Src))
            File.Copy(source, Path.Combine(c.Rootfs, "app", Path.GetFileName(source)));
        return Task.FromResult(new Layout(c.ToolPath, [.. flags, App + "/" + file], []));
    }

    private static async Task<Layout> BuildGoAsync(BuildContext c)
    {
        string binary = Path.Combine(c.Rootfs, "bin", c.Workload);
        await BuildTools.RunAsync(c.ToolPath, ["build", "-trimpath", "-ldflags=-s", "-o", binary, "hello.go"], c.Ct, c.Src, new Dictionary<string, string?>
        {
            ["CGO_ENABLED"] = "0", // static: no libc, the rootfs needs nothing else
            ["GO111MODULE"] = "off",
            ["GOCACHE"] = Path.Combine(c.CacheDir, "go-build"),
            ["GOPATH"] = Path.Combine(c.Src, "gopath"),
            ["GOFLAGS"] = null,
        }).ConfigureAwait(false);
        return new Layout("/bin/" + c.Workload, [], []);
    }

    private static async Task<Layout> BuildJavaAsync(BuildContext c)
    {
        await BuildTools.RunAsync(c.ToolPath, ["-d", Path.Combine(c.Rootfs, "app"), "Hello.java"], c.Ct, c.Src).ConfigureAwait(false);
        string java = Path.Combine(Path.GetDirectoryName(c.ToolPath)!, "java");
        if (!File.Exists(java)) throw new SandbenchException($"{c.Workload}: java not found next to {c.ToolPath} (apt-get install default-jdk-headless)", ExitCodes.RuntimeUnavailable);
        // Java adopts an inherited socket only on fd 0 (System.inheritedChannel), so a shell moves fd 3 there.
        const string Launch = "[ -n \"$LISTEN_FDS\" ] && exec 0<&3; exec \"$JAVA\" -cp \"$0\" Hello \"$@\"";
        return new Layout("/usr/bin/sh", ["-c", Launch.Replace("\"$JAVA\"", java, StringComparison.Ordinal), App], JdkConfigDirs(java));
    }

    /// <summary>Debian's JDK links its conf/ files to /etc/java-N-openjdk: those directories must be visible too.</summary>
    private static string[] JdkConfigDirs(string java)
    {
        string conf = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(java)!)!, "conf");
        if (!Directory.Exists(conf)) return [];
        return [.. Directory.EnumerateFileSystemEntries(conf, "*", SearchOption.AllDirectories)
            .Select(f => new FileInfo(f).LinkTarget)
            .OfType<string>()
            .Where(t => t.StartsWith("/etc/", StringComparison.Ordinal))
            .Select(t => "/etc/" + t.Split('/')[2])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];
    }

    private static async Task<Layout> BuildCSharpAsync(BuildContext c)
    {
        var env = new Dictionary<string, string?>
        {
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        };
        // A Sandbench started by 'dotnet run' or 'dotnet test' must not hand its own build's settings on.
        foreach (var k in Environment.GetEnvironmentVariables().Keys.OfType<string>()
                     .Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("MSBuild", StringComparison.Ordinal)))
            env[k] = null;
        await BuildTools.RunAsync(c.ToolPath, ["publish", "hello.csproj", "-c", "Release", "-o", Path.Combine(c.Rootfs, "app"),
            "-p:DebugType=none", "-nodeReuse:false"], c.Ct, c.Src, env).ConfigureAwait(false);
        return new Layout(c.ToolPath, [App + "/hello.dll"], []);
    }

    /// <summary>
    /// A tool from the Debian packages: /usr/bin first (a version manager's shim earlier on PATH is a
    /// script that a sandbox could not run), then PATH; resolved through links, and only under /usr,
    /// since /usr is what sandboxes bind.
    /// </summary>
    private static string? Find(string tool)
    {
        string? path = File.Exists("/usr/bin/" + tool) ? "/usr/bin/" + tool : Core.Host.Executables.Find(tool);
        if (path is null) return null;
        string real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        return real.StartsWith("/usr/", StringComparison.Ordinal) ? real : null;
    }
}
