namespace OncRpc;

/// <summary>One version of one program, as a server serves it and rpcbind maps it.</summary>
/// <param name="Program">The program number.</param>
/// <param name="Version">The version number.</param>
public readonly record struct RpcProgramVersion(uint Program, uint Version) : IComparable<RpcProgramVersion>
{
    /// <summary>Orders by program, then version.</summary>
    public int CompareTo(RpcProgramVersion other)
    {
        int byProgram = Program.CompareTo(other.Program);
        return byProgram != 0 ? byProgram : Version.CompareTo(other.Version);
    }
}
