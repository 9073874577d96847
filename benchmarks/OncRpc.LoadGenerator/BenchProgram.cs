using OncRpc.Xdr;

namespace OncRpc.LoadGenerator;

/// <summary>Program, version and procedure numbers of tests/TestData/x/bench.x, plus the load
/// generator's own control program (served only by our bench server).</summary>
public static class BenchProgram
{
    /// <summary>BENCH_PROG (0x31234569, 824395113 in decimal).</summary>
    public const uint Program = 0x31234569;

    /// <summary>BENCH_VER.</summary>
    public const uint Version = 1;

    /// <summary>Control program of <c>serve</c> mode: snapshots of the server's own CPU time and
    /// allocations, so per-call server costs come from the server process itself. Not in bench.x;
    /// the C server answers PROG_UNAVAIL and its costs are reported as unknown.</summary>
    public const uint ControlProgram = 0x3123456F;

    public static readonly RpcProcedureDescriptor Null = new(Program, Version, 0, "BENCH_PROG", "BENCH_NULL");
    public static readonly RpcProcedureDescriptor Add = new(Program, Version, 1, "BENCH_PROG", "BENCH_ADD");
    public static readonly RpcProcedureDescriptor Echo = new(Program, Version, 2, "BENCH_PROG", "BENCH_ECHO");
    public static readonly RpcProcedureDescriptor EchoRecord = new(Program, Version, 3, "BENCH_PROG", "BENCH_ECHO_RECORD");

    /// <summary>SNAPSHOT(int flags) returns <see cref="ServerStats"/>; flag 1 collects garbage first.</summary>
    /// <summary>The bench procedures as the client sends them: at-least-once (the default) or, to
    /// measure the duplicate-request cache, at-most-once.</summary>
    public static BenchProcedures Procedures(bool atMostOnce) => atMostOnce
        ? new(Null with { Semantics = RpcCallSemantics.AtMostOnce }, Add with { Semantics = RpcCallSemantics.AtMostOnce },
            Echo with { Semantics = RpcCallSemantics.AtMostOnce }, EchoRecord with { Semantics = RpcCallSemantics.AtMostOnce })
        : new(Null, Add, Echo, EchoRecord);

    public static readonly RpcProcedureDescriptor Snapshot = new(ControlProgram, 1, 1, "BENCH_CTL", "SNAPSHOT");
}

/// <summary>bench.x <c>struct add_args { int a; int b; }</c>.</summary>
public readonly record struct AddArgs(int A, int B) : IXdrSerializable<AddArgs>
{
    public static AddArgs ReadFrom(ref XdrReader reader) => new(reader.ReadInt32(), reader.ReadInt32());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteInt32(A);
        writer.WriteInt32(B);
    }
}

/// <summary>bench.x <c>struct bench_item { unsigned int key; hyper value; }</c>.</summary>
public readonly record struct BenchItem(uint Key, long Value);

/// <summary>bench.x <c>bench_record</c>.</summary>
public sealed class BenchRecord : IXdrSerializable<BenchRecord>
{
    public ulong Id { get; init; }
    public string Name { get; init; } = "";
    public double Score { get; init; }
    public bool Active { get; init; }
    public byte[] Tag { get; init; } = new byte[16];
    public int[] Samples { get; init; } = [];
    public BenchItem[] Items { get; init; } = [];

    /// <summary>The record bench_clnt sends: <paramref name="size"/> samples and items.</summary>
    public static BenchRecord Create(int size)
    {
        var samples = new int[size];
        var items = new BenchItem[size];
        for (int i = 0; i < size; i++)
        {
            samples[i] = i * 31;
            items[i] = new BenchItem((uint)i, (long)i * 1000003);
        }
        byte[] tag = new byte[16];
        tag.AsSpan().Fill(0x42);
        return new BenchRecord
        {
            Id = 0x0123456789abcdefUL, Name = "benchmark record", Score = 98.6, Active = true,
            Tag = tag, Samples = samples, Items = items,
        };
    }

    public static BenchRecord ReadFrom(ref XdrReader reader)
    {
        ulong id = reader.ReadUInt64();
        string name = reader.ReadString(64);
        double score = reader.ReadDouble();
        bool active = reader.ReadBool();
        byte[] tag = reader.ReadFixedOpaque(16);
        int n = reader.ReadArrayLength(uint.MaxValue, 4);
        var samples = new int[n];
        for (int i = 0; i < n; i++)
        {
            samples[i] = reader.ReadInt32();
        }
        int m = reader.ReadArrayLength(uint.MaxValue, 12);
        var items = new BenchItem[m];
        for (int i = 0; i < m; i++)
        {
            items[i] = new BenchItem(reader.ReadUInt32(), reader.ReadInt64());
        }
        return new BenchRecord { Id = id, Name = name, Score = score, Active = active, Tag = tag, Samples = samples, Items = items };
    }

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt64(Id);
        writer.WriteString(Name, 64);
        writer.WriteDouble(Score);
        writer.WriteBool(Active);
        writer.WriteFixedOpaque(Tag, 16);
        writer.WriteLength(Samples.Length);
        foreach (int sample in Samples)
        {
            writer.WriteInt32(sample);
        }
        writer.WriteLength(Items.Length);
        foreach (BenchItem item in Items)
        {
            writer.WriteUInt32(item.Key);
            writer.WriteInt64(item.Value);
        }
    }
}

/// <summary>What the bench server says about itself: cumulative counters, differenced by the client.</summary>
public readonly record struct ServerStats(
    ulong Calls, ulong CpuNanoseconds, ulong AllocatedBytes, ulong GcHeapBytes, ulong WorkingSetBytes, uint Gen0Collections, uint Gen2Collections)
    : IXdrSerializable<ServerStats>
{
    public static ServerStats ReadFrom(ref XdrReader reader) => new(
        reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(),
        reader.ReadUInt32(), reader.ReadUInt32());

    public void WriteTo(ref XdrWriter writer)
    {
        writer.WriteUInt64(Calls);
        writer.WriteUInt64(CpuNanoseconds);
        writer.WriteUInt64(AllocatedBytes);
        writer.WriteUInt64(GcHeapBytes);
        writer.WriteUInt64(WorkingSetBytes);
        writer.WriteUInt32(Gen0Collections);
        writer.WriteUInt32(Gen2Collections);
    }
}

/// <summary>The descriptors a load loop calls.</summary>
public sealed record BenchProcedures(
    RpcProcedureDescriptor Null, RpcProcedureDescriptor Add, RpcProcedureDescriptor Echo, RpcProcedureDescriptor EchoRecord);
