using System.Text.Json.Nodes;

namespace Sandbench.FakeVmm;

/// <summary>
/// Cloud Hypervisor's REST API as vmm/src/api/openapi/cloud-hypervisor.yaml describes it (the part
/// Sandbench uses): vmm.ping, vm.create (VmConfig, payload required), vm.boot (404 before create),
/// vm.info, vm.shutdown (404 before create, 405 before boot), vmm.shutdown (then the process exits).
/// </summary>
internal sealed class CloudHypervisorApi(FakeGuest guest) : IApi
{
    private static readonly string[] ConsoleModes = ["Off", "Pty", "Tty", "File", "Socket", "Null"];
    private JsonObject? _config;
    private bool _running;

    private static (int, string?) Error(int status, string message) => (status, message);

    public (int Status, string? Body) Handle(string method, string path, string body, out bool exit)
    {
        exit = false;
        const string prefix = "/api/v1/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return Error(404, "not found");
        string endpoint = path[prefix.Length..];
        switch (method, endpoint)
        {
            case ("GET", "vmm.ping"):
                return (200, new JsonObject { ["build_version"] = "v40.0-fake", ["version"] = "40.0", ["pid"] = Environment.ProcessId, ["features"] = new JsonArray() }.ToJsonString());
            case ("GET", "vm.info"):
                return _config is null ? Error(404, "VM is not created")
                    : (200, new JsonObject { ["config"] = _config.DeepClone(), ["state"] = _running ? "Running" : "Created" }.ToJsonString());
            case ("PUT", "vm.create"):
                if (_config is not null) return Error(500, "Error from API: The VM could not be created: VM is already created");
                JsonObject config;
                try
                {
                    config = JsonNode.Parse(body) as JsonObject ?? throw new System.Text.Json.JsonException("not an object");
                }
                catch (System.Text.Json.JsonException e)
                {
                    return Error(400, $"Error from API: invalid VmConfig: {e.Message}");
                }
                if (Validate(config) is { } problem) return Error(400, $"Error from API: invalid VmConfig: {problem}");
                _config = config;
                return (204, null);
            case ("PUT", "vm.boot"):
                if (_config is null) return Error(404, "Error from API: The VM could not boot: VM is not created");
                if (_running) return Error(500, "Error from API: The VM could not boot: VM is already running");
                _running = true;
                guest.Boot((string?)_config["payload"]?["cmdline"] ?? "", console: (string?)_config["serial"]?["mode"] == "Tty");
                return (204, null);
            case ("PUT", "vm.shutdown"):
                if (_config is null) return Error(404, "Error from API: The VM could not shut down: VM is not created");
                if (!_running) return Error(405, "Error from API: The VM could not shut down: VM is not booted");
                _running = false;
                guest.Dispose();
                return (204, null);
            case ("PUT", "vmm.shutdown"):
                exit = true;
                return (204, null);
            default:
                return Error(404, $"no endpoint {method} {endpoint}");
        }
    }

    private static string? Validate(JsonObject c)
    {
        if (c["payload"] is not JsonObject payload) return "missing field `payload`";
        string? kernel = (string?)payload["kernel"], firmware = (string?)payload["firmware"];
        if (kernel is null && firmware is null) return "payload needs a kernel or a firmware";
        if (kernel is not null && !File.Exists(kernel)) return $"cannot open kernel {kernel}";
        if ((string?)payload["initramfs"] is { } initrd && !File.Exists(initrd)) return $"cannot open initramfs {initrd}";
        if (c["cpus"] is JsonObject cpus)
        {
            if (cpus["boot_vcpus"] is not JsonValue b || !b.TryGetValue(out int boot) || boot < 1) return "cpus.boot_vcpus must be an integer >= 1";
            if (cpus["max_vcpus"] is not JsonValue m || !m.TryGetValue(out int max) || max < boot || max > 254) return "cpus.max_vcpus must be an integer >= boot_vcpus and <= 254";
        }
        if (c["memory"] is JsonObject memory && (memory["size"] is not JsonValue s || !s.TryGetValue(out long size) || size < (1 << 20) || size % 4096 != 0))
            return "memory.size must be a byte count, a multiple of the page size";
        foreach (var key in new[] { "serial", "console" })
        {
            if (c[key] is JsonObject con && !ConsoleModes.Contains((string?)con["mode"])) return $"{key}.mode must be one of {string.Join(", ", ConsoleModes)}";
        }
        if (c["net"] is JsonArray nets)
        {
            foreach (var n in nets)
            {
                if (n is not JsonObject net) return "net entries must be objects";
                if ((string?)net["tap"] is { } tap && !Directory.Exists($"/sys/class/net/{tap}")) return $"cannot open TAP device {tap}";
            }
        }
        return null;
    }
}
