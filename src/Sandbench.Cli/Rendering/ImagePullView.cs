using System.Globalization;
using Sandbench.Core.Stats;
using Spectre.Console;

namespace Sandbench.Cli.Rendering;

/// <summary>The image-pull table: per image configuration, the pull and its steps (median ms).</summary>
internal static class ImagePullView
{
    public static void Print(IReadOnlyList<ImagePullResult> results)
    {
        var table = new Table().Title("imagepull: median ms (steps summed over layers)");
        foreach (var c in new[] { "runtime", "layers", "padding", "pull", "security", "n", "image MiB", "pull ms", "MiB/s", "manifest", "signature", "fetch", "verify", "decrypt", "decompress", "unpack", "failed" })
            table.AddColumn(new TableColumn(c) { Alignment = c is "runtime" or "pull" or "security" ? Justify.Left : Justify.Right });
        static string F(Summary? s) => s is null ? "–" : s.P50.ToString(s.P50 >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        foreach (var r in results)
        {
            string rate = r.ImageMiB is { } mib && r.Pull is { P50: > 0 } p ? (mib / (p.P50 / 1000)).ToString("0.0", CultureInfo.InvariantCulture) : "–";
            table.AddRow(Markup.Escape(r.Runtime), $"{r.Layers} {Markup.Escape(r.Compression)}", Markup.Escape(MiB(r.Padding)), r.Mode, Markup.Escape(r.Security), (r.Pull?.N ?? 0).ToString(CultureInfo.InvariantCulture),
                r.ImageMiB?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–", F(r.Pull), rate, F(r.Manifest), F(r.Signature), F(r.Fetch), F(r.Verify), F(r.Decrypt), F(r.Decompress), F(r.Unpack),
                r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]pull: manifest GET → last layer unpacked; signature (signed levels): the manifest's simple-signing signature verified (OpenPGP), before any layer; fetch: blob bytes over HTTP to a file; verify: sha256 of the file against the manifest's digest; decrypt (encrypted levels): JWE key unwrap (RSA-OAEP), HMAC-SHA256 and AES-256-CTR of the layer; decompress: gzip or zstd streamed to a tar file; unpack: tar to a directory. Concurrent pulls overlap the layers' steps, so the sums can exceed the pull[/]");
        foreach (var r in results)
            foreach (var e in r.Errors) AnsiConsole.MarkupLineInterpolated($"[red]{r.Runtime} ({r.Layers} {r.Compression} layers, {r.Mode}, {r.Security})[/]: {e}");
    }

    private static string MiB(string bytes) =>
        long.TryParse(bytes, NumberStyles.None, CultureInfo.InvariantCulture, out long b) ? (b / 1048576.0).ToString("0.##", CultureInfo.InvariantCulture) + " MiB" : bytes;
}
