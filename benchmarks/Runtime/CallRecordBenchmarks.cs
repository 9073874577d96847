using BenchmarkDotNet.Attributes;
using OncRpc.Auth;
using OncRpc.Client.Internal;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Runtime;

/// <summary>
/// A NULL call's whole record as the client encodes it (<see cref="CallEncoder.Encode"/>: record
/// mark, header, no arguments, into a pooled buffer), with AUTH_NONE and AUTH_SYS: the header
/// copied from the thread's template (the built-in flavors), against the same credentials behind
/// a flavor that does not vouch for a constant verifier, whose header is encoded field by field
/// and handed to the verifier each call (the path RPCSEC_GSS takes).
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class CallRecordBenchmarks
{
    private static readonly RpcProcedureDescriptor Null = new(0x3123_4569, 1, 0);
    private readonly RpcCredentials _none = RpcCredentials.None;
    private readonly AuthSysCredentials _sys = RpcCredentials.Sys(0x5f5e100, "benchhost", 1000, 1000, [100, 101, 102, 103], useShortHandles: false);
    private RpcCredentials _noneFieldByField = null!;
    private RpcCredentials _sysFieldByField = null!;
    private uint _xid;

    /// <summary>The wrapped flavor's credential and verifier, without the template.</summary>
    private sealed class FieldByField(RpcCredentials inner) : RpcCredentials
    {
        public override AuthFlavor Flavor => inner.Flavor;

        public override OpaqueAuth GetCredential() => inner.GetCredential();
    }

    [GlobalSetup]
    public void Setup()
    {
        _noneFieldByField = new FieldByField(_none);
        _sysFieldByField = new FieldByField(_sys);
    }

    [Benchmark(Baseline = true)]
    public int AuthNoneFieldByField() => Encode(_noneFieldByField);

    [Benchmark]
    public int AuthNoneTemplate() => Encode(_none);

    [Benchmark]
    public int AuthSysFieldByField() => Encode(_sysFieldByField);

    [Benchmark]
    public int AuthSysTemplate() => Encode(_sys);

    private int Encode(RpcCredentials credentials)
    {
        PooledBufferWriter record = CallEncoder.Encode(++_xid, Null, credentials.GetCredential(), credentials, default(XdrVoid),
            recordMarking: true, maxFragmentSize: int.MaxValue);
        int length = record.WrittenCount;
        BufferPool.Return(record);
        return length;
    }
}
