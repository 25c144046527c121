using Sandbench.Core.Images;
using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

/// <summary>The keys of the imagepull experiment.</summary>
public static partial class PlanLoader
{
    private static string[] ImagePullKeys => ["padding", "layers", "pull"];

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
        return new ImagePullSpec(padding ?? d.PaddingBytes, layers ?? d.Layers, mode ?? d.Mode);
    }
}
