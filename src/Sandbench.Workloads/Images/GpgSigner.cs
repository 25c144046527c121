using Sandbench.Core;
using Sandbench.Core.Host;
using Sandbench.Core.Images;

namespace Sandbench.Workloads.Images;

/// <summary>
/// A throwaway OpenPGP signing key (RSA-2048, no passphrase) in its own GnuPG home, for <c>skopeo copy --sign-by</c>.
/// Disposing it stops the gpg-agent that GnuPG started for that home and removes the directory.
/// </summary>
public sealed class GpgSigner : IAsyncDisposable
{
    private GpgSigner(string home, string fingerprint, byte[] publicKey)
    {
        Home = home;
        Fingerprint = fingerprint;
        PublicKey = publicKey;
    }

    /// <summary>The GnuPG home (<c>GNUPGHOME</c> for skopeo).</summary>
    public string Home { get; }

    public string Fingerprint { get; }

    /// <summary>The public key, as <c>gpg --export</c> writes it (binary OpenPGP).</summary>
    public byte[] PublicKey { get; }

    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>(StringComparer.Ordinal) { ["GNUPGHOME"] = Home };

    public static async Task<GpgSigner> CreateAsync(CancellationToken ct)
    {
        string gpg = Executables.Find("gpg") ?? throw new ImagePullException("gpg not found (apt-get install gnupg): the signed levels sign with it");
        // Made 0700, as GnuPG wants its home.
        string home = Directory.CreateTempSubdirectory("sandbench-gnupg-").FullName;
        try
        {
            await BuildTools.RunAsync(gpg, ["--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                "--quick-gen-key", "Sandbench image signer <signer@sandbench.invalid>", "rsa2048", "sign", "never"], ct).ConfigureAwait(false);
            string listing = await BuildTools.RunAsync(gpg, ["--homedir", home, "--batch", "--with-colons", "--list-keys"], ct).ConfigureAwait(false);
            string fpr = listing.Split('\n').First(l => l.StartsWith("fpr:", StringComparison.Ordinal)).Split(':')[9];
            string exported = Path.Combine(home, "public.gpg");
            await BuildTools.RunAsync(gpg, ["--homedir", home, "--batch", "--yes", "--output", exported, "--export", fpr], ct).ConfigureAwait(false);
            return new GpgSigner(home, fpr, await File.ReadAllBytesAsync(exported, ct).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            await StopAsync(home).ConfigureAwait(false);
            if (e is SandbenchException) throw new ImagePullException($"making a signing key with gpg: {e.Message}");
            throw;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(Home).ConfigureAwait(false);

    private static async Task StopAsync(string home)
    {
        // gpg starts a gpg-agent per home; gpgconf stops it (and it exits by itself once its home is gone).
        if (Executables.Find("gpgconf") is { } gpgconf)
        {
            try
            {
                await BuildTools.RunAsync(gpgconf, ["--homedir", home, "--kill", "gpg-agent"], CancellationToken.None).ConfigureAwait(false);
            }
            catch (SandbenchException)
            {
                // No agent was started.
            }
        }
        if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
    }
}
