namespace OncRpc.Testing.Faults;

/// <summary>Settings of a <see cref="TcpFaultProxy"/>.</summary>
public sealed record TcpFaultProxyOptions
{
    /// <summary>The master seed: connection n draws its cut points from a <see cref="Random"/>
    /// seeded from this and n (in order of acceptance, from 0).</summary>
    public int Seed { get; init; }

    /// <summary>Cut each connection after this many client-to-server bytes (null: never).</summary>
    public TcpCut? CutRequests { get; init; }

    /// <summary>Cut each connection after this many server-to-client bytes (null: never).</summary>
    public TcpCut? CutReplies { get; init; }

    /// <summary>Cut at most this many connections in all (null: no limit); later connections
    /// are left alone.</summary>
    public int? MaxCuts { get; init; }

    /// <summary>Most connections open at once; further ones are closed at once (counted as
    /// <c>Rejected</c>).</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Bytes read at a time per direction: also the most a partitioned direction holds.</summary>
    public int BufferSize { get; init; } = 16 * 1024;

    /// <summary>How long the connection to the server may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, 1);
        if (MaxCuts is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(max, nameof(MaxCuts));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
    }
}
