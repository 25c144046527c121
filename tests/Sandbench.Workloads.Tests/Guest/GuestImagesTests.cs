using System.Text;
using Sandbench.Workloads.Guest;

namespace Sandbench.Workloads.Tests.Guest;

public sealed class GuestImagesTests
{
    private static byte[] Ko(string depends) => [.. Encoding.ASCII.GetBytes("\x7fELF....license=GPL\0"), .. Encoding.ASCII.GetBytes($"depends={depends}\0"), 0, 1, 2];

    [Fact]
    public void LoadOrder_ModinfoDependencies_EachModuleAfterWhatItNeeds()
    {
        // The dependencies of Debian 12's 6.1 cloud kernel, given in the order that fails to load.
        var modules = new Dictionary<string, byte[]>
        {
            ["virtio"] = Ko("virtio_ring"),
            ["virtio_ring"] = Ko(""),
            ["virtio_mmio"] = Ko("virtio,virtio_ring"),
            ["failover"] = Ko(""),
            ["net_failover"] = Ko("failover"),
            ["virtio_net"] = Ko("virtio_ring,virtio,net_failover"),
        };

        var order = GuestImages.LoadOrder(modules).ToList();

        Assert.Equal(6, order.Count);
        Assert.True(order.IndexOf("virtio_ring") < order.IndexOf("virtio"));
        Assert.True(order.IndexOf("virtio") < order.IndexOf("virtio_mmio"));
        Assert.True(order.IndexOf("failover") < order.IndexOf("net_failover"));
        Assert.True(order.IndexOf("net_failover") < order.IndexOf("virtio_net"));
    }

    [Fact]
    public void LoadOrder_Cycle_Throws()
    {
        var modules = new Dictionary<string, byte[]> { ["a"] = Ko("b"), ["b"] = Ko("a") };

        Assert.Throws<InvalidOperationException>(() => GuestImages.LoadOrder(modules));
    }

    [Fact]
    public void InitScript_Workload_PrintsMarkersLoadsModulesAndExecsWithPort()
    {
        string init = GuestImages.InitScript("/bin/hello", ["--hang"], ["virtio_ring", "virtio"]);

        Assert.StartsWith("#!/bin/busybox sh\n/bin/busybox echo sandbench-init\n", init, StringComparison.Ordinal);
        Assert.Contains("for m in virtio_ring virtio; do /bin/busybox insmod /lib/mod/$m.ko; done", init, StringComparison.Ordinal);
        Assert.Contains("echo sandbench-net", init, StringComparison.Ordinal);
        Assert.Contains("echo 1 > /proc/sys/kernel/printk", init, StringComparison.Ordinal);
        Assert.EndsWith("fi\nexec /bin/hello --hang\n", init, StringComparison.Ordinal);
    }

    [Fact]
    public void InitScript_RunMode_RunsTheWorkloadWithInitsArgumentsReportsItsStatusAndPowersOff()
    {
        string init = GuestImages.InitScript("/bin/hello", [], ["virtio"]);

        Assert.Contains("""
            if [ "$1" = run ]; then
                shift
                /bin/hello  "$@"
                /bin/busybox echo sandbench-exit $?
                /bin/busybox poweroff -f
            fi
            """, init, StringComparison.Ordinal);
    }
}
