using System.Globalization;
using System.Text;
using Sandbench.Core.Stats;
using static Sandbench.Report.Html.HtmlReport;
using static Sandbench.Report.Html.HtmlTables;

namespace Sandbench.Report.Html;

/// <summary>The image-pull table of the HTML report, as <c>sandbench show</c> prints it.</summary>
internal static class HtmlImagePullTable
{
    public static void Write(StringBuilder h, RunData run, string of)
    {
        var rows = run.ImagePull;
        if (rows.Count == 0) return;
        static string F(Summary? s) => s is null ? "–" : s.P50.ToString(s.P50 >= 100 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        Table(h, "imagepull: median ms (steps summed over layers)" + of,
            ["runtime", "layers", "compression", "padding bytes", "pull", "security", "n", "image MiB", "pull ms", "manifest", "signature", "fetch", "verify", "decrypt", "decompress", "unpack", "failed"],
            rows.Select(r => new[]
            {
                r.Runtime, r.Layers, r.Compression, r.Padding, r.Mode, r.Security, Inv($"{r.Pull?.N ?? 0}"), r.ImageMiB?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–",
                F(r.Pull), F(r.Manifest), F(r.Signature), F(r.Fetch), F(r.Verify), F(r.Decrypt), F(r.Decompress), F(r.Unpack), Inv($"{r.Failed}"),
            }), numeric: [1, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        h.Append("<p class=\"note\">pull: manifest GET → last layer unpacked; concurrent pulls overlap the layers' steps, so the sums can exceed the pull; decrypt (encrypted levels): JWE key unwrap, HMAC-SHA256 and AES-256-CTR per layer; containerd: ctr content fetch, then ctr images pull of the local content (unpack)</p>\n");
        foreach (var r in rows)
            foreach (var e in r.Errors) h.Append("<p class=\"note\">").Append(E($"{r.Runtime} ({r.Layers} {r.Compression} layers, {r.Mode}, {r.Security}): {e}")).Append("</p>\n");
    }
}
