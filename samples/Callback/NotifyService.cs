using System.Net;
using Callback.Generated;
using OncRpc;
using OncRpc.Client;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Xdr;

namespace Callback;

/// <summary>
/// NOTIFY_PROG: WATCH sends <c>count</c> EVENTs to the caller's callback program, one after the
/// other, then answers how many were taken. Where they go depends on the call: an empty uaddr
/// means the caller serves the program on its own connection (<see cref="RpcCallContext.Backchannel"/>);
/// otherwise the server connects to the transient server at uaddr, as classic ONC RPC callbacks do.
/// </summary>
internal sealed class NotifyService : NotifyV1ServiceBase
{
    public const uint MaxEvents = 1000;

    public override async ValueTask<uint> WatchAsync(WatchArgs watchArgs, RpcCallContext context)
    {
        if (watchArgs.Count > MaxEvents)
        {
            throw new RpcException(RpcStatus.GarbageArguments, $"at most {MaxEvents} events");
        }
        // The program number comes from the caller (classically, one it picked in the transient range).
        var eventProcedure = new RpcProcedureDescriptor(watchArgs.Prog, watchArgs.Vers, NotifyCbV1Procedures.Event.Procedure,
            NotifyCbV1Procedures.ProgramXdrName, "EVENT");
        string topic = watchArgs.Topic;
        CancellationToken cancellationToken = context.CancellationToken;
        if (watchArgs.Uaddr.Length == 0)
        {
            // The backchannel: the client's own connection, which it keeps reading.
            RpcClient back = context.Backchannel
                ?? throw new RpcException(RpcStatus.GarbageArguments, "no connection to call back over (UDP): pass a uaddr");
            return await SendAsync(back, eventProcedure, topic, watchArgs.Count, "backchannel", cancellationToken);
        }
        // The classic pattern: a new connection to the client's transient server. Only to the
        // caller's own host, so a WATCH cannot aim the server at a third party.
        if (watchArgs.Netid != "tcp" || !UniversalAddress.TryParse(watchArgs.Uaddr, out IPEndPoint callbackEndPoint)
            || context.RemoteEndPoint is not IPEndPoint caller || !callbackEndPoint.Address.Equals(caller.Address))
        {
            throw new RpcException(RpcStatus.GarbageArguments, "the callback address must be tcp on the caller's own host");
        }
        await using RpcClient callback = await RpcClient.ConnectTcpAsync(callbackEndPoint,
            new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) }, cancellationToken);
        return await SendAsync(callback, eventProcedure, topic, watchArgs.Count, "transient server", cancellationToken);
    }

    private static async Task<uint> SendAsync(RpcClient client, RpcProcedureDescriptor procedure, string topic, uint count, string via,
        CancellationToken cancellationToken)
    {
        uint taken = 0;
        for (uint sequence = 1; sequence <= count; sequence++)
        {
            var notification = new Event { Topic = topic, Sequence = sequence, Text = $"{topic} update {sequence} of {count} (via {via})" };
            if ((await client.CallAsync<Event, XdrInt>(procedure, notification, cancellationToken)).Value == 0)
            {
                taken++;
            }
        }
        return taken;
    }
}

/// <summary>NOTIFY_CB_PROG on the client: prints each event and completes once all arrived.</summary>
internal sealed class EventSink(uint expected, TextWriter output) : NotifyCbV1ServiceBase
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    public Task AllReceived => _all.Task;

    public int Received => Volatile.Read(ref _received);

    public override ValueTask<int> EventAsync(Event @event, RpcCallContext context)
    {
        lock (output)
        {
            output.WriteLine($"event {@event.Sequence}: {@event.Text}");
        }
        if (Interlocked.Increment(ref _received) == expected)
        {
            _all.TrySetResult();
        }
        return ValueTask.FromResult(0);
    }
}
