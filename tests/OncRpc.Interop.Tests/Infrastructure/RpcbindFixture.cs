using System.Diagnostics;
using System.Globalization;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// A Debian rpcbind answering on 127.0.0.1:111 for the tests of one collection: the one already
/// running, or, when none answers, one started here (<c>rpcbind -f -w</c>, with /run/rpcbind
/// created) and stopped again at the end. Tests call <see cref="SkipIfUnavailable"/> first.
/// </summary>
/// <remarks>This rpcbind is the machine's, shared with everything else on it: register only
/// the test programs, and remove the registrations (the C servers do on SIGTERM). Tests of
/// our own rpcbind belong in a private namespace (<see cref="NetworkNamespace"/>).</remarks>
public sealed class RpcbindFixture : IAsyncLifetime
{
    private Process? _started;

    /// <summary>Why rpcbind is not usable here, or null.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>True when this fixture started rpcbind (and will stop it).</summary>
    public bool StartedHere => _started is not null;

    public string RpcinfoPath => Requirements.FindOnPath("rpcinfo") ?? "rpcinfo";

    public void SkipIfUnavailable()
    {
        Requirements.SkipUnlessRpcbindAvailable();
        if (UnavailableReason is not null)
        {
            Requirements.SkipOrFail(UnavailableReason);
        }
    }

    /// <summary>True when <c>rpcinfo -p 127.0.0.1</c> gets an answer.</summary>
    public async Task<bool> IsAnsweringAsync(CancellationToken cancellationToken = default)
    {
        var result = await ProcessRunner.RunAsync(RpcinfoPath, ["-p", "127.0.0.1"], TimeSpan.FromSeconds(5),
            cancellationToken: cancellationToken);
        return result.ExitCode == 0;
    }

    /// <summary>Runs rpcinfo with <paramref name="arguments"/> (bounded).</summary>
    public Task<ProcessResult> RpcinfoAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(RpcinfoPath, arguments, TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);

    public async ValueTask InitializeAsync()
    {
        var rpcbind = Requirements.FindOnPath("rpcbind");
        if (rpcbind is null || Requirements.FindOnPath("rpcinfo") is null)
        {
            UnavailableReason = "Debian rpcbind is not installed (Debian package rpcbind)";
            return;
        }
        if (await IsAnsweringAsync())
        {
            return;
        }

        Directory.CreateDirectory("/run/rpcbind");
        var psi = new ProcessStartInfo(rpcbind)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-f"); // foreground: it stays our child
        psi.ArgumentList.Add("-w"); // warm start: keep registrations across restarts
        var process = Process.Start(psi);
        if (process is null)
        {
            UnavailableReason = "could not start rpcbind";
            return;
        }
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();

        for (var i = 0; i < 50; i++)
        {
            if (await IsAnsweringAsync())
            {
                _started = process;
                return;
            }
            if (process.HasExited)
            {
                break;
            }
            await Task.Delay(100);
        }

        ProcessRunner.KillTree(process);
        await ProcessRunner.WaitBoundedAsync(process);
        // Another test run may have won the race for port 111; its rpcbind serves us as well.
        if (await IsAnsweringAsync())
        {
            process.Dispose();
            return;
        }
        UnavailableReason = $"rpcbind -f -w did not answer on 127.0.0.1:111 within 5 s " +
            $"(exit {(process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none")}): " +
            $"{(stderr.IsCompleted ? stderr.Result.Trim() : "")}";
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_started is null)
        {
            return;
        }
        try
        {
            if (!_started.HasExited)
            {
                await ProcessRunner.RunAsync("kill", ["-TERM", _started.Id.ToString(CultureInfo.InvariantCulture)],
                    TimeSpan.FromSeconds(5));
                try
                {
                    await _started.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (TimeoutException)
                {
                    ProcessRunner.KillTree(_started);
                    await ProcessRunner.WaitBoundedAsync(_started);
                }
            }
        }
        finally
        {
            _started.Dispose();
            _started = null;
        }
    }
}

/// <summary>Tests that need the machine's rpcbind: one collection, so they never run in
/// parallel with each other (they register the same programs).</summary>
[CollectionDefinition(Name)]
public sealed class RpcbindCollection : ICollectionFixture<RpcbindFixture>
{
    public const string Name = "rpcbind";
}
