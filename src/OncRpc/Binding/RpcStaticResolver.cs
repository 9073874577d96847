using System.Net;
using System.Runtime.CompilerServices;

namespace OncRpc.Binding;

/// <summary>The embedded backend's fixed part: instances known from configuration. It yields
/// them once and never changes; health checks decide which are used.</summary>
public sealed class RpcStaticResolver : IRpcResolver
{
    private readonly RpcInstance[] _instances;

    /// <summary>Serves <paramref name="instances"/> (each is matched on program and version).</summary>
    public RpcStaticResolver(IEnumerable<RpcInstance> instances)
    {
        ArgumentNullException.ThrowIfNull(instances);
        _instances = [.. instances];
    }

    /// <summary>One instance per end point of <paramref name="transport"/>, each its own id
    /// (the address), for any program and version asked.</summary>
    public static RpcStaticResolver ForEndPoints(RpcTransportKind transport, params IEnumerable<EndPoint> endPoints)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        return new RpcStaticResolver(endPoints.Select(e =>
            new RpcInstance(e.ToString() ?? "", AnyProgram, 0, [new RpcInstanceEndpoint(transport, e)], RpcInstanceMetadata.Default)));
    }

    // Program 0 is never assigned (RFC 5531 puts it in the reserved range); here it marks an
    // instance listed by address only, which serves whatever program the importer asks for.
    private const uint AnyProgram = 0;

    /// <inheritdoc />
    public async IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchAsync(uint program, uint version,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return [.. _instances
            .Where(i => i.Program == AnyProgram || (i.Program == program && i.Version == version))
            .Select(i => i.Program == AnyProgram ? i with { Program = program, Version = version } : i)];
        // A static list never changes: wait for the end of the watch.
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), never).ConfigureAwait(false))
        {
            await never.Task.ConfigureAwait(false);
        }
    }
}
