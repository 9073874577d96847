using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Semantics;

/// <summary>
/// A server runtime in memory with a counter program whose procedures differ only in semantics,
/// driven in virtual time: ADD (at-least-once), DEPOSIT (at-most-once), NOTE (maybe), SLOW
/// (at-most-once, waits for <see cref="Release"/> or its token), each counting its executions.
/// </summary>
internal sealed class SemanticsHarness : IDisposable
{
    public const uint Program = 0x2000_5150;
    public const uint Add = 1, Deposit = 2, Note = 3, Slow = 4;

    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _executions;
    private int _cancelled;

    public SemanticsHarness(Action<RpcServerOptions>? configure = null, Action<RpcDispatcher>? configureDispatcher = null)
    {
        Options = new RpcServerOptions { TimeProvider = Time };
        configure?.Invoke(Options);
        Options.Validate();
        var dispatcher = new RpcDispatcher();
        dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(Program, 1, Add, "COUNTER", "ADD"), Count);
        dispatcher.Register<XdrInt, XdrInt>(
            new RpcProcedureDescriptor(Program, 1, Deposit, "COUNTER", "DEPOSIT") { Semantics = RpcCallSemantics.AtMostOnce }, Count);
        dispatcher.Register<XdrInt, XdrVoid>(
            new RpcProcedureDescriptor(Program, 1, Note, "COUNTER", "NOTE") { Semantics = RpcCallSemantics.Maybe },
            (_, _) => { Interlocked.Increment(ref _executions); return default; });
        dispatcher.Register<XdrInt, XdrInt>(
            new RpcProcedureDescriptor(Program, 1, Slow, "COUNTER", "SLOW") { Semantics = RpcCallSemantics.AtMostOnce }, SlowAsync);
        configureDispatcher?.Invoke(dispatcher);
        Runtime = new RpcServerRuntime(Options, dispatcher, NullLogger.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));

    public RpcServerOptions Options { get; }

    public RpcServerRuntime Runtime { get; }

    /// <summary>Handler executions so far (every procedure).</summary>
    public int Executions => Volatile.Read(ref _executions);

    /// <summary>SLOW calls that ended because their token fired.</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    public DuplicateRequestCacheStatistics Statistics => Runtime.DuplicateRequests!.Statistics;

    /// <summary>Lets every SLOW call waiting so far finish.</summary>
    public void Release() => Interlocked.Exchange(ref _release, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public static readonly IPEndPoint ClientA = new(IPAddress.Parse("192.0.2.1"), 700);
    public static readonly IPEndPoint ClientB = new(IPAddress.Parse("192.0.2.2"), 700);

    public static byte[] Message(uint xid, uint procedure, int argument, byte[]? authSys = null) =>
        RpcBytes.CallMessage(xid, Program, 1, procedure, XdrBytes.Words((uint)argument),
            authSys is null ? RpcBytes.AuthNone : RpcBytes.AuthSys, authSys);

    public Task<byte[]?> CallAsync(uint xid, uint procedure, int argument = 1, EndPoint? from = null,
        RpcTransportKind transport = RpcTransportKind.Tcp, byte[]? authSys = null) =>
        OneCallSite.RunAsync(Runtime, Message(xid, procedure, argument, authSys), transport, from ?? ClientA);

    private ValueTask<XdrInt> Count(XdrInt argument, RpcCallContext context) =>
        ValueTask.FromResult(new XdrInt(Interlocked.Increment(ref _executions) * 1000 + argument.Value));

    private async ValueTask<XdrInt> SlowAsync(XdrInt argument, RpcCallContext context)
    {
        int n = Interlocked.Increment(ref _executions);
        try
        {
            await Volatile.Read(ref _release).Task.WaitAsync(context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
        return new XdrInt(n * 1000 + argument.Value);
    }

    public void Dispose() => Runtime.Dispose();
}
