using System.Diagnostics;

namespace OncRpc.Compiler.Tests;

/// <summary>
/// Byte-for-byte agreement with the C reference: rpcgen -N -c generates the XDR routines for
/// allconstructs.x, a small C driver (Drivers/allconstructs_driver.c) encodes the same sample value
/// as the C# driver, and each side decodes and re-encodes what the other produced.
/// Skips when rpcgen, gcc or libtirpc-dev is missing, unless ONCRPC_REQUIRE_PEERS=1.
/// </summary>
public sealed class CInteropTests
{
    private static readonly Lazy<string?> s_driver = new(Build);

    private static string? Build()
    {
        if (!File.Exists("/usr/bin/rpcgen") || !File.Exists("/usr/bin/gcc") || !File.Exists("/usr/include/tirpc/rpc/rpc.h"))
        {
            return null;
        }
        string dir = Path.Combine(Path.GetTempPath(), "oncrpc-cinterop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        // Built once per run and shared by the tests, so removed when the test process ends.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        File.Copy(TestPaths.X("allconstructs.x"), Path.Combine(dir, "allconstructs.x"));
        File.Copy(Path.Combine(TestPaths.TestsDirectory(), "Drivers", "allconstructs_driver.c"), Path.Combine(dir, "driver.c"));
        Run(dir, "rpcgen", "-N -h -o allconstructs.h allconstructs.x");
        Run(dir, "rpcgen", "-N -c -o allconstructs_xdr.c allconstructs.x");
        Run(dir, "gcc", "-I/usr/include/tirpc -o driver driver.c allconstructs_xdr.c -ltirpc");
        return Path.Combine(dir, "driver");
    }

    internal static string Run(string dir, string program, string arguments, string? input = null)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = dir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
        };
        using Process process = Process.Start(start)!;
        if (input is not null)
        {
            process.StandardInput.WriteLine(input);
            process.StandardInput.Close();
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), $"{program} {arguments} timed out");
        Assert.True(process.ExitCode == 0, $"{program} {arguments} failed: {stderr.Result}");
        return stdout.Result.Trim();
    }

    private static string Driver()
    {
        string? driver = s_driver.Value;
        if (driver is null)
        {
            const string message = "rpcgen, gcc or libtirpc-dev missing (apt-get install rpcsvc-proto gcc libtirpc-dev)";
            Assert.False(TestPaths.RequirePeers, message);
            Assert.Skip(message);
        }
        return driver!;
    }

    [Fact]
    public void C_and_csharp_encode_the_sample_to_the_same_bytes()
    {
        string driver = Driver();
        string c = Run(Path.GetDirectoryName(driver)!, driver, "encode");
        string csharp = (string)AllConstructsAssembly.Call("Encode")!;
        Assert.Equal(c, csharp);
    }

    [Fact]
    public void C_bytes_decode_in_csharp_and_reencode_identically()
    {
        string driver = Driver();
        string c = Run(Path.GetDirectoryName(driver)!, driver, "encode");
        Assert.True((bool)AllConstructsAssembly.Call("DecodesToSample", c)!);
        Assert.Equal(c, AllConstructsAssembly.Call("DecodeAndReencode", c));
    }

    [Fact]
    public void Csharp_bytes_decode_in_c_and_reencode_identically()
    {
        string driver = Driver();
        string csharp = (string)AllConstructsAssembly.Call("Encode")!;
        Assert.Equal(csharp, Run(Path.GetDirectoryName(driver)!, driver, "reencode", csharp));
    }
}
