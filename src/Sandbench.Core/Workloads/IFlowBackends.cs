namespace Sandbench.Core.Workloads;

/// <summary>
/// Starts what the application flows' functions use besides each other: a MariaDB seeded with
/// <see cref="Flows.SeedSql"/> and an image server, both on 127.0.0.1 only, with their files under
/// a directory the caller owns. Core defines it; the composition root supplies the implementation.
/// </summary>
public interface IFlowBackends
{
    /// <summary>Starts both and waits until each answers; on failure nothing is left running.</summary>
    /// <param name="name">The trial's sandbox name: the servers' processes carry it in their environment, so <c>sandbench clean</c> finds them after a crash.</param>
    /// <param name="workDir">Where their data goes (a fresh data directory per call); the caller removes it.</param>
    /// <param name="artifact">The flows' workload artifact (it makes the image the server serves).</param>
    Task<IFlowServices> StartAsync(string name, string workDir, Artifact artifact, CancellationToken ct);
}

/// <summary>Running backends. Disposing stops both and waits until they are gone.</summary>
public interface IFlowServices : IAsyncDisposable
{
    /// <summary>What a function needs to reach them: <c>DB_HOST</c>, <c>DB_PORT</c>, <c>DB_USER</c>, <c>DB_PASSWORD</c>, <c>DB_NAME</c>, <c>IMAGE_URL</c>.</summary>
    IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>What to store with a trial: versions, start times, the image's size (no secrets).</summary>
    IReadOnlyDictionary<string, string> Details { get; }
}
