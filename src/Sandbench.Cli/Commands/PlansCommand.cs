using System.CommandLine;

namespace Sandbench.Cli.Commands;

/// <summary><c>sandbench plans [--write DIR]</c>: the example plans shipped with the tool.</summary>
internal static class PlansCommand
{
    public static Command Build(App app)
    {
        var write = new Option<string?>("--write") { Description = "Write the example plans into this directory", HelpName = "DIR" };
        var cmd = new Command("plans", "List the example plans, or write them out to edit") { write };
        cmd.SetAction(r =>
        {
            var plans = App.EmbeddedPlans();
            if (r.GetValue(write) is { } dir)
            {
                Directory.CreateDirectory(dir);
                foreach (var (name, text) in plans)
                {
                    string path = Path.Combine(dir, name + ".yaml");
                    File.WriteAllText(path, text);
                    Console.WriteLine(path);
                }
                return 0;
            }
            foreach (var (name, text) in plans)
            {
                // Read as YAML (a quoted description is printed without its quotes).
                string description = Core.Plans.PlanLoader.Load(text, name + ".yaml", app.PlanCatalog).Description ?? "";
                Console.WriteLine($"{name,-12} {description}");
            }
            return 0;
        });
        return cmd;
    }
}
