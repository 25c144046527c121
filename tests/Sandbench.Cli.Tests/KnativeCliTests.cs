using System.Text.Json;

namespace Sandbench.Cli.Tests;

public sealed class KnativeCliTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Doctor_NoCluster_ReportsKnativeUnusableWithTheReason()
    {
        var doctor = await _h.RunAsync("doctor", "--json", "--kubeconfig", "/nonexistent/kubeconfig");
        Assert.Equal(0, doctor.Code);
        using var json = JsonDocument.Parse(doctor.Out);
        var knative = json.RootElement.GetProperty("runtimes").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == "knative").ToList();
        Assert.Equal(["knative", "knative-gvisor", "knative-kata"], knative.Select(r => r.GetProperty("name").GetString()));
        Assert.All(knative, r =>
        {
            Assert.False(r.GetProperty("usable").GetBoolean());
            Assert.Equal("kubeconfig /nonexistent/kubeconfig does not exist", r.GetProperty("reason").GetString());
        });
    }

    [Fact]
    public async Task CleanKubernetes_NoCluster_SaysSoAndFails()
    {
        var clean = await _h.RunAsync("clean", "--kubernetes", "--kubeconfig", "/nonexistent/kubeconfig");
        Assert.Equal(1, clean.Code);
        Assert.Contains("could not reach a cluster: kubeconfig /nonexistent/kubeconfig does not exist", clean.Out, StringComparison.Ordinal);
    }
}
