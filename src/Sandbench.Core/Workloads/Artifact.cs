namespace Sandbench.Core.Workloads;

/// <summary>
/// A workload packaged for running: a host program and a read-only root filesystem around it. A static
/// binary (C, Go) lives in the root filesystem; an interpreted or JIT-compiled one (Python, Node.js,
/// Java, C#) runs on the host's language runtime, which sandboxes bind read-only at the same paths
/// (<see cref="HostMounts"/>) instead of copying it.
/// </summary>
/// <param name="Workload">Workload name, e.g. <c>hello</c>.</param>
/// <param name="BinaryPath">The binary on the host.</param>
/// <param name="RootfsPath">A root filesystem holding the binary at <see cref="BinaryInRootfs"/>.</param>
/// <param name="BinaryInRootfs">Path of the binary inside the root filesystem.</param>
/// <param name="ContentHash">Hash of everything the artifact was built from.</param>
/// <param name="SizeBytes">Bytes of the binary.</param>
/// <param name="LeadingArgs">Arguments that select the workload's mode, placed before any the experiment adds.</param>
public sealed record Artifact(
    string Workload,
    string BinaryPath,
    string RootfsPath,
    string BinaryInRootfs,
    string ContentHash,
    long SizeBytes,
    IReadOnlyList<string> LeadingArgs)
{
    /// <summary>
    /// Host directories a sandbox binds read-only at the same path inside the root filesystem (a
    /// language runtime, e.g. <c>/usr</c>); empty for a static binary. Mount points exist in the rootfs.
    /// </summary>
    public IReadOnlyList<string> HostMounts { get; init; } = [];

    /// <summary>
    /// <see cref="LeadingArgs"/> as the process runtime passes them, when they name files of the
    /// root filesystem (a script, a class directory) by their host path; null when they are the same.
    /// </summary>
    public IReadOnlyList<string>? HostLeadingArgs { get; init; }

    /// <summary>The workload's arguments: its mode, then the experiment's.</summary>
    public IReadOnlyList<string> ArgsWith(IEnumerable<string> experimentArgs) => [.. LeadingArgs, .. experimentArgs];

    /// <summary>The same for a program started on the host, outside the root filesystem (the process runtime).</summary>
    public IReadOnlyList<string> HostArgsWith(IEnumerable<string> experimentArgs) => [.. HostLeadingArgs ?? LeadingArgs, .. experimentArgs];
}

/// <summary>What a microVM boots: a kernel and an initramfs that runs the workload, with their sizes.</summary>
/// <param name="KernelVersion">The guest kernel's release, e.g. 6.1.0-56-cloud-amd64.</param>
public sealed record GuestImage(string KernelPath, string KernelVersion, long KernelBytes, string InitrdPath, long InitrdBytes);

/// <summary>Builds (once, cached by content hash) the artifacts of workloads.</summary>
public interface IArtifactProvider
{
    IReadOnlyList<string> Workloads { get; }

    Task<Artifact> GetAsync(string workload, CancellationToken ct);

    /// <summary>A guest kernel and an initramfs running <paramref name="workload"/>, padded by <paramref name="paddingBytes"/>.</summary>
    Task<GuestImage> GetGuestImageAsync(string workload, long paddingBytes, CancellationToken ct);

    /// <summary>
    /// The guest kernel of <paramref name="image"/> as an uncompressed ELF <c>vmlinux</c> (for VMMs that
    /// cannot boot a bzImage: Firecracker, Cloud Hypervisor), unpacked once and cached.
    /// </summary>
    Task<string> GetUncompressedKernelAsync(GuestImage image, CancellationToken ct) =>
        throw new NotSupportedException("this artifact provider has no uncompressed guest kernel");
}
