using System.Text.Json.Nodes;

namespace Sandbench.FakeVmm;

/// <summary>
/// Firecracker's API as its swagger document (src/firecracker/swagger/firecracker.yaml) describes it:
/// pre-boot configuration with PUT, then InstanceStart; 204 on success, 400 with
/// <c>{"fault_message": ...}</c> on any error; unknown fields are refused.
/// </summary>
internal sealed class FirecrackerApi(FakeGuest guest) : IApi
{
    private JsonObject? _bootSource;

    private static (int, string?) Fault(string message) => (400, new JsonObject { ["fault_message"] = message }.ToJsonString());

    public (int Status, string? Body) Handle(string method, string path, string body, out bool exit)
    {
        exit = false;
        if (method == "GET" && path == "/")
        {
            return (200, new JsonObject
            {
                ["app_name"] = "Firecracker",
                ["id"] = "anonymous-instance",
                ["state"] = guest.Booted ? "Running" : "Not started",
                ["vmm_version"] = "1.7.0-fake",
            }.ToJsonString());
        }
        if (method != "PUT") return Fault($"Invalid request method and/or path: {method} {path}.");
        JsonObject o;
        try
        {
            o = JsonNode.Parse(body) as JsonObject ?? throw new System.Text.Json.JsonException("not an object");
        }
        catch (System.Text.Json.JsonException e)
        {
            return Fault($"An error occurred when deserializing the json body of a request: {e.Message}.");
        }
        string[] segments = path.Trim('/').Split('/');
        if (segments[0] != "actions" && guest.Booted)
            return Fault("The requested operation is not supported after starting the microVM.");
        return segments switch
        {
            ["machine-config"] => MachineConfig(o),
            ["boot-source"] => BootSource(o),
            ["drives", var id] => Drive(id, o),
            ["network-interfaces", var id] => Network(id, o),
            ["actions"] => Action(o),
            _ => Fault($"Invalid request method and/or path: {method} {path}."),
        };
    }

    private static string? Unknown(JsonObject o, params string[] known) =>
        o.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k)) is { } k ? $"unknown field `{k}`, expected one of {string.Join(", ", known)}" : null;

    private static bool PositiveInt(JsonObject o, string key, int max, out int value)
    {
        value = 0;
        return o[key] is JsonValue v && v.TryGetValue(out value) && value >= 1 && value <= max;
    }

    private (int, string?) MachineConfig(JsonObject o)
    {
        if (Unknown(o, "vcpu_count", "mem_size_mib", "smt", "cpu_template", "track_dirty_pages", "huge_pages") is { } u) return Fault(u);
        if (!PositiveInt(o, "vcpu_count", 32, out _)) return Fault("The vCPU number is invalid! The vCPU number can only be 1 or an even number when SMT is enabled.");
        if (!PositiveInt(o, "mem_size_mib", 1 << 20, out _)) return Fault("The memory size (MiB) is invalid.");
        return (204, null);
    }

    private (int, string?) BootSource(JsonObject o)
    {
        if (Unknown(o, "kernel_image_path", "initrd_path", "boot_args") is { } u) return Fault(u);
        if (o["kernel_image_path"] is not JsonValue k || !k.TryGetValue(out string? kernel)) return Fault("missing field `kernel_image_path`");
        if (!File.Exists(kernel)) return Fault($"The kernel file cannot be opened: No such file or directory (os error 2)");
        if (!IsElf(kernel)) return Fault("Cannot load kernel due to invalid memory configuration or invalid kernel image: Invalid Elf magic number");
        if (o["initrd_path"] is JsonValue i && (!i.TryGetValue(out string? initrd) || !File.Exists(initrd)))
            return Fault("The initrd file cannot be opened due to invalid path or invalid permissions. No such file or directory (os error 2)");
        if (o["boot_args"] is { } b && b.GetValueKind() != System.Text.Json.JsonValueKind.String) return Fault("invalid type: boot_args, expected a string");
        _bootSource = o;
        return (204, null);
    }

    private static bool IsElf(string path)
    {
        using var f = File.OpenRead(path);
        var head = new byte[4];
        return f.Read(head) == 4 && head is [0x7f, 0x45, 0x4c, 0x46];
    }

    private static (int, string?) Drive(string id, JsonObject o)
    {
        if (Unknown(o, "drive_id", "path_on_host", "is_root_device", "is_read_only", "partuuid", "cache_type", "rate_limiter", "io_engine", "socket") is { } u) return Fault(u);
        if ((string?)o["drive_id"] != id) return Fault("The id from the path does not match the id from the body!");
        if (o["is_root_device"] is not JsonValue r || !r.TryGetValue(out bool _)) return Fault("missing field `is_root_device`");
        if (o["path_on_host"] is not JsonValue p || !p.TryGetValue(out string? file) || !File.Exists(file))
            return Fault("Unable to create the block device: BackingFile(Os { code: 2, kind: NotFound, message: \"No such file or directory\" })");
        return (204, null);
    }

    private static (int, string?) Network(string id, JsonObject o)
    {
        if (Unknown(o, "iface_id", "host_dev_name", "guest_mac", "rx_rate_limiter", "tx_rate_limiter") is { } u) return Fault(u);
        if ((string?)o["iface_id"] != id) return Fault("The id from the path does not match the id from the body!");
        if (o["host_dev_name"] is not JsonValue h || !h.TryGetValue(out string? tap)) return Fault("missing field `host_dev_name`");
        if (!Directory.Exists($"/sys/class/net/{tap}")) return Fault($"Could not create the network device: Open tap device failed: {tap}");
        return (204, null);
    }

    private (int, string?) Action(JsonObject o)
    {
        if (Unknown(o, "action_type") is { } u) return Fault(u);
        string? action = (string?)o["action_type"];
        if (action is not ("InstanceStart" or "SendCtrlAltDel" or "FlushMetrics")) return Fault($"unknown variant `{action}`, expected one of `FlushMetrics`, `InstanceStart`, `SendCtrlAltDel`");
        if (action != "InstanceStart") return (204, null);
        if (guest.Booted) return Fault("The requested operation is not supported after starting the microVM.");
        if (_bootSource is null) return Fault("Cannot start microvm that was not configured: Missing kernel configuration.");
        guest.Boot((string?)_bootSource["boot_args"] ?? "", console: true);
        return (204, null);
    }
}
