using System.Globalization;
using System.Text.Json;
using Sandbench.Core.Storage;

namespace Sandbench.Store;

/// <summary>How values are spelled in the database. The spellings are part of the schema: change them only with a migration.</summary>
internal static class Codec
{
    public static string Timestamp(DateTimeOffset value) =>
        // Normalised to UTC so that text order equals time order (ListRuns sorts on the text).
        value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public static DateTimeOffset Timestamp(string text) =>
        DateTimeOffset.ParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None);

    // Explicit tables rather than ToString(): renaming an enum member must not silently change stored data.
    public static string Status(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        RunStatus.Interrupted => "interrupted",
        RunStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown run status"),
    };

    public static RunStatus RunStatusFrom(string text) => text switch
    {
        "running" => RunStatus.Running,
        "completed" => RunStatus.Completed,
        "interrupted" => RunStatus.Interrupted,
        "failed" => RunStatus.Failed,
        _ => throw new InvalidDataException($"unknown run status '{text}' in the database"),
    };

    public static string Status(TrialStatus status) => status switch
    {
        TrialStatus.Ok => "ok",
        TrialStatus.Failed => "failed",
        TrialStatus.Timeout => "timeout",
        TrialStatus.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown trial status"),
    };

    public static TrialStatus TrialStatusFrom(string text) => text switch
    {
        "ok" => TrialStatus.Ok,
        "failed" => TrialStatus.Failed,
        "timeout" => TrialStatus.Timeout,
        "interrupted" => TrialStatus.Interrupted,
        _ => throw new InvalidDataException($"unknown trial status '{text}' in the database"),
    };

    /// <summary>A JSON object with keys in ordinal order, so equal parameters give equal text (usable in GROUP BY).</summary>
    public static string Parameters(IReadOnlyDictionary<string, string> parameters)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            sorted.Add(key, value);
        }

        return JsonSerializer.Serialize(sorted);
    }

    public static IReadOnlyDictionary<string, string> ParametersFrom(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(json)
        ?? throw new InvalidDataException($"trial parameters are not a JSON object: {json}");
}
