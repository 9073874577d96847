using System.Reflection;

namespace OncRpc.Compiler.Tests;

/// <summary>
/// tests/TestData/x/allconstructs.x compiled to C# (namespace RoundTrip) together with
/// Drivers/AllConstructsDriver.cs, loaded once; tests call the driver's static methods.
/// </summary>
internal static class AllConstructsAssembly
{
    private static readonly Lazy<Type> s_driver = new(() =>
    {
        XdrCompilationResult result = Compile.File(TestPaths.X("allconstructs.x"), "RoundTrip");
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        string driver = File.ReadAllText(Path.Combine(TestPaths.TestsDirectory(), "Drivers", "AllConstructsDriver.cs"));
        var compilation = Compile.CSharp([("allconstructs.g.cs", result.GeneratedCode!), ("AllConstructsDriver.cs", driver)], "RoundTrip");
        Assert.Empty(Compile.Problems(compilation));
        return Compile.Load(compilation).GetType("RoundTrip.Driver", throwOnError: true)!;
    });

    public static object? Call(string method, params object[] args)
    {
        try
        {
            return s_driver.Value.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }
}
