using System.Security.Cryptography;
using System.Text.Json;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Sandbench.Core.Images;

namespace Sandbench.Workloads.Images;

/// <summary>
/// Verifies containers' "simple signing" signatures (what <c>skopeo copy --sign-by</c> writes): an OpenPGP signed
/// message whose payload is JSON naming the manifest's digest and the image's reference. Signatures are read from a
/// lookaside directory (<c>REPO@sha256=HEX/signature-1</c>, the layout skopeo's <c>lookaside-staging: file://</c>
/// writes). The signature must verify with the one trusted public key, be made by that key, and name the pulled
/// manifest's digest and reference; anything else fails the pull before a layer is fetched.
/// </summary>
public sealed class SimpleSigningVerifier(byte[] trustedPublicKey, string lookasideDir)
{
    private const string SignatureType = "atomic container signature";

    /// <summary>Checks the signature of <paramref name="manifest"/> (the bytes as fetched) pulled as <paramref name="reference"/> (<c>HOST/REPO:TAG</c>).</summary>
    public async Task VerifyAsync(string reference, string repository, byte[] manifest, CancellationToken ct)
    {
        string digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest));
        string file = Path.Combine(lookasideDir, $"{repository}@sha256={digest[7..]}", "signature-1");
        if (!File.Exists(file)) throw new ImagePullException($"signature: none for {reference} ({digest}) in the lookaside {lookasideDir}");
        byte[] signature = await File.ReadAllBytesAsync(file, ct).ConfigureAwait(false);
        byte[] payload;
        try
        {
            payload = Verify(signature);
        }
        catch (Exception e) when (e is PgpException or IOException or InvalidDataException or InvalidCastException or NullReferenceException or ArgumentException)
        {
            throw new ImagePullException($"signature of {reference}: not a valid OpenPGP signed message ({e.GetType().Name}: {e.Message})");
        }
        try
        {
            using var doc = JsonDocument.Parse(payload);
            var critical = doc.RootElement.GetProperty("critical");
            string type = critical.GetProperty("type").GetString() ?? "";
            string signedDigest = critical.GetProperty("image").GetProperty("docker-manifest-digest").GetString() ?? "";
            string identity = critical.GetProperty("identity").GetProperty("docker-reference").GetString() ?? "";
            if (type != SignatureType) throw new ImagePullException($"signature of {reference}: type '{type}', not '{SignatureType}'");
            if (signedDigest != digest) throw new ImagePullException($"signature of {reference}: signs manifest {signedDigest}, the registry served {digest}");
            if (identity != reference) throw new ImagePullException($"signature of {reference}: signs the reference {identity}");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ImagePullException($"signature of {reference}: the signed payload is not simple-signing JSON ({e.Message})");
        }
    }

    /// <summary>The signed payload, once the signature verifies with the trusted key.</summary>
    private byte[] Verify(byte[] signature)
    {
        var keys = new PgpPublicKeyRingBundle(trustedPublicKey);
        var factory = new PgpObjectFactory(PgpUtilities.GetDecoderStream(new MemoryStream(signature)));
        var next = factory.NextPgpObject();
        if (next is PgpCompressedData compressed)
        {
            factory = new PgpObjectFactory(compressed.GetDataStream());
            next = factory.NextPgpObject();
        }
        if (next is not PgpOnePassSignatureList { Count: 1 } onePass) throw new PgpException("no one-pass signature packet");
        var ops = onePass[0];
        var key = keys.GetPublicKey(ops.KeyId)
            ?? throw new ImagePullException($"signature: made by key {ops.KeyId:X16}, which is not the trusted key");
        if (factory.NextPgpObject() is not PgpLiteralData literal) throw new PgpException("no literal data packet");
        using var payload = new MemoryStream();
        using (var data = literal.GetInputStream()) data.CopyTo(payload);
        if (factory.NextPgpObject() is not PgpSignatureList { Count: 1 } signatures) throw new PgpException("no signature packet");
        ops.InitVerify(key);
        ops.Update(payload.ToArray());
        if (!ops.Verify(signatures[0])) throw new ImagePullException($"signature: does not verify with the trusted key {Convert.ToHexString(key.GetFingerprint())} (tampered)");
        return payload.ToArray();
    }
}
