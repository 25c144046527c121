using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Core.Tests;

/// <summary>The catalog the plan tests load against, built by hand so no other layer is involved.</summary>
internal static class TestCatalog
{
    public static RuntimeProfile Process { get; } = new("process", RuntimeKinds.Process, new Dictionary<string, string>());

    public static RuntimeProfile Runc { get; } = new("runc", RuntimeKinds.Oci,
        new Dictionary<string, string> { ["binary"] = "runc", ["network"] = "host" });

    public static RuntimeProfile Runsc { get; } = new("runsc", RuntimeKinds.Oci,
        new Dictionary<string, string> { ["socket-activation"] = "false" });

    public static PlanCatalog Catalog { get; } = new(
        new Dictionary<string, RuntimeProfile>(StringComparer.Ordinal)
        {
            ["process"] = Process,
            ["runc"] = Runc,
            ["runsc"] = Runsc,
        },
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["process"] = [],
            ["bwrap"] = ["binary", "flags", "network"],
            ["oci"] = ["binary", "flags", "network", "socket-activation", "shares-host-clock"],
        },
        ["coldstart"],
        ["hello"]);
}
