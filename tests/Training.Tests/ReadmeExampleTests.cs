using System.Text.RegularExpressions;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>The README's C# example is examples/QuickStart/Program.cs, which the solution builds; this keeps the two
/// the same text, so the example a reader copies is one that compiles.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public void TheReadmeShowsTheQuickStartProgramAsItIs()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var block = Regex.Match(readme, "```csharp\\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```csharp block");
        string program = File.ReadAllText(Path.Combine(root, "examples", "QuickStart", "Program.cs"));
        Assert.Equal(Normalise(program), Normalise(block.Groups[1].Value));
    }

    private static string Normalise(string s) => s.Replace("\r\n", "\n").Trim();

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HyenaIL.sln"))) return d.FullName;
        throw new InvalidOperationException($"no HyenaIL.sln above {AppContext.BaseDirectory}");
    }
}
