using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Tests.Support;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Tests.Server;

/// <summary>
/// The server owns decoded arguments and handler results: disposable ones (a pooled opaque) are
/// disposed once the reply is encoded, on every path a call can take; the client hands its
/// pooled result to the caller, who disposes it. The reply reaches the client only after the
/// server's disposal (the transport sends once the call's pipeline is done), so the tests read
/// the server's objects right after the call returns.
/// </summary>
public sealed class PooledValueLifetimeTests
{
    private const uint Program = 0x2000_0716;
    private static readonly RpcProcedureDescriptor s_echoSame = new(Program, 1, 1, "POOLED", "ECHO_SAME");
    private static readonly RpcProcedureDescriptor s_echoCopy = new(Program, 1, 2, "POOLED", "ECHO_COPY");
    private static readonly RpcProcedureDescriptor s_echoLater = new(Program, 1, 3, "POOLED", "ECHO_LATER");
    private static readonly RpcProcedureDescriptor s_throwNow = new(Program, 1, 4, "POOLED", "THROW_NOW");
    private static readonly RpcProcedureDescriptor s_throwLater = new(Program, 1, 5, "POOLED", "THROW_LATER");
    private static readonly RpcProcedureDescriptor s_overrun = new(Program, 1, 6, "POOLED", "OVERRUN");
    private static readonly RpcProcedureDescriptor s_observed = new(Program, 1, 7, "POOLED", "OBSERVED");
    private static readonly RpcProcedureDescriptor s_lengthOnly = new(Program, 1, 8, "POOLED", "LENGTH_ONLY");
    private static readonly RpcProcedureDescriptor s_observedSame = new(Program, 1, 9, "POOLED", "OBSERVED_SAME");
    private static readonly RpcProcedureDescriptor s_disposeThrows = new(Program, 1, 10, "POOLED", "DISPOSE_THROWS");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Arguments and results the handlers saw, in call order.</summary>
    private sealed class Seen
    {
        public readonly ConcurrentQueue<XdrPooledOpaque> Arguments = new();
        public readonly ConcurrentQueue<XdrPooledOpaque> Results = new();
        public volatile bool DisposedWhileRunning;

        public XdrPooledOpaque Take(XdrPooledOpaque arguments)
        {
            DisposedWhileRunning |= arguments.IsDisposed;
            Arguments.Enqueue(arguments);
            return arguments;
        }

        public XdrPooledOpaque Last => Arguments.Last();
    }

    /// <summary>An argument type that owns a pooled opaque and lets the test see it even when
    /// the server never hands it to a handler (GARBAGE_ARGS after it was decoded).</summary>
    private sealed class Observed(XdrPooledOpaque inner) : IXdrSerializable<Observed>, IDisposable
    {
        public static readonly ConcurrentQueue<Observed> Decoded = new();
        private int _disposals;

        public XdrPooledOpaque Inner => inner;
        public int Disposals => Volatile.Read(ref _disposals);

        public static Observed ReadFrom(ref XdrReader reader)
        {
            var observed = new Observed(XdrPooledOpaque.ReadFrom(ref reader));
            Decoded.Enqueue(observed);
            return observed;
        }

        public void WriteTo(ref XdrWriter writer) => inner.WriteTo(ref writer);

        public void Dispose()
        {
            Interlocked.Increment(ref _disposals);
            inner.Dispose();
        }
    }

    /// <summary>A result whose Dispose throws (after the reply was encoded).</summary>
    private sealed class FaultyDispose(int value) : IXdrSerializable<FaultyDispose>, IDisposable
    {
        public static FaultyDispose ReadFrom(ref XdrReader reader) => new(reader.ReadInt32());

        public void WriteTo(ref XdrWriter writer) => writer.WriteInt32(value);

        public void Dispose() => throw new InvalidOperationException("dispose failure");
    }

    /// <summary>The event ids the server logged.</summary>
    private sealed class LoggedEvents : ILoggerFactory, ILogger
    {
        public readonly ConcurrentQueue<(int Id, Exception? Exception)> Events = new();

        public ILogger CreateLogger(string categoryName) => this;
        public void AddProvider(ILoggerProvider provider) { }
        public void Dispose() { }
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Events.Enqueue((eventId.Id, exception));
    }

    /// <summary>An opaque followed by a word the procedure does not take.</summary>
    private readonly record struct OpaqueAndExtra(byte[] Bytes, int Extra) : IXdrSerializable<OpaqueAndExtra>
    {
        public static OpaqueAndExtra ReadFrom(ref XdrReader reader) => new(reader.ReadOpaque(), reader.ReadInt32());

        public void WriteTo(ref XdrWriter writer)
        {
            writer.WriteOpaque(Bytes);
            writer.WriteInt32(Extra);
        }
    }

    /// <summary>A server with the procedures above and a client connected over <c>tcp</c> or <c>shm</c>.</summary>
    private sealed class Served(RpcServer server, Seen seen, LoggedEvents logged) : IAsyncDisposable
    {
        public RpcServer Server => server;
        public Seen Seen => seen;
        public LoggedEvents Logged => logged;
        public RpcClient Client { get; private set; } = null!;

        public static async Task<Served> StartAsync(string transport)
        {
            Assert.SkipWhen(transport == "shm" && !ShmLibc.IsSupported, "shared memory needs Linux x86_64");
            (RpcServer server, Seen seen, LoggedEvents logged, string shmPath) = await StartServerAsync();
            var served = new Served(server, seen, logged);
            served.Client = transport == "shm"
                ? await RpcClient.ConnectSharedMemoryAsync(shmPath, null, Ct)
                : await RpcClient.ConnectTcpAsync(server.EndPoints.First(e => e.Transport == RpcTransportKind.Tcp).EndPoint, null, Ct);
            return served;
        }

        public async ValueTask DisposeAsync()
        {
            if (Client is not null)
            {
                await Client.DisposeAsync();
            }
            await server.DisposeAsync();
        }
    }

    private static async Task<(RpcServer Server, Seen Seen, LoggedEvents Logged, string ShmPath)> StartServerAsync()
    {
        var seen = new Seen();
        var logged = new LoggedEvents();
        var server = new RpcServer(null, logged);
        RpcDispatcher d = server.Dispatcher;
        d.Register<XdrPooledOpaque, XdrPooledOpaque>(s_echoSame, (a, _) => ValueTask.FromResult(seen.Take(a)));
        d.Register<XdrPooledOpaque, XdrPooledOpaque>(s_echoCopy, (a, _) =>
        {
            XdrPooledOpaque copy = XdrPooledOpaque.CopyOf(seen.Take(a).Span);
            seen.Results.Enqueue(copy);
            return ValueTask.FromResult(copy);
        });
        d.Register<XdrPooledOpaque, XdrPooledOpaque>(s_echoLater, async (a, _) =>
        {
            seen.Take(a);
            await Task.Yield();
            return a;
        });
        d.Register<XdrPooledOpaque, XdrVoid>(s_throwNow, (a, _) =>
        {
            seen.Take(a);
            throw new InvalidOperationException("handler failure");
        });
        d.Register<XdrPooledOpaque, XdrVoid>(s_throwLater, async (a, _) =>
        {
            seen.Take(a);
            await Task.Yield();
            throw new InvalidOperationException("handler failure");
        });
        d.Register<XdrPooledOpaque, XdrVoid>(s_overrun, async (a, context) =>
        {
            seen.Take(a);
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
            return default;
        }, new RpcProcedureOptions { MaxExecutionTime = TimeSpan.FromMilliseconds(50) });
        d.Register<Observed, XdrVoid>(s_observed, (_, _) => default);
        d.Register<Observed, Observed>(s_observedSame, (a, _) => ValueTask.FromResult(a));
        d.Register<XdrInt, FaultyDispose>(s_disposeThrows, (a, _) => ValueTask.FromResult(new FaultyDispose(a.Value + 1)));
        d.Register<XdrInt, XdrUInt>(s_lengthOnly, (_, _) => ValueTask.FromResult(new XdrUInt(0x7FFF_FFFF)));
        server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
        string shmPath = Path.Combine(Path.GetTempPath(), $"oncrpc-pooled-{Guid.NewGuid():N}.sock");
        if (ShmLibc.IsSupported)
        {
            server.ListenSharedMemory(shmPath);
        }
        await server.StartAsync(Ct);
        return (server, seen, logged, shmPath);
    }

    private static byte[] Payload(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 13 + seed))];

    public static TheoryData<string, int> TransportsAndSizes => new()
    {
        { "tcp", 5 }, { "tcp", 65536 }, { "shm", 5 }, { "shm", 65536 },
    };

    [Theory]
    [MemberData(nameof(TransportsAndSizes))]
    public async Task Arguments_returned_as_the_result_are_disposed_once_after_the_reply(string transport, int size)
    {
        await using Served served = await Served.StartAsync(transport);
        RpcClient client = served.Client;
        Seen seen = served.Seen;
        byte[] payload = Payload(size, 1);

        using (XdrPooledOpaque echoed = await client.CallAsync<XdrOpaque, XdrPooledOpaque>(s_echoSame, payload, Ct))
        {
            Assert.Equal(payload, echoed.Span.ToArray());
            Assert.True(seen.Last.IsDisposed);
            Assert.False(echoed.IsDisposed); // the client's result is the caller's
        }
        using (XdrPooledOpaque echoed = client.Call<XdrOpaque, XdrPooledOpaque>(s_echoLater, Payload(size, 2), Ct))
        {
            Assert.Equal(Payload(size, 2), echoed.Span.ToArray());
            Assert.True(seen.Last.IsDisposed);
        }
        Assert.False(seen.DisposedWhileRunning);
        // A handler that kept its arguments past the call reads nothing of the next one.
        Assert.Throws<ObjectDisposedException>(() => seen.Last.Span.Length);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("shm")]
    public async Task A_different_result_and_the_arguments_are_both_disposed(string transport)
    {
        await using Served served = await Served.StartAsync(transport);
        RpcClient client = served.Client;
        Seen seen = served.Seen;

        for (int i = 0; i < 20; i++)
        {
            using XdrPooledOpaque echoed = client.Call<XdrOpaque, XdrPooledOpaque>(s_echoCopy, Payload(8192 + i, i), Ct);
            Assert.Equal(Payload(8192 + i, i), echoed.Span.ToArray());
        }
        Assert.Equal(20, seen.Arguments.Count);
        Assert.All(seen.Arguments, a => Assert.True(a.IsDisposed));
        Assert.All(seen.Results, r => Assert.True(r.IsDisposed));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("shm")]
    public async Task A_handler_that_throws_now_or_later_still_has_its_arguments_disposed(string transport)
    {
        await using Served served = await Served.StartAsync(transport);
        RpcClient client = served.Client;
        Seen seen = served.Seen;

        foreach (RpcProcedureDescriptor procedure in new[] { s_throwNow, s_throwLater })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrOpaque, XdrVoid>(procedure, Payload(4096, 3), Ct).AsTask());
            Assert.Equal(RpcStatus.SystemError, e.Status);
            Assert.True(seen.Last.IsDisposed, procedure.DisplayName);
        }
    }

    [Fact]
    public async Task A_call_cancelled_past_its_execution_time_has_its_arguments_disposed()
    {
        await using Served served = await Served.StartAsync("tcp");
        RpcClient client = served.Client;
        Seen seen = served.Seen;

        // The handler's token fires at the limit; the server answers SYSTEM_ERR for it.
        var e = await Assert.ThrowsAsync<RpcException>(() => client.CallAsync<XdrOpaque, XdrVoid>(s_overrun, Payload(4096, 4), Ct).AsTask());
        Assert.Equal(RpcStatus.SystemError, e.Status);
        Assert.True(seen.Last.IsDisposed);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("shm")]
    public async Task Arguments_with_trailing_bytes_are_garbage_and_what_was_decoded_is_disposed(string transport)
    {
        await using Served served = await Served.StartAsync(transport);
        RpcClient client = served.Client;
        int before = Observed.Decoded.Count;

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            client.CallAsync<OpaqueAndExtra, XdrVoid>(s_observed, new OpaqueAndExtra(Payload(8192, 5), 7), Ct).AsTask());

        Assert.Equal(RpcStatus.GarbageArguments, e.Status);
        Observed decoded = Observed.Decoded.Skip(before).Single(d => d.Inner.Length == 8192);
        Assert.True(decoded.Inner.IsDisposed);
        Assert.Equal(1, decoded.Disposals);
    }

    [Fact]
    public async Task The_same_object_as_arguments_and_result_is_disposed_exactly_once()
    {
        await using Served served = await Served.StartAsync("tcp");
        RpcClient client = served.Client;

        using XdrPooledOpaque echoed = await client.CallAsync<XdrOpaque, XdrPooledOpaque>(s_observedSame, Payload(8193, 7), Ct);

        Observed decoded = Observed.Decoded.Single(d => d.Inner.Length == 8193);
        Assert.Equal(1, decoded.Disposals);
        Assert.Equal(Payload(8193, 7), echoed.Span.ToArray());
    }

    [Fact]
    public async Task A_reply_whose_length_word_exceeds_the_record_fails_the_call_and_the_client_serves_on()
    {
        // LENGTH_ONLY's reply, read as an opaque, is a length word of 0x7FFFFFFF followed by
        // nothing: the length claims more than the record holds.
        await using Served served = await Served.StartAsync("tcp");
        RpcClient client = served.Client;

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            client.CallAsync<XdrInt, XdrPooledOpaque>(s_lengthOnly, 1, Ct).AsTask());
        Assert.Equal(RpcStatus.CannotDecodeReply, e.Status);

        using XdrPooledOpaque after = await client.CallAsync<XdrOpaque, XdrPooledOpaque>(s_echoSame, Payload(10, 6), Ct);
        Assert.Equal(Payload(10, 6), after.Span.ToArray());
    }

    [Fact]
    public async Task A_result_whose_dispose_throws_is_still_answered_logged_and_the_server_serves_on()
    {
        await using Served served = await Served.StartAsync("tcp");
        RpcClient client = served.Client;

        for (int i = 0; i < 3; i++)
        {
            XdrInt answer = await client.CallAsync<XdrInt, XdrInt>(s_disposeThrows, i, Ct);
            Assert.Equal(i + 1, answer.Value);
        }

        // The disposal (and its log entry) comes before the reply is sent, as for every test here.
        Assert.Equal(3, served.Logged.Events.Count(e => e.Id == 1029));
        Assert.All(served.Logged.Events.Where(e => e.Id == 1029), e => Assert.IsType<InvalidOperationException>(e.Exception));
        using XdrPooledOpaque after = await client.CallAsync<XdrOpaque, XdrPooledOpaque>(s_echoSame, Payload(10, 8), Ct);
        Assert.Equal(Payload(10, 8), after.Span.ToArray());
    }
}
