namespace Sandbench.Core.Images;

/// <summary>What protects a pulled image (seed 000's security levels).</summary>
public enum SecurityLevel
{
    /// <summary>Digests only.</summary>
    Plain,
    /// <summary>The manifest signed; the signature verified before any layer is pulled.</summary>
    SignedManifest,
    /// <summary>Every layer encrypted with ocicrypt (JWE-wrapped key, AES-256-CTR + HMAC-SHA256), decrypted before decompressing.</summary>
    EncryptedLayers,
    /// <summary>Both.</summary>
    SignedAndEncrypted,
}

/// <summary>The names plans, the command line and the store give the levels.</summary>
public static class SecurityLevels
{
    public static IReadOnlyDictionary<string, SecurityLevel> ByName { get; } = new Dictionary<string, SecurityLevel>(StringComparer.Ordinal)
    {
        ["plain"] = SecurityLevel.Plain,
        ["signed"] = SecurityLevel.SignedManifest,
        ["encrypted"] = SecurityLevel.EncryptedLayers,
        ["signed+encrypted"] = SecurityLevel.SignedAndEncrypted,
    };

    public static string Name(SecurityLevel level) => ByName.First(p => p.Value == level).Key;

    public static bool IsSigned(this SecurityLevel level) => level is SecurityLevel.SignedManifest or SecurityLevel.SignedAndEncrypted;

    public static bool IsEncrypted(this SecurityLevel level) => level is SecurityLevel.EncryptedLayers or SecurityLevel.SignedAndEncrypted;
}
