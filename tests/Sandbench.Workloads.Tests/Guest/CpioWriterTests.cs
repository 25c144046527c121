using System.Diagnostics;
using System.Text;
using Sandbench.Workloads.Guest;

namespace Sandbench.Workloads.Tests.Guest;

public sealed class CpioWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sandbench-cpio-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Write_FilesDirsAndConsole_TheCpioToolListsAndExtractsThem()
    {
        if (!File.Exists("/usr/bin/cpio") && !File.Exists("/bin/cpio")) Assert.Skip("cpio is not installed");
        string archive = Path.Combine(_dir, "a.cpio");
        using (var f = File.Create(archive))
        {
            var w = new CpioWriter(f);
            w.Directory("bin");
            w.Directory("dev");
            w.CharDevice("dev/console", 5, 1);
            w.File("init", Encoding.ASCII.GetBytes("#!/bin/sh\necho hi\n"), executable: true);
            w.File("bin/odd", [1, 2, 3], executable: false);
            w.Trailer();
        }

        string listing = await Cpio(archive, "-itv");

        var lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("drwxr-xr-x", StringComparison.Ordinal) && l.EndsWith(" bin", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("crw-------", StringComparison.Ordinal) && l.Contains("5,", StringComparison.Ordinal) && l.EndsWith(" dev/console", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("-rwxr-xr-x", StringComparison.Ordinal) && l.EndsWith(" init", StringComparison.Ordinal));
        Assert.Equal("#!/bin/sh\necho hi\n", await Cpio(archive, "-i", "--to-stdout", "init"));
    }

    private static async Task<string> Cpio(string archive, params string[] args)
    {
        var psi = new ProcessStartInfo("cpio") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        await using (var input = File.OpenRead(archive)) await input.CopyToAsync(p.StandardInput.BaseStream, TestContext.Current.CancellationToken);
        p.StandardInput.Close();
        string output = await p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, p.ExitCode);
        return output;
    }
}
