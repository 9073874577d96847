using System.Buffers;
using BenchmarkDotNet.Attributes;
using OncRpc.Client.Internal;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Runtime;

/// <summary>
/// The server's dispatch-table lookup (a frozen dictionary keyed by program, version, procedure)
/// with 3 programs of 20 procedures registered, hit and miss; and the client's pending-call table:
/// add a call under its xid and take it out again, as every call and its reply do.
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class DispatchBenchmarks
{
    private readonly RpcDispatcher _dispatcher = new();
    private PendingCallTable _table = null!;
    private readonly BenchPendingCall[] _calls = new BenchPendingCall[64];

    [GlobalSetup]
    public void Setup()
    {
        for (uint program = 0x31234567; program < 0x31234567 + 3; program++)
        {
            for (uint procedure = 1; procedure <= 20; procedure++)
            {
                _dispatcher.Register<XdrVoid, XdrVoid>(new RpcProcedureDescriptor(program, 1, procedure), static (_, _) => default);
            }
        }
        _dispatcher.Lookup(0, 0, 0, out _, out _, out _); // builds the snapshot
        // Calls without a deadline: no timer armed, only the dictionary work of a call.
        _table = new PendingCallTable(new ClientClock(TimeProvider.System), TimeSpan.FromSeconds(8), null);
        for (int i = 0; i < _calls.Length; i++)
        {
            _calls[i] = new BenchPendingCall { Xid = (uint)(1000 + i) };
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _table.Dispose();

    [Benchmark]
    public bool LookupHit() =>
        _dispatcher.Lookup(0x31234568, 1, 7, out _, out _, out _) == DispatchLookup.Found;

    [Benchmark]
    public bool LookupProcedureUnavailable() =>
        _dispatcher.Lookup(0x31234568, 1, 99, out _, out _, out _) == DispatchLookup.Found;

    [Benchmark(OperationsPerInvoke = 64)]
    public int PendingAddRemove64()
    {
        int removed = 0;
        foreach (BenchPendingCall call in _calls)
        {
            _table.TryAdd(call, out _);
        }
        foreach (BenchPendingCall call in _calls)
        {
            removed += _table.TryRemove(call.Xid, out _) ? 1 : 0;
        }
        return removed;
    }

    private sealed class BenchPendingCall : PendingCall
    {
        public override void OnReply(in ReadOnlySequence<byte> record, ref XdrReader reader)
        {
        }

        protected override void SetException(Exception exception)
        {
        }

        public override void Publish(bool inline)
        {
        }
    }
}
