using Sandbench.Core.Experiments;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Core.Tests.Experiments;

public sealed class ColdStartExperimentTests
{
    private static readonly RuntimeCapabilities SocketAndLoopback = new(SocketActivation: true, SharesHostClock: true, HostLoopback: true);
    private static readonly RuntimeCapabilities LoopbackOnly = new(SocketActivation: false, SharesHostClock: false, HostLoopback: true);
    private static readonly RuntimeCapabilities SocketOnly = new(SocketActivation: true, SharesHostClock: false, HostLoopback: false);
    private static readonly RuntimeCapabilities Neither = new(SocketActivation: false, SharesHostClock: false, HostLoopback: false);

    private readonly ColdStartExperiment _experiment = new();

    private static ExperimentSpec Spec(ReadinessMethod readiness) => ExperimentSpec.ColdStartDefaults with { Readiness = readiness };

    [Fact]
    public void Resolve_AutoWithSocketActivation_PicksSocket() =>
        Assert.Equal(ReadinessMethod.Socket, ColdStartExperiment.Resolve(ReadinessMethod.Auto, SocketAndLoopback));

    [Fact]
    public void Resolve_AutoWithoutSocketActivation_PicksConnectRetry() =>
        Assert.Equal(ReadinessMethod.ConnectRetry, ColdStartExperiment.Resolve(ReadinessMethod.Auto, LoopbackOnly));

    [Theory]
    [InlineData(ReadinessMethod.Socket, true)]
    [InlineData(ReadinessMethod.Socket, false)]
    [InlineData(ReadinessMethod.ConnectRetry, true)]
    [InlineData(ReadinessMethod.ConnectRetry, false)]
    public void Resolve_ForcedMethod_KeepsIt(ReadinessMethod forced, bool socketActivation) =>
        Assert.Equal(forced, ColdStartExperiment.Resolve(forced, SocketAndLoopback with { SocketActivation = socketActivation }));

    [Theory]
    [InlineData(ReadinessMethod.Auto)]
    [InlineData(ReadinessMethod.Socket)]
    [InlineData(ReadinessMethod.ConnectRetry)]
    public void Check_RuntimeCapableOfBoth_NoProblems(ReadinessMethod readiness) =>
        Assert.Empty(_experiment.Check(Spec(readiness), new FakeRuntime("runc", SocketAndLoopback)));

    [Fact]
    public void Check_AutoOnLoopbackOnlyRuntime_NoProblems() =>
        Assert.Empty(_experiment.Check(Spec(ReadinessMethod.Auto), new FakeRuntime("runsc", LoopbackOnly)));

    [Fact]
    public void Check_AutoOnSocketOnlyRuntime_NoProblems() =>
        Assert.Empty(_experiment.Check(Spec(ReadinessMethod.Auto), new FakeRuntime("isolated", SocketOnly)));

    [Fact]
    public void Check_ForcedSocketWithoutSocketActivation_ProblemNamesRuntime()
    {
        var problem = Assert.Single(_experiment.Check(Spec(ReadinessMethod.Socket), new FakeRuntime("runsc", LoopbackOnly)));

        Assert.Equal("runsc: readiness 'socket' needs socket activation, which this runtime cannot do (use connect-retry)", problem);
    }

    [Fact]
    public void Check_ConnectRetryOnNetworkNone_ProblemNamesRuntime()
    {
        var problem = Assert.Single(_experiment.Check(Spec(ReadinessMethod.ConnectRetry), new FakeRuntime("runc-none", SocketOnly)));

        Assert.Equal("runc-none: readiness 'connect-retry' needs the function on host loopback, but the profile has network: none", problem);
    }

    [Fact]
    public void Check_AutoWithNeitherSocketNorLoopback_ConnectRetryProblem()
    {
        var problem = Assert.Single(_experiment.Check(Spec(ReadinessMethod.Auto), new FakeRuntime("sealed", Neither)));

        Assert.StartsWith("sealed: readiness 'connect-retry' needs the function on host loopback", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ConnectRetryOnOwnNetworkNamespace_NoProblems() =>
        Assert.Empty(_experiment.Check(Spec(ReadinessMethod.ConnectRetry), new FakeRuntime("runc-netns", Neither with { OwnEndpoint = true })));

    [Fact]
    public void Check_ConnectRetryOnVmGuestAddress_ProblemNamesRuntime()
    {
        var vm = Neither with { OwnEndpoint = true, GuestMarker = true };

        var problem = Assert.Single(_experiment.Check(Spec(ReadinessMethod.ConnectRetry), new FakeRuntime("firecracker", vm)));

        Assert.StartsWith("firecracker: readiness 'connect-retry'", problem, StringComparison.Ordinal);
        Assert.Empty(_experiment.Check(Spec(ReadinessMethod.Auto), new FakeRuntime("firecracker", vm)));
    }

    [Fact]
    public void Name_Always_IsColdstart() => Assert.Equal("coldstart", _experiment.Name);
}
