using System.Text.RegularExpressions;
using Sandbench.Core.Runtimes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sandbench.Core.Plans;

/// <summary>
/// Reads a plan from YAML and validates all of it before anything starts: every problem is reported
/// at once, each with its key path and line.
/// </summary>
public static partial class PlanLoader
{
    private static readonly string[] TopKeys = ["name", "description", "runtimes", "workloads", "experiments"];
    private static readonly string[] ExperimentKeys = ["type", "iterations", "warmup", "timeout", "readiness", "retry-spacing", "order", "sweep", "sample-interval", "via", "min-time", "rounds",
        .. FleetKeys, .. ImagePullKeys];
    private static readonly string[] ProfileBaseKeys = ["name", "kind", "extends"];

    private static readonly Dictionary<string, ReadinessMethod> ReadinessNames = new(StringComparer.Ordinal)
    {
        ["auto"] = ReadinessMethod.Auto,
        ["socket"] = ReadinessMethod.Socket,
        ["connect-retry"] = ReadinessMethod.ConnectRetry,
        ["marker"] = ReadinessMethod.Marker,
    };

    private static readonly Dictionary<string, RequestPath> ViaNames = new(StringComparer.Ordinal)
    {
        ["direct"] = RequestPath.Direct,
        ["gateway"] = RequestPath.Gateway,
    };

    private static readonly Dictionary<string, TrialOrder> OrderNames = new(StringComparer.Ordinal)
    {
        ["interleaved"] = TrialOrder.Interleaved,
        ["sequential"] = TrialOrder.Sequential,
    };

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,39}$")]
    private static partial Regex NamePattern();

    public static Plan LoadFile(string path, PlanCatalog catalog)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SandbenchException($"{path}: cannot read the plan: {e.Message}");
        }
        return Load(text, path, catalog);
    }

    public static Plan Load(string text, string source, PlanCatalog catalog)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new SandbenchException($"{source}:{e.Start.Line}:{e.Start.Column}: not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        var r = new YamlReader(source);
        if (yaml.Documents.Count != 1 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            r.Error(null, "", "a plan is one YAML mapping with the keys " + string.Join(", ", TopKeys));
            throw new SandbenchException(r.Errors);
        }

        var top = r.Keys(root, "", TopKeys);
        string name = r.String(top, "name", "", required: true) ?? "";
        if (name.Length > 0 && !NamePattern().IsMatch(name))
            r.Error(top["name"], "name", "use lowercase letters, digits, '.', '_' and '-' (at most 40)");
        string? description = r.String(top, "description", "");

        var runtimes = ReadRuntimes(r, top, catalog);
        var workloads = new List<string>();
        var workloadList = r.Strings(top, "workloads", "") ?? [("hello", root)];
        if (workloadList.Count == 0) r.Error(top["workloads"], "workloads", "expected a non-empty list (e.g. [hello])");
        foreach (var (w, node) in workloadList)
        {
            if (!catalog.Workloads.Contains(w))
                r.Error(node, "workloads", $"unknown workload '{w}' (valid: {string.Join(", ", catalog.Workloads)})");
            else if (!workloads.Contains(w)) workloads.Add(w);
        }

        var experiments = new List<ExperimentSpec>();
        if (!top.TryGetValue("experiments", out var expNode))
            r.Error(null, "experiments", "is required (a list, e.g. '- type: coldstart')");
        else if (expNode is not YamlSequenceNode { Children.Count: > 0 } seq)
            r.Error(expNode, "experiments", $"expected a non-empty list, got {YamlReader.Describe(expNode)}");
        else
            for (int i = 0; i < seq.Children.Count; i++)
                if (ReadExperiment(r, seq.Children[i], $"experiments[{i}]", catalog, runtimes) is { } e)
                {
                    experiments.Add(e);
                    // An application flow is several functions and backends: only the flow experiment runs one, and it runs nothing else.
                    foreach (var w in workloads.Where(w => Workloads.Flows.IsFlow(w) != (e.Type == FlowType)))
                        r.Error(seq.Children[i], $"experiments[{i}]", e.Type == FlowType
                            ? $"flow runs application flows ({string.Join(", ", Workloads.Flows.Names)}), not the workload '{w}'"
                            : $"{e.Type} cannot run '{w}': it is an application flow, run by the experiment flow");
                }

        if (r.Errors.Count > 0) throw new SandbenchException(r.Errors);
        return new Plan(name, description, runtimes, workloads, experiments, text);
    }

    private static List<RuntimeProfile> ReadRuntimes(YamlReader r, Dictionary<string, YamlNode> top, PlanCatalog catalog)
    {
        var result = new List<RuntimeProfile>();
        if (!top.TryGetValue("runtimes", out var node))
        {
            r.Error(null, "runtimes", "is required (a list of runtime names or profiles)");
            return result;
        }
        if (node is not YamlSequenceNode { Children.Count: > 0 } seq)
        {
            r.Error(node, "runtimes", $"expected a non-empty list, got {YamlReader.Describe(node)}");
            return result;
        }
        string valid = string.Join(", ", catalog.Runtimes.Keys);
        for (int i = 0; i < seq.Children.Count; i++)
        {
            string path = $"runtimes[{i}]";
            RuntimeProfile? profile = null;
            var item = seq.Children[i];
            if (item is YamlScalarNode { Value: { Length: > 0 } bare })
            {
                if (catalog.Runtimes.TryGetValue(bare, out var p)) profile = p;
                else r.Error(item, path, $"unknown runtime '{bare}' (valid: {valid})");
            }
            else if (item is YamlMappingNode map)
                profile = ReadProfile(r, map, path, catalog, valid);
            else
                r.Error(item, path, $"expected a runtime name or a profile mapping, got {YamlReader.Describe(item)}");

            if (profile is null) continue;
            if (result.Any(x => x.Name == profile.Name))
                r.Error(item, path, $"runtime '{profile.Name}' is listed twice");
            else result.Add(profile);
        }
        return result;
    }

    private static RuntimeProfile? ReadProfile(YamlReader r, YamlMappingNode map, string path, PlanCatalog catalog, string valid)
    {
        var allOptions = catalog.OptionsByKind.Values.SelectMany(o => o).Distinct().ToList();
        var keys = r.Keys(map, path, [.. ProfileBaseKeys, .. allOptions]);
        string? name = r.String(keys, "name", path, required: true);
        string? kind = r.String(keys, "kind", path);
        string? extends = r.String(keys, "extends", path);
        if (name is null) return null;
        if (!NamePattern().IsMatch(name))
        {
            r.Error(keys["name"], YamlReader.Join(path, "name"), "use lowercase letters, digits, '.', '_' and '-' (at most 40)");
            return null;
        }

        RuntimeProfile? baseProfile = null;
        string? baseName = extends ?? (kind is null ? name : null);
        if (baseName is not null && !catalog.Runtimes.TryGetValue(baseName, out baseProfile))
        {
            var at = keys.GetValueOrDefault("extends") ?? keys["name"];
            r.Error(at, path, extends is null
                ? $"unknown runtime '{name}': give 'kind' ({string.Join(", ", catalog.OptionsByKind.Keys)}) or 'extends' (one of {valid})"
                : $"unknown runtime '{extends}' to extend (valid: {valid})");
            return null;
        }
        kind ??= baseProfile!.Kind;
        if (!catalog.OptionsByKind.TryGetValue(kind, out var kindOptions))
        {
            r.Error(keys["kind"], YamlReader.Join(path, "kind"), $"unknown kind '{kind}' (valid: {string.Join(", ", catalog.OptionsByKind.Keys)})");
            return null;
        }
        if (baseProfile is not null && baseProfile.Kind != kind)
            r.Error(keys.GetValueOrDefault("kind"), YamlReader.Join(path, "kind"), $"'{baseProfile.Name}' is of kind {baseProfile.Kind}, not {kind}");

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, node) in keys)
        {
            if (ProfileBaseKeys.Contains(key)) continue;
            string keyPath = YamlReader.Join(path, key);
            if (!kindOptions.Contains(key))
            {
                r.Error(node, keyPath, kindOptions.Count == 0
                    ? $"kind {kind} takes no options"
                    : $"not an option of kind {kind} (valid: {string.Join(", ", kindOptions)})");
                continue;
            }
            if (key == "flags")
            {
                var flags = r.Strings(keys, key, path) ?? [];
                foreach (var (f, fn) in flags)
                    if (f.Any(char.IsWhiteSpace) || !f.StartsWith('-'))
                        r.Error(fn, keyPath, $"'{f}': each flag is one argument starting with '-' (no spaces)");
                options[key] = string.Join(' ', flags.Select(f => f.Value));
            }
            else if (node is YamlScalarNode { Value: { Length: > 0 } v })
            {
                if (v.Contains("..", StringComparison.Ordinal) || v.Any(c => char.IsControl(c) || c is ';' or '|' or '&' or '$' or '`'))
                    r.Error(node, keyPath, $"'{v}' is not allowed ('..' and shell characters are refused)");
                else options[key] = v;
            }
            else r.Error(node, keyPath, $"expected a string, got {YamlReader.Describe(node)}");
        }
        return baseProfile is null
            ? new RuntimeProfile(name, kind, options)
            : baseProfile.With(options) with { Name = name };
    }

    private static ExperimentSpec? ReadExperiment(YamlReader r, YamlNode node, string path, PlanCatalog catalog, IReadOnlyList<RuntimeProfile> runtimes)
    {
        if (node is not YamlMappingNode map)
        {
            r.Error(node, path, $"expected a mapping with 'type', got {YamlReader.Describe(node)}");
            return null;
        }
        // The type decides which keys the section takes, so it is looked at before the keys are checked.
        string? given = map.Children.FirstOrDefault(kv => kv.Key is YamlScalarNode { Value: "type" }).Value is YamlScalarNode { Value: var t } ? t : null;
        bool warm = given == WarmType, eventing = given == EventingSpec.Type;
        var keys = warm ? r.Keys(map, path, WarmSectionKeys, new Dictionary<string, string>(NotForWarm.Concat(EventingOnly), StringComparer.Ordinal))
            : eventing ? r.Keys(map, path, EventingSectionKeys, NotForEventing)
            : r.Keys(map, path, ExperimentKeys, new Dictionary<string, string>(WarmOnly.Concat(EventingOnly), StringComparer.Ordinal));
        string? type = r.String(keys, "type", path, required: true);
        if (type is not null && !catalog.Experiments.Contains(type))
        {
            r.Error(keys["type"], YamlReader.Join(path, "type"), $"unknown experiment '{type}' (valid: {string.Join(", ", catalog.Experiments)})");
            type = null;
        }
        var d = warm ? WarmDefaults : eventing ? EventingDefaults : ExperimentSpec.ColdStartDefaults;
        int? iterations = r.Int(keys, "iterations", path, 1, 100_000);
        int? warmup = r.Int(keys, "warmup", path, 0, 10_000);
        var timeout = r.Duration(keys, "timeout", path, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        var readiness = r.Enum(keys, "readiness", path, ReadinessNames);
        var spacing = r.Duration(keys, "retry-spacing", path, TimeSpan.FromMicroseconds(1), TimeSpan.FromSeconds(1));
        var order = r.Enum(keys, "order", path, OrderNames);
        var sampling = r.Duration(keys, "sample-interval", path, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        var sweep = ReadSweep(r, keys, YamlReader.Join(path, "sweep"), catalog, runtimes);
        var (load, events) = warm ? (ReadLoad(r, keys, path, map), null) : eventing ? ReadEvents(r, keys, path, map) : (null, null);
        var fleet = ReadFleet(r, keys, path, type);
        var via = r.Enum(keys, "via", path, ViaNames);
        if (via == RequestPath.Gateway && type is not null && type != "coldstart")
            r.Error(keys["via"], YamlReader.Join(path, "via"), $"only coldstart can go through the gateway ({type} starts its sandbox itself)");
        var image = ReadImagePull(r, keys, path, type);
        var minTime = r.Duration(keys, "min-time", path, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        if (minTime is not null && type is not null && type != "syscall")
            r.Error(keys["min-time"], YamlReader.Join(path, "min-time"), $"'min-time' is a key of type syscall only (the least time each operation's loop runs)");
        int? rounds = r.Int(keys, "rounds", path, 1, 100_000);
        if (rounds is not null && type is not null && type != FlowType)
            r.Error(keys["rounds"], YamlReader.Join(path, "rounds"), "'rounds' is a key of type flow only (the measured rounds of an application flow per trial)");
        if (type is null) return null;
        if (type == FlowType)
            d = d with { Iterations = 3, Warmup = 0, Timeout = TimeSpan.FromMinutes(10) }; // a trial starts MariaDB and every function of the flow
        if (fleet is not null)
        {
            // Experiments of many sandboxes have defaults of their own where a cold start's would not fit.
            d = d with
            {
                Iterations = 1,
                Warmup = FleetSpec.DefaultWarmup,
                Timeout = FleetSpec.DefaultTimeout(type),
                RetrySpacing = FleetSpec.DefaultRetrySpacing,
                SampleInterval = FleetSpec.DefaultSampleInterval,
            };
        }
        return new ExperimentSpec(type, iterations ?? d.Iterations, warmup ?? d.Warmup, timeout ?? d.Timeout,
            readiness ?? d.Readiness, spacing ?? d.RetrySpacing, order ?? d.Order)
        {
            Sweep = sweep,
            SampleInterval = sampling ?? d.SampleInterval,
            Load = load,
            Fleet = fleet,
            Via = via ?? RequestPath.Direct,
            MinOpTime = minTime ?? ExperimentSpec.DefaultMinOpTime,
            Image = image,
            Rounds = rounds ?? ExperimentSpec.DefaultRounds,
            Events = events,
        };
    }

    private const string FlowType = "flow";

    /// <summary><c>sweep: {option: [values]}</c> — every runtime of the plan must take each swept option.</summary>
    private static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadSweep(YamlReader r, Dictionary<string, YamlNode> keys, string path,
        PlanCatalog catalog, IReadOnlyList<RuntimeProfile> runtimes)
    {
        var sweep = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (!keys.TryGetValue("sweep", out var node)) return ExperimentSpec.NoSweep;
        if (node is not YamlMappingNode map || map.Children.Count == 0)
        {
            r.Error(node, path, $"expected a mapping of runtime options to lists of values (e.g. memory: [128, 256]), got {YamlReader.Describe(node)}");
            return sweep;
        }
        var allOptions = catalog.OptionsByKind.Values.SelectMany(o => o).Distinct().Where(o => o != "flags").ToList();
        var entries = r.Keys(map, path, allOptions);
        foreach (var (key, _) in entries)
        {
            string keyPath = YamlReader.Join(path, key);
            foreach (var rt in runtimes.Where(rt => !catalog.OptionsByKind[rt.Kind].Contains(key)))
                r.Error(entries[key], keyPath, $"runtime '{rt.Name}' (kind {rt.Kind}) has no option '{key}'");
            var values = r.Strings(entries, key, path) ?? [];
            if (values.Count == 0) r.Error(entries[key], keyPath, "give at least one value");
            foreach (var (v, vn) in values)
                if (v.Contains("..", StringComparison.Ordinal) || v.Any(c => char.IsControl(c) || c is ';' or '|' or '&' or '$' or '`' or ',' or '@'))
                    r.Error(vn, keyPath, $"'{v}' is not allowed ('..', ',', '@' and shell characters are refused)");
            sweep[key] = [.. values.Select(v => v.Value).Distinct()];
        }
        return sweep;
    }

    /// <summary>The canonical names of the readiness methods, as plans and the store spell them.</summary>
    public static string Name(ReadinessMethod m) => ReadinessNames.First(p => p.Value == m).Key;

    public static string Name(TrialOrder o) => OrderNames.First(p => p.Value == o).Key;

    public static string Name(RequestPath v) => ViaNames.First(p => p.Value == v).Key;
}
