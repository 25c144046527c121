using System.Globalization;
using Sandbench.Core.Plans;
using Sandbench.Core.Runtimes;

namespace Sandbench.Kubernetes.OpenFaas;

/// <summary>
/// An openfaas runtime profile's options, read and checked: the gateway and its credentials, the image and
/// process each function runs, and the scaling labels and profile annotation users tune.
/// </summary>
public sealed record OpenFaasSettings
{
    /// <summary>The OpenFaaS store's smallest function image: the classic watchdog answering with what its process prints.</summary>
    public const string DefaultImage = "ghcr.io/openfaas/alpine:latest";

    /// <summary>What the default image's watchdog runs per request (its <c>fprocess</c>).</summary>
    public const string DefaultProcess = "echo hello";

    /// <summary>The gateway's address (what faas-cli's --gateway takes).</summary>
    public Uri Gateway { get; init; } = new("http://127.0.0.1:8080/");

    /// <summary>Basic-auth user of /system; the gateway's default is admin.</summary>
    public string User { get; init; } = "admin";

    /// <summary>The basic-auth password, from the profile's <c>password-file</c> or <c>OPENFAAS_PASSWORD</c>; null: none sent.</summary>
    public string? Password { get; init; }

    /// <summary>Where the password came from, for messages (never the password itself).</summary>
    public string PasswordSource { get; init; } = "none";

    /// <summary>The functions' namespace; null: the provider's default (openfaas-fn). Other namespaces need OpenFaaS Standard.</summary>
    public string? Namespace { get; init; }

    public string Image { get; init; } = DefaultImage;

    /// <summary>The watchdog's fprocess; null with an image of the user's own (its own default).</summary>
    public string? Process { get; init; } = DefaultProcess;

    /// <summary><c>com.openfaas.scale.min</c> and <c>.max</c>.</summary>
    public int? MinScale { get; init; }
    public int? MaxScale { get; init; }

    /// <summary><c>com.openfaas.profile</c>: a Profile (OpenFaaS Standard) that sets the RuntimeClass, e.g. gvisor or kata.</summary>
    public string? Profile { get; init; }

    /// <summary>How often a function's status is read while a trial waits on it: the resolution of the replica phases.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a cold start waits for the function to be read at zero replicas before its request.</summary>
    public TimeSpan ZeroTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Reads a profile's options; every problem is one line naming the profile and the option.</summary>
    /// <param name="environment">The variable lookup (OPENFAAS_PASSWORD); the process's own by default.</param>
    public static OpenFaasSettings Read(RuntimeProfile p, out IReadOnlyList<string> problems, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var o = new OptionReader(p);
        var errors = o.Errors;
        var gateway = new Uri("http://127.0.0.1:8080/");
        if (p.Option("gateway") is { } g)
        {
            if (Uri.TryCreate(g.EndsWith('/') ? g : g + "/", UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttp
                && u.Host.Length > 0 && u.Query.Length == 0)
                gateway = u;
            else
                errors.Add($"{p.Name}: option 'gateway' must be the gateway's http:// URL, e.g. http://127.0.0.1:8080 (got '{g}'; https is not supported: the cold request is timed on a plain socket)");
        }
        string? password = null, source = "none";
        if (p.Option("password-file") is { } file)
        {
            try
            {
                password = File.ReadAllText(file).TrimEnd('\r', '\n');
                source = file;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                errors.Add($"{p.Name}: option 'password-file' cannot be read: {e.Message}");
            }
        }
        else if (environment("OPENFAAS_PASSWORD") is { Length: > 0 } env)
        {
            (password, source) = (env, "OPENFAAS_PASSWORD");
        }
        string image = p.Option("image") ?? DefaultImage;
        var s = new OpenFaasSettings
        {
            Gateway = gateway,
            User = p.Option("user") ?? "admin",
            Password = password,
            PasswordSource = source,
            Namespace = o.Label("namespace", emptyIsUnset: true),
            Image = image,
            // Another image brings its own fprocess unless the profile names one.
            Process = p.Option("process") is { Length: > 0 } proc ? proc : image == DefaultImage ? DefaultProcess : null,
            MinScale = o.Int("min-scale", 0),
            MaxScale = o.Int("max-scale", 1),
            Profile = o.Label("profile", emptyIsUnset: true),
            Poll = o.Duration("poll", TimeSpan.FromMilliseconds(1)) ?? TimeSpan.FromMilliseconds(50),
            ZeroTimeout = o.Duration("zero-timeout", TimeSpan.Zero) ?? TimeSpan.FromMinutes(2),
        };
        if (image.Length == 0 || image.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            errors.Add($"{p.Name}: option 'image' must be an image reference such as {DefaultImage}");
        if (s.MinScale is { } min && s.MaxScale is { } max && min > max)
            errors.Add($"{p.Name}: option 'min-scale' ({min}) is above 'max-scale' ({max})");
        problems = errors;
        return s;
    }

    /// <summary>The function's labels for the options that are set (OpenFaaS's names), beside the run label.</summary>
    public Dictionary<string, string> Labels(string runId)
    {
        var l = new Dictionary<string, string>(StringComparer.Ordinal) { [Resources.RunLabel] = runId };
        if (MinScale is { } min) l["com.openfaas.scale.min"] = min.ToString(CultureInfo.InvariantCulture);
        if (MaxScale is { } max) l["com.openfaas.scale.max"] = max.ToString(CultureInfo.InvariantCulture);
        return l;
    }
}
