using System.Diagnostics;

namespace Sandbench.Load.Tests;

/// <summary>The sandbench command built next to the tests, started with its output captured.</summary>
internal static class SandbenchProcess
{
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "sandbench"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
