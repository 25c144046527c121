using Sandbench.Core.Storage;
using Sandbench.Store;

namespace Sandbench.Report.Tests;

/// <summary>A results file in a private directory, with a directory for the report next to it; both removed at the end.</summary>
public sealed class Results : IDisposable
{
    public Results()
    {
        Dir = Directory.CreateTempSubdirectory("sandbench-report-test-").FullName;
        Store = SqliteResultStore.Open(Path.Combine(Dir, "results.db"));
    }

    public string Dir { get; }

    public string OutDir => Path.Combine(Dir, "out");

    public SqliteResultStore Store { get; }

    /// <summary>The given runs as the report reads them.</summary>
    public ReportData Load(params string[] ids) =>
        ReportData.Load(Store, [.. ids.Select(id => Store.FindRun(id) ?? throw new InvalidOperationException($"no run {id}"))]);

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
