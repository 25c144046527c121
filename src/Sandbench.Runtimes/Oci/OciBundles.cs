using Sandbench.Core.Workloads;

namespace Sandbench.Runtimes.Oci;

/// <summary>The bundles Sandbench runs, written out so others can run the very same thing with their own tools.</summary>
public static class OciBundles
{
    /// <summary>
    /// Writes the bundle the <c>oci</c> runtimes get for a socket-activated cold start
    /// (<c>LISTEN_FDS=1</c>, host network): run it with <c>runc create --preserve-fds 1</c>.
    /// </summary>
    public static string WriteSocketActivated(string dir, Artifact artifact) =>
        OciBundle.Write(dir, artifact, artifact.ArgsWith([]), new Dictionary<string, string>
        {
            ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["LISTEN_FDS"] = "1",
        }, ownNetwork: false);
}
