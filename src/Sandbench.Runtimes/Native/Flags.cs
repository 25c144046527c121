namespace Sandbench.Runtimes.Native;

/// <summary>Profile flags are stored space-separated; each is one argument.</summary>
internal static class Flags
{
    public static IEnumerable<string> Split(string? flags) =>
        (flags ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
