using System.Globalization;
using Sandbench.Core.Images;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;
using Sandbench.Core.Storage;
using Sandbench.Core.Timing;

namespace Sandbench.Core.Experiments;

/// <summary>
/// Imagepull (seed 000's pull breakdown): an OCI image of the workload's root filesystem plus random padding, in
/// gzip layers, is served by a registry on 127.0.0.1 and pulled by Sandbench's own distribution client, which
/// times per layer the fetch (bytes over HTTP), the verify (sha256 against the manifest's digest), the
/// decompression (streamed on its own) and the unpack (tar to a directory). Samples: <c>pull_ns</c> (manifest
/// GET to the last layer unpacked), <c>manifest_ns</c>, the sums over layers <c>fetch_ns</c>, <c>verify_ns</c>,
/// <c>decompress_ns</c>, <c>unpack_ns</c>, <c>image_bytes</c>, and per layer <c>layerN.STEP_ns</c>. The pull
/// happens on the host, not in a sandbox: the section's runtime is <c>process</c>. Each trial pulls at one security
/// level (parameter <c>security</c>): encrypted levels add <c>decrypt_ns</c> (and <c>layerN.decrypt_ns</c>).
/// </summary>
public sealed class ImagePullExperiment : IExperiment
{
    public const string PullMetric = "pull_ns";
    public const string ManifestMetric = "manifest_ns";
    public const string ImageMetric = "image_bytes";

    /// <summary>The steps of a layer's pull, in order, as their metric names.</summary>
    public static IReadOnlyList<string> Steps { get; } = ["fetch_ns", "verify_ns", "decrypt_ns", "decompress_ns", "unpack_ns"];

    public string Name => ImagePullSpec.Type;

    public IEnumerable<string> Check(ExperimentSpec spec, IRuntime runtime)
    {
        if (runtime.Profile.Kind != RuntimeKinds.Process)
            yield return $"{runtime.Profile.Name}: imagepull pulls on the host with Sandbench's own client; list the runtime 'process' for it";
        if (spec.Readiness != ReadinessMethod.Auto)
            yield return $"{runtime.Profile.Name}: imagepull starts no sandbox and takes no readiness method";
    }

    public async Task<TrialOutcome> RunAsync(TrialContext context, CancellationToken ct)
    {
        var c = context;
        var spec = c.Trial.Spec;
        var image = spec.Image ?? ImagePullSpec.Defaults;
        var security = c.Trial.Security ?? SecurityLevel.Plain;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["timeout"] = Durations.Format(spec.Timeout),
            ["padding"] = image.PaddingBytes.ToString(CultureInfo.InvariantCulture),
            ["layers"] = image.Layers.ToString(CultureInfo.InvariantCulture),
            ["pull"] = PlanLoader.Name(image.Mode),
            ["security"] = SecurityLevels.Name(security),
            ["compression"] = PlanLoader.Name(image.Compression),
        };
        var samples = new List<KeyValuePair<string, double>>();
        TrialStatus status = TrialStatus.Ok;
        string? error = null;
        long origin = c.Clock.NowNs();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(spec.Timeout);
        try
        {
            var lab = c.Images ?? throw new ImagePullException("this program has no image lab (imagepull runs from the sandbench command)");
            var m = await lab.PullAsync(new ImagePullRequest(c.Artifact.RootfsPath, image.Layers, image.PaddingBytes, image.Mode, security, image.Compression), c.WorkDir, c.Clock, deadline.Token)
                .ConfigureAwait(false);
            foreach (var (k, v) in m.Details) parameters[k] = v;
            samples.Add(new(PullMetric, m.TotalNs));
            if (m.ManifestNs is { } manifest) samples.Add(new(ManifestMetric, manifest));
            samples.Add(new(ImageMetric, m.ImageBytes));
            foreach (var (step, ns) in m.Steps) samples.Add(new(step, ns));
            for (int i = 0; i < m.Layers.Count; i++)
            {
                var l = m.Layers[i];
                samples.Add(new($"layer{i}.bytes", l.Bytes));
                samples.Add(new($"layer{i}.fetch_ns", l.FetchNs));
                samples.Add(new($"layer{i}.verify_ns", l.VerifyNs));
                if (security.IsEncrypted()) samples.Add(new($"layer{i}.decrypt_ns", l.DecryptNs));
                samples.Add(new($"layer{i}.decompress_ns", l.DecompressNs));
                samples.Add(new($"layer{i}.unpack_ns", l.UnpackNs));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            status = TrialStatus.Timeout;
            error = $"the pull did not end within {Durations.Format(spec.Timeout)}";
        }
        catch (OperationCanceledException)
        {
            status = TrialStatus.Interrupted;
            error = "interrupted";
        }
        catch (Exception e) when (e is ImagePullException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            status = TrialStatus.Failed;
            error = e.Message;
        }
        if (status != TrialStatus.Ok) samples.Clear();
        return new TrialOutcome(status, error, "none", 0, [new(Phases.Done, c.Clock.NowNs() - origin)], samples, parameters) { OriginNs = origin };
    }
}
