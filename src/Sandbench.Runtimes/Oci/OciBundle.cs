using System.Text.Json;
using System.Text.Json.Nodes;
using Sandbench.Core.Workloads;

namespace Sandbench.Runtimes.Oci;

/// <summary>
/// Writes an OCI runtime bundle: a config.json that points at the artifact's shared, read-only root
/// filesystem (content-addressed in the cache), so a sandbox costs one small file, not a copy.
/// The spec mirrors what <c>runc spec</c> generates, minus the terminal, plus our process.
/// </summary>
internal static class OciBundle
{
    public static string Write(string dir, Artifact artifact, IEnumerable<string> args,
        IReadOnlyDictionary<string, string> env, bool ownNetwork, string? netnsPath = null)
    {
        Directory.CreateDirectory(dir);
        string[] caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
        var namespaces = new JsonArray(
            new JsonObject { ["type"] = "pid" },
            new JsonObject { ["type"] = "ipc" },
            new JsonObject { ["type"] = "uts" },
            new JsonObject { ["type"] = "mount" });
        // With a path the container joins that namespace (network: netns) instead of getting an empty one.
        if (netnsPath is not null) namespaces.Add(new JsonObject { ["type"] = "network", ["path"] = netnsPath });
        else if (ownNetwork) namespaces.Add(new JsonObject { ["type"] = "network" });

        var spec = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["process"] = new JsonObject
            {
                ["terminal"] = false,
                ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 },
                ["args"] = Array([artifact.BinaryInRootfs, .. args]),
                ["env"] = Array(env.Select(kv => $"{kv.Key}={kv.Value}")),
                ["cwd"] = "/",
                ["capabilities"] = new JsonObject
                {
                    ["bounding"] = Array(caps),
                    ["effective"] = Array(caps),
                    ["permitted"] = Array(caps),
                    ["ambient"] = Array(caps),
                },
                // The limits a plain child of ours inherits: equal footing with the process runtime,
                // and never above our own hard limit, which raising would need CAP_SYS_RESOURCE for.
                ["rlimits"] = new JsonArray(new JsonObject { ["type"] = "RLIMIT_NOFILE", ["hard"] = NoFile.Hard, ["soft"] = NoFile.Soft }),
                ["noNewPrivileges"] = true,
            },
            ["root"] = new JsonObject { ["path"] = artifact.RootfsPath, ["readonly"] = true },
            ["hostname"] = "sandbench",
            ["mounts"] = new JsonArray([
                Mount("/proc", "proc", "proc"),
                Mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
                Mount("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"),
                Mount("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"),
                Mount("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
                Mount("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
                Mount("/tmp", "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", "size=65536k"),
                // A language runtime the workload needs, bound read-only at its host path.
                .. artifact.HostMounts.Select(m => Mount(m, "bind", m, "rbind", "ro", "nosuid", "nodev"))]),
            ["linux"] = new JsonObject
            {
                ["resources"] = new JsonObject
                {
                    ["devices"] = new JsonArray(new JsonObject { ["allow"] = false, ["access"] = "rwm" }),
                },
                ["namespaces"] = namespaces,
                ["maskedPaths"] = Array(["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"]),
                ["readonlyPaths"] = Array(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]),
            },
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return dir;
    }

    private static readonly (long Soft, long Hard) NoFile = ReadNoFile();

    private static (long, long) ReadNoFile()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var f = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f is { Length: >= 2 } && long.TryParse(f[0], out long soft) && long.TryParse(f[1], out long hard)) return (soft, hard);
        }
        catch (IOException)
        {
        }
        return (1024, 1024);
    }

    private static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode)JsonValue.Create(i))]);

    private static JsonObject Mount(string destination, string type, string source, params string[] options)
    {
        var m = new JsonObject { ["destination"] = destination, ["type"] = type, ["source"] = source };
        if (options.Length > 0) m["options"] = Array(options);
        return m;
    }
}
