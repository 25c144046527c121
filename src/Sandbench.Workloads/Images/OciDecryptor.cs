using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sandbench.Core.Images;

namespace Sandbench.Workloads.Images;

/// <summary>
/// Decrypts ocicrypt layers (the <c>+encrypted</c> media types <c>skopeo copy --encryption-key jwe:KEY.pem</c> writes)
/// with the RSA private key it holds. The layer descriptor's <c>org.opencontainers.image.enc.keys.jwe</c> annotation
/// holds, per recipient, a JWE (JSON serialization, <c>RSA-OAEP</c> key wrap, <c>A256GCM</c> content) whose plaintext
/// is the layer's private options: the symmetric key, the AES-CTR nonce and the plaintext's digest.
/// <c>org.opencontainers.image.enc.pubopts</c> names the cipher (<c>AES_256_CTR_HMAC_SHA256</c>) and the HMAC-SHA256 of
/// the ciphertext under that key. The HMAC is checked, the blob decrypted, and the plaintext's digest checked.
/// </summary>
public sealed class OciDecryptor(RSA privateKey)
{
    public const string KeysAnnotation = "org.opencontainers.image.enc.keys.jwe";
    public const string PubOptsAnnotation = "org.opencontainers.image.enc.pubopts";
    public const string EncryptedSuffix = "+encrypted";
    private const string Cipher = "AES_256_CTR_HMAC_SHA256";

    /// <summary>Decrypts <paramref name="blob"/> into <paramref name="output"/>; throws <see cref="ImagePullException"/> naming the layer when anything does not check.</summary>
    public async Task DecryptAsync(string digest, IReadOnlyDictionary<string, string> annotations, string blob, string output, CancellationToken ct)
    {
        if (!annotations.TryGetValue(KeysAnnotation, out var keys) || !annotations.TryGetValue(PubOptsAnnotation, out var pubopts))
            throw new ImagePullException($"layer {digest}: encrypted, but its descriptor lacks the {KeysAnnotation} or {PubOptsAnnotation} annotation");
        var (symkey, nonce, plainDigest) = Unwrap(digest, keys);
        byte[] hmac;
        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(pubopts));
            string cipher = doc.RootElement.GetProperty("cipher").GetString() ?? "";
            if (cipher != Cipher) throw new ImagePullException($"layer {digest}: cipher {cipher} is not decrypted (only {Cipher})");
            hmac = Convert.FromBase64String(doc.RootElement.GetProperty("hmac").GetString() ?? "");
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ImagePullException($"layer {digest}: {PubOptsAnnotation} is not base64 JSON with cipher and hmac ({e.Message})");
        }
        if (symkey.Length != 32 || nonce.Length != 16)
            throw new ImagePullException($"layer {digest}: the layer key is {symkey.Length} bytes and the nonce {nonce.Length} (AES-256-CTR takes 32 and 16)");

        // One pass: HMAC over the ciphertext, AES-CTR (the counter block's keystream by AES-ECB, big-endian 128-bit counter) to the output.
        using var aes = Aes.Create();
        aes.Key = symkey;
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, symkey);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var counter = (byte[])nonce.Clone();
        var buffer = new byte[1 << 16];
        var counters = new byte[buffer.Length];
        var stream = new byte[buffer.Length];
        await using (var input = File.OpenRead(blob))
        await using (var outFile = File.Create(output))
        {
            int n;
            while ((n = await ReadFullAsync(input, buffer, ct).ConfigureAwait(false)) > 0)
            {
                mac.AppendData(buffer, 0, n);
                int blocks = (n + 15) / 16;
                for (int b = 0; b < blocks; b++)
                {
                    counter.CopyTo(counters, b * 16);
                    Increment(counter);
                }
                aes.EncryptEcb(counters.AsSpan(0, blocks * 16), stream.AsSpan(0, blocks * 16), PaddingMode.None);
                for (int i = 0; i < n; i++) buffer[i] ^= stream[i];
                sha.AppendData(buffer, 0, n);
                await outFile.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            }
        }
        if (!CryptographicOperations.FixedTimeEquals(mac.GetHashAndReset(), hmac))
            throw new ImagePullException($"layer {digest}: the ciphertext's HMAC-SHA256 does not match the one in {PubOptsAnnotation} (tampered or a different key)");
        string got = "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset());
        if (got != plainDigest)
            throw new ImagePullException($"layer {digest}: the decrypted layer's digest is {got}, its private options say {plainDigest}");
    }

    /// <summary>The first recipient's JWE that the private key opens: the layer key, nonce and plaintext digest.</summary>
    private (byte[] Key, byte[] Nonce, string Digest) Unwrap(string digest, string keys)
    {
        var problems = new List<string>();
        foreach (var part in keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var jwe = JsonDocument.Parse(Convert.FromBase64String(part));
                var root = jwe.RootElement;
                string protectedB64 = root.GetProperty("protected").GetString() ?? "";
                using var header = JsonDocument.Parse(Base64Url(protectedB64));
                string alg = header.RootElement.GetProperty("alg").GetString() ?? "";
                string enc = header.RootElement.GetProperty("enc").GetString() ?? "";
                if (alg != "RSA-OAEP" || enc != "A256GCM")
                {
                    problems.Add($"JWE {alg}/{enc} is not opened (only RSA-OAEP/A256GCM)");
                    continue;
                }
                byte[] cek;
                try
                {
                    cek = privateKey.Decrypt(Base64Url(root.GetProperty("encrypted_key").GetString() ?? ""), RSAEncryptionPadding.OaepSHA1);
                }
                catch (CryptographicException)
                {
                    problems.Add("the private key held does not unwrap the recipient's key (RSA-OAEP failed: encrypted for another key)");
                    continue;
                }
                byte[] iv = Base64Url(root.GetProperty("iv").GetString() ?? "");
                byte[] ciphertext = Base64Url(root.GetProperty("ciphertext").GetString() ?? "");
                byte[] tag = Base64Url(root.GetProperty("tag").GetString() ?? "");
                byte[] aad = Encoding.ASCII.GetBytes(root.TryGetProperty("aad", out var a) ? protectedB64 + "." + a.GetString() : protectedB64);
                var plain = new byte[ciphertext.Length];
                using (var gcm = new AesGcm(cek, tag.Length)) gcm.Decrypt(iv, ciphertext, tag, plain, aad);
                using var opts = JsonDocument.Parse(plain);
                var o = opts.RootElement;
                return (Convert.FromBase64String(o.GetProperty("symkey").GetString() ?? ""),
                    Convert.FromBase64String(o.GetProperty("cipheroptions").GetProperty("nonce").GetString() ?? ""),
                    o.GetProperty("digest").GetString() ?? "");
            }
            catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException or CryptographicException or ArgumentException)
            {
                problems.Add($"a recipient's JWE does not parse or authenticate ({e.Message})");
            }
        }
        throw new ImagePullException($"layer {digest}: cannot decrypt: {(problems.Count == 0 ? $"{KeysAnnotation} names no recipient" : string.Join("; ", problems.Distinct()))}");
    }

    private static byte[] Base64Url(string s)
    {
        string b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b + new string('=', (4 - b.Length % 4) % 4));
    }

    private static void Increment(byte[] counter)
    {
        for (int i = counter.Length - 1; i >= 0; i--)
            if (++counter[i] != 0) return;
    }

    private static async Task<int> ReadFullAsync(Stream s, byte[] buffer, CancellationToken ct)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await s.ReadAsync(buffer.AsMemory(total), ct).ConfigureAwait(false);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
