using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// A temporary MIT Kerberos realm for the RPCSEC_GSS tests: a database made with kdb5_util, a
/// krb5kdc on a free loopback port (TCP only, no DNS), the service principal nfs/localhost in a
/// keytab, and a user principal alice whose ticket is in a private credential cache. The
/// environment (KRB5_CONFIG, KRB5CCNAME, KRB5_KTNAME) is set for this process, both the managed
/// copy (inherited by C peers) and the native one (read by libgssapi_krb5 under
/// NegotiateAuthentication). Also builds the C peer tests/TestData/c/gss/gss_peer.c. Skips when
/// the Kerberos packages or the peer tools are missing (fails under ONCRPC_REQUIRE_PEERS=1).
/// </summary>
public sealed class KerberosRealm : IAsyncLifetime
{
    public const string Realm = "ONCRPC.TEST";
    public const string ServicePrincipal = "nfs@localhost";
    public const string User = "alice@" + Realm;

    private Process? _kdc;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), $"oncrpc-krb5-{Environment.ProcessId}-{Guid.NewGuid():N}");

    /// <summary>Why the realm could not be made (the tests skip or fail with it), or null.</summary>
    public string? Missing { get; private set; }

    /// <summary>The built C peer.</summary>
    public string GssPeer => Path.Combine(Directory, "gss_peer");

    public void Require()
    {
        if (Missing is not null)
        {
            Requirements.SkipOrFail(Missing);
        }
    }

    public async ValueTask InitializeAsync()
    {
        string[] tools = ["krb5kdc", "kdb5_util", "kadmin.local", "kinit", "gcc"];
        string? absent = tools.FirstOrDefault(t => Requirements.FindOnPath(t) is null && !File.Exists("/usr/sbin/" + t));
        if (absent is not null || !File.Exists("/usr/include/tirpc/rpc/rpcsec_gss.h") || !File.Exists("/usr/include/gssapi/gssapi.h"))
        {
            Missing = $"the Kerberos realm needs krb5-kdc, krb5-admin-server, krb5-user, libkrb5-dev, libtirpc-dev and gcc ({absent ?? "headers"} missing)";
            return;
        }
        System.IO.Directory.CreateDirectory(Directory);
        int port = FreePort();
        string krb5Conf = Path.Combine(Directory, "krb5.conf");
        await File.WriteAllTextAsync(krb5Conf, $"""
            [libdefaults]
              default_realm = {Realm}
              dns_lookup_kdc = false
              dns_lookup_realm = false
              rdns = false
              dns_canonicalize_hostname = false
              udp_preference_limit = 1
            [realms]
              {Realm} = {"{"}
                kdc = 127.0.0.1:{port}
              {"}"}
            """);
        string kdcConf = Path.Combine(Directory, "kdc.conf");
        await File.WriteAllTextAsync(kdcConf, $"""
            [kdcdefaults]
              kdc_listen = 127.0.0.1:{port}
              kdc_tcp_listen = 127.0.0.1:{port}
            [realms]
              {Realm} = {"{"}
                database_name = {Directory}/principal
                key_stash_file = {Directory}/stash
                acl_file = {Directory}/kadm5.acl
              {"}"}
            [logging]
              kdc = FILE:{Directory}/kdc.log
            """);
        var environment = new Dictionary<string, string>
        {
            ["KRB5_CONFIG"] = krb5Conf,
            ["KRB5_KDC_PROFILE"] = kdcConf,
            ["KRB5CCNAME"] = "FILE:" + Path.Combine(Directory, "ccache"),
            ["KRB5_KTNAME"] = "FILE:" + Path.Combine(Directory, "service.keytab"),
        };
        foreach ((string name, string value) in environment)
        {
            Environment.SetEnvironmentVariable(name, value);
            _ = SetNativeEnvironment(name, value, 1);
        }

        await RunAsync("kdb5_util", ["create", "-s", "-r", Realm, "-P", "master-" + Guid.NewGuid().ToString("N")], environment);
        await RunAsync("kadmin.local", ["-q", "addprinc -randkey nfs/localhost"], environment);
        await RunAsync("kadmin.local", ["-q", $"ktadd -k {Directory}/service.keytab nfs/localhost"], environment);
        await RunAsync("kadmin.local", ["-q", "addprinc -randkey alice"], environment);
        await RunAsync("kadmin.local", ["-q", $"ktadd -k {Directory}/alice.keytab alice"], environment);

        var psi = new ProcessStartInfo(Tool("krb5kdc")) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-n", "-P", Path.Combine(Directory, "kdc.pid") })
        {
            psi.ArgumentList.Add(argument);
        }
        foreach ((string name, string value) in environment)
        {
            psi.Environment[name] = value;
        }
        _kdc = Process.Start(psi) ?? throw new InvalidOperationException("could not start krb5kdc");
        _kdc.BeginOutputReadLine();
        _kdc.BeginErrorReadLine();
        await WaitForPortAsync(port);
        await RunAsync("kinit", ["-k", "-t", Path.Combine(Directory, "alice.keytab"), "alice"], environment);
        await RunAsync("gcc", ["-O2", "-Wall", "-I/usr/include/tirpc", "-o", GssPeer,
            Path.Combine(CPeers.SourceDirectory, "gss", "gss_peer.c"), "-ltirpc", "-lgssapi_krb5"], environment);
    }

    private static string Tool(string name) => Requirements.FindOnPath(name) ?? "/usr/sbin/" + name;

    private static async Task RunAsync(string tool, string[] arguments, Dictionary<string, string> environment)
    {
        ProcessResult result = await ProcessRunner.RunAsync(Tool(tool), arguments, TimeSpan.FromSeconds(60), environment: environment);
        if (result.ExitCode != 0 || result.TimedOut)
        {
            throw new InvalidOperationException($"{result.Command} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitForPortAsync(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
                return;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(15) && _kdc is { HasExited: false })
            {
                // The KDC is still starting: poll its port until it accepts (bounded above).
                await Task.Delay(20);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"krb5kdc did not listen on 127.0.0.1:{port}: {e.Message}", e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_kdc is { HasExited: false })
        {
            _kdc.Kill();
            await _kdc.WaitForExitAsync();
        }
        _kdc?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // The native environment: libgssapi_krb5 reads KRB5_CONFIG and friends with getenv, which does
    // not see Environment.SetEnvironmentVariable on Unix.
#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe blocks in this project for one call
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetNativeEnvironment(string name, string value, int overwrite);
#pragma warning restore SYSLIB1054
}

[CollectionDefinition(Name)]
public sealed class KerberosCollection : ICollectionFixture<KerberosRealm>
{
    public const string Name = "Kerberos realm";
}
