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

    [Fact]
    public async Task Doctor_NoOpenFaasGateway_ReportsItUnusableWithTheReasonAndTheSetUp()
    {
        var doctor = await _h.RunAsync("doctor", "--json", "--kubeconfig", "/nonexistent/kubeconfig");
        using var json = JsonDocument.Parse(doctor.Out);
        var openfaas = Assert.Single(json.RootElement.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("kind").GetString() == "openfaas");
        Assert.Equal("openfaas", openfaas.GetProperty("name").GetString());
        Assert.False(openfaas.GetProperty("usable").GetBoolean());
        Assert.False(string.IsNullOrEmpty(openfaas.GetProperty("reason").GetString()));
        Assert.Contains("docs/openfaas.md", openfaas.GetProperty("installHint").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CleanOpenFaas_NoGateway_SaysSoAndFails()
    {
        int port = Sandbench.Core.Runtimes.Loopback.FreePort();
        var clean = await _h.RunAsync("clean", "--openfaas", "--gateway", $"http://127.0.0.1:{port}");
        Assert.Equal(1, clean.Code);
        Assert.Contains($"could not list OpenFaaS functions at http://127.0.0.1:{port}/: Connection refused", clean.Out, StringComparison.Ordinal);

        var bad = await _h.RunAsync("clean", "--openfaas", "--gateway", "ftp://x");
        Assert.Equal(1, bad.Code);
        Assert.Contains("could not clean OpenFaaS functions: openfaas: option 'gateway' must be the gateway's http:// URL", bad.Out, StringComparison.Ordinal);
    }
}
