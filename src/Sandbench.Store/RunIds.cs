using System.Security.Cryptography;

namespace Sandbench.Store;

/// <summary>Creates run ids: 8 lowercase hex characters, short enough to type and valid in container names.</summary>
public static class RunIds
{
    /// <summary>Length of every id made by <see cref="New"/>.</summary>
    public const int Length = 8;

    /// <summary>A new random run id, e.g. <c>3f9a0c1e</c>.</summary>
    public static string New() => RandomNumberGenerator.GetHexString(Length, lowercase: true);
}
