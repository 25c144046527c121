using Sandbench.Core.Images;
using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

/// <summary>The keys of the imagepull experiment.</summary>
public static partial class PlanLoader
{
    private static string[] ImagePullKeys => ["padding", "layers", "pull", "security", "compression"];

    private static readonly Dictionary<string, LayerCompression> Compressions = new(StringComparer.Ordinal)
    {
        ["gzip"] = LayerCompression.Gzip,
        ["zstd"] = LayerCompression.Zstd,
    };

    /// <summary>The name plans and the store give a layer compression.</summary>
    public static string Name(LayerCompression c) => Compressions.First(p => p.Value == c).Key;

    private static readonly Dictionary<string, PullMode> PullModes = new(StringComparer.Ordinal)
    {
        ["serial"] = PullMode.Serial,
        ["concurrent"] = PullMode.Concurrent,
        ["containerd"] = PullMode.Containerd,
    };

    /// <summary>The name plans and the store give a pull mode.</summary>
    public static string Name(PullMode m) => PullModes.First(p => p.Value == m).Key;

    /// <summary>The image of an imagepull section; null (and errors for any of its keys) on other types.</summary>
    private static ImagePullSpec? ReadImagePull(YamlReader r, Dictionary<string, YamlNode> keys, string path, string? type)
    {
        if (type != ImagePullSpec.Type)
        {
            if (type is not null)
                foreach (var key in ImagePullKeys.Where(keys.ContainsKey))
                    r.Error(keys[key], YamlReader.Join(path, key), $"'{key}' is a key of type imagepull only");
            return null;
        }
        var d = ImagePullSpec.Defaults;
        long? padding = Size(r, keys, "padding", path);
        if (padding is > ImagePullSpec.MaxPadding)
            r.Error(keys["padding"], YamlReader.Join(path, "padding"), "at most 4GiB of padding");
        int? layers = r.Int(keys, "layers", path, 1, 128);
        PullMode? mode = r.Enum(keys, "pull", path, PullModes);
        LayerCompression? compression = r.Enum(keys, "compression", path, Compressions);
        var security = new List<SecurityLevel>();
        foreach (var (value, node) in r.Strings(keys, "security", path) ?? [])
        {
            if (!SecurityLevels.ByName.TryGetValue(value, out var level))
                r.Error(node, YamlReader.Join(path, "security"), $"'{value}' is not a security level (valid: {string.Join(", ", SecurityLevels.ByName.Keys)})");
            else if (!security.Contains(level)) security.Add(level);
        }
        if (mode == PullMode.Containerd && security.Any(l => l != SecurityLevel.Plain))
            r.Error(keys["security"], YamlReader.Join(path, "security"), "the containerd comparison pulls plain images only (pull: serial or concurrent for signed or encrypted levels)");
        return new ImagePullSpec(padding ?? d.PaddingBytes, layers ?? d.Layers, mode ?? d.Mode, security.Count > 0 ? security : ImagePullSpec.PlainOnly)
        {
            Compression = compression ?? d.Compression,
        };
    }
}
