using k8s;
using k8s.Exceptions;

namespace Sandbench.Kubernetes;

/// <summary>
/// Finds the cluster: an explicit kubeconfig (<c>--kubeconfig</c> or the profile's <c>kubeconfig</c>), else
/// <c>KUBECONFIG</c> (its first file), else <c>~/.kube/config</c>, else the in-cluster service account.
/// </summary>
public static class ClusterConnection
{
    /// <summary>Where the configuration came from and the client; or why there is none (never throws for a missing or bad file).</summary>
    public static bool TryConnect(string? kubeconfig, string? context, out IKubernetes? client, out string source, out string? problem)
    {
        client = null;
        problem = null;
        source = "";
        try
        {
            KubernetesClientConfiguration config;
            string? path = kubeconfig ?? FirstOf(Environment.GetEnvironmentVariable("KUBECONFIG"));
            if (path is null)
            {
                string home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
                if (File.Exists(home)) path = home;
            }
            if (path is not null)
            {
                if (!File.Exists(path))
                {
                    problem = $"kubeconfig {path} does not exist";
                    return false;
                }
                config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context);
                source = path;
            }
            else if (KubernetesClientConfiguration.IsInCluster())
            {
                config = KubernetesClientConfiguration.InClusterConfig();
                source = "in-cluster service account";
            }
            else
            {
                problem = "no kubeconfig: KUBECONFIG is unset, ~/.kube/config does not exist and this is not a pod (give --kubeconfig or the profile's 'kubeconfig')";
                return false;
            }
            client = new k8s.Kubernetes(config);
            return true;
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or FormatException
                                      or YamlDotNet.Core.YamlException or ArgumentException or InvalidOperationException)
        {
            problem = $"kubeconfig {(source.Length > 0 ? source : kubeconfig ?? "")}: {e.Message}".Replace(":  ", ": ", StringComparison.Ordinal);
            return false;
        }
    }

    private static string? FirstOf(string? list) =>
        list?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
}
