using Sandbench.Core.Runtimes;

namespace Sandbench.Kubernetes.Tests;

/// <summary>A knative profile's options: every wrong one is a line naming the profile and the option; an empty RuntimeClass is unset.</summary>
public sealed class KnativeSettingsTests
{
    private static (KnativeSettings Settings, IReadOnlyList<string> Problems) Read(params (string Key, string Value)[] options) =>
        (KnativeSettings.Read(new RuntimeProfile("kn", RuntimeKinds.Knative, options.ToDictionary(o => o.Key, o => o.Value)), out var problems), problems);

    [Fact]
    public void Read_WrongValues_OneLineEach()
    {
        var (_, problems) = Read(("namespace", ""), ("broker", "Events"), ("min-scale", "-1"), ("zero-timeout", "soon"), ("runtime-class", ""));

        Assert.Equal(
        [
            "kn: option 'namespace' must be a DNS label (lower-case letters, digits, '-', at most 63) (got '')",
            "kn: option 'broker' must be a DNS label (lower-case letters, digits, '-', at most 63) (got 'Events')",
            "kn: option 'min-scale' must be a whole number from 0 (got '-1')",
            "kn: option 'zero-timeout' must be a duration such as 60s (got 'soon')",
        ], problems);
    }

    [Fact]
    public void Read_GoodValues_Read_EmptyRuntimeClassUnset()
    {
        var (s, problems) = Read(("namespace", "bench"), ("broker", "events"), ("runtime-class", ""), ("zero-timeout", "90s"), ("container-concurrency", "1"));

        Assert.Empty(problems);
        Assert.Equal("bench", s.Namespace);
        Assert.Equal("events", s.Broker);
        Assert.Null(s.RuntimeClass);
        Assert.Equal(TimeSpan.FromSeconds(90), s.ZeroTimeout);
        Assert.Equal(1, s.ContainerConcurrency);
    }
}
