using System.Diagnostics;
using OncRpc.Server;
using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>The uid check with a real other user: a tiny Python client run under uid 65534 by
/// setpriv (root only) connects to the end point's socket and reports the server's hello (its
/// status word) and how many descriptors came with it.</summary>
public sealed class SharedMemoryPeerUidTests
{
    private const uint Nobody = 65534;
    private const string Python = "/usr/bin/python3";
    private const string SetPriv = "/usr/bin/setpriv";

    private const string ClientScript = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[1])
        msg, fds, flags, addr = socket.recv_fds(s, 16, 1)
        print(msg[4:8].hex(), len(fds))
        """;

    private static async Task<string> HelloAsNobodyAsync(string socketPath)
    {
        var start = new ProcessStartInfo(SetPriv)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", Python, "-c", ClientScript, socketPath })
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        string output = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"the client under uid {Nobody} failed: {error}");
        return output.Trim();
    }

    private static async Task<string> HelloWithPolicyAsync(Action<RpcServerOptions> policy)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && ShmLibc.IsSupported && ShmLibc.GetEffectiveUid() == 0 && File.Exists(Python) && File.Exists(SetPriv),
            "needs Linux x86_64, root, /usr/bin/python3 and setpriv to run a client as another user");
        if (!OperatingSystem.IsLinux())
        {
            return "";
        }
        var options = new RpcServerOptions();
        policy(options);
        await using var server = await SharedMemoryTransportTests.ShmServer.StartAsync(options);
        File.SetUnixFileMode(server.Path, (UnixFileMode)0x1FF); // the socket file lets anyone connect: the uid check is the gate
        return await HelloAsNobodyAsync(server.Path);
    }

    [Fact]
    public async Task Another_user_is_refused_and_given_no_mapping()
    {
        Assert.Equal("00000001 0", await HelloWithPolicyAsync(_ => { }));
    }

    [Fact]
    public async Task Another_user_in_the_allow_list_gets_the_mapping()
    {
        Assert.Equal("00000000 1", await HelloWithPolicyAsync(options => options.SharedMemory.AllowedUserIds.Add(Nobody)));
    }
}
