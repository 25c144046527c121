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
            if [ "$mode" = run ]; then
                IFS=,; set -- $run; unset IFS
                /bin/hello  "$@"
                /bin/busybox echo sandbench-exit $?
                /bin/busybox $off -f
            fi
            """, init, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("console=ttyS0", "10.0.2.15/24 10.0.2.2 8080")]
    [InlineData("console=ttyS0 sandbench.ip=172.16.3.2/30 sandbench.gw=172.16.3.1 sandbench.port=9000 quiet", "172.16.3.2/30 172.16.3.1 9000")]
    public Task InitScript_KernelCommandLine_SetsAddressGatewayAndPort(string cmdline, string expected) =>
        RunCommandLinePart(cmdline, "echo \"$ip $gw $port\"\n", expected);

    [Theory]
    [InlineData("console=ttyS0", "serve 0 poweroff")]
    [InlineData("console=ttyS0 sandbench.off=reboot sandbench.run=--probe", "run 1 reboot --probe")]
    // OVMF appends initrd=initrd to the command line: it must not reach the workload.
    [InlineData("console=ttyS0 sandbench.off=poweroff sandbench.run=--probe,-v initrd=initrd", "run 2 poweroff --probe -v")]
    public Task InitScript_KernelCommandLine_SetsRunModeArgumentsAndPowerOff(string cmdline, string expected) =>
        RunCommandLinePart(cmdline, "IFS=,; set -- $run; unset IFS\necho \"$mode $# $off $*\"\n", expected);

    /// <summary>Runs the part of /init that reads the kernel command line, then <paramref name="tail"/>, with the same busybox sh.</summary>
    private static async Task RunCommandLinePart(string cmdline, string tail, string expected)
    {
        if (!File.Exists("/bin/busybox")) Assert.Skip("busybox is not installed (apt-get install busybox-static)");
        string init = GuestImages.InitScript("/bin/hello", [], []);
        // The part of the script that reads the command line, run by the same busybox sh on a file standing for /proc/cmdline.
        int from = init.IndexOf("ip=10.0.2.15", StringComparison.Ordinal);
        int to = init.IndexOf("done\n", from, StringComparison.Ordinal) + "done\n".Length;
        string dir = Directory.CreateTempSubdirectory("sandbench-init-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "cmdline"), cmdline + "\n");
            string script = init[from..to].Replace("/proc/cmdline", Path.Combine(dir, "cmdline"), StringComparison.Ordinal) + tail;
            var psi = new System.Diagnostics.ProcessStartInfo("/bin/busybox") { RedirectStandardOutput = true };
            foreach (var a in new[] { "sh", "-c", script }) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            string output = await p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);

            Assert.Equal(expected, output.Trim());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
