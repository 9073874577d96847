// Compiled in memory together with the code generated from tests/TestData/x/allconstructs.x
// (namespace RoundTrip), then called by reflection from RoundTripTests and CInteropTests (the
// driver's entry points only: the runtime is reached through its public API).
// The sample value here must stay identical to the one in allconstructs_driver.c.
using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using OncRpc.Xdr;

namespace RoundTrip;

public static class Driver
{
    public static Everything Sample() => new()
    {
        I = -123456,
        U = 4000000000u,
        Bare = 7,
        H = -1234567890123L,
        Uh = 18000000000000000000ul,
        F = 1.5f,
        D = -2.25,
        B = true,
        C = Color.Blue,
        S = Shape.Square,
        Alias = 42,
        Counter = 9,
        Unbounded = "hello",
        Bounded = "bounded",
        Name = "name",
        FixedBytes = [1, 2, 3],
        VarBytes = [4, 5, 6, 7, 8],
        AnyBytes = [],
        Handle = [1, 2, 3, 4, 5, 6, 7, 8],
        Blob = [0xAA, 0xBB],
        FixedInts = [1, 2, 3],
        VarInts = [10, 20],
        AnyInts = [-1],
        Points = [new Point { X = 1, Y = 2 }, new Point { X = 3, Y = 4 }],
        MorePoints = [new Point { X = 5, Y = 6 }],
        Names = ["a", "bc"],
        Handles = [[0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18]],
        Colors = [Color.Red, Color.Negative, Color.Big],
        MaybePoint = new Point { X = 7, Y = 8 },
        MaybePoint2 = null,
        MaybeInt = 99,
        MaybeColor = null,
        List = new Node { Value = 1, Label = "one", Next = new Node { Value = 2, Label = "two" } },
        Links = new Link { Id = 10, Rest = new Link { Id = 11 } },
        Res = new Result.Green(Color.Green, new Point { X = 9, Y = 10 }),
        Flag = new FlagUnion.True(5000000000L),
        Num = new NumberUnion.FixedLen([1, 2, 3, 4, 5]),
        Uns = new UnsignedUnion.Case7(-3),
        Results = [new Result.Red(-7), new Result.Default(Color.Big, "big")],
    };

    public static string Encode() => Convert.ToHexString(XdrSerializer.ToArray(Sample()));

    public static string DecodeAndReencode(string hex) =>
        Convert.ToHexString(XdrSerializer.ToArray(XdrSerializer.Deserialize<Everything>(Convert.FromHexString(hex))));

    public static bool DecodesToSample(string hex) => XdrSerializer.Deserialize<Everything>(Convert.FromHexString(hex)).Equals(Sample());

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("check failed: " + what);
        }
    }

    private static void Throws<T>(Action action, string what) where T : Exception
    {
        try
        {
            action();
        }
        catch (T)
        {
            return;
        }
        throw new InvalidOperationException("expected " + typeof(T).Name + ": " + what);
    }

    /// <summary>Every generated type survives encode/decode; equality and bounds behave.</summary>
    public static string RoundTrips()
    {
        Everything sample = Sample();
        byte[] bytes = XdrSerializer.ToArray(sample);
        Everything decoded = XdrSerializer.Deserialize<Everything>(bytes);
        Check(decoded.Equals(sample) && decoded == sample, "decoded equals sample");
        Check(decoded.GetHashCode() == sample.GetHashCode(), "hash codes agree");
        Check(Convert.ToHexString(XdrSerializer.ToArray(decoded)) == Convert.ToHexString(bytes), "re-encodes to the same bytes");
        Check(!ReferenceEquals(decoded.VarBytes, sample.VarBytes), "arrays are copies");

        decoded.VarInts[1] = 21;
        Check(!decoded.Equals(sample), "element-wise array equality");
        decoded = XdrSerializer.Deserialize<Everything>(bytes);
        decoded.List!.Next!.Label = "TWO";
        Check(!decoded.Equals(sample), "list equality reaches the second node");

        // Unions pattern-match, and arms carry their discriminants.
        Check(decoded.Res is Result.Green { Status: Color.Green, Where.X: 9 }, "multi-label arm");
        Check(decoded.Results[1] is Result.Default { Status: Color.Big, Message: "big" }, "default arm");
        Check(decoded.Flag is FlagUnion.True { Amount: 5000000000L }, "bool arm");
        Check(new Result.Green(Color.Blue, new Point()).Status == Color.Blue, "shared arm keeps its discriminant");
        Throws<ArgumentOutOfRangeException>(() => new Result.Green(Color.Red), "arm rejects another arm's value");
        Throws<ArgumentOutOfRangeException>(() => new Result.Default(Color.Red), "default arm rejects declared values");

        // Every type alone, including a new, default-constructed one.
        RoundTrip(new Everything(), "default everything");
        RoundTrip(new Point { X = int.MinValue, Y = int.MaxValue }, "point");
        RoundTrip<Result>(new Result.Negative(), "void arm");
        RoundTrip<NumberUnion>(new NumberUnion.Case1(float.NaN), "float NaN");
        RoundTrip<NumberUnion>(new NumberUnion.Case2(double.NegativeInfinity), "double");
        RoundTrip<NumberUnion>(new NumberUnion.NegConst(ulong.MaxValue), "negative case label named by a constant");
        RoundTrip<UnsignedUnion>(new UnsignedUnion.Case0(true), "unsigned discriminant");
        RoundTrip<FlagUnion>(new FlagUnion.False(), "bool void arm");
        RoundTrip(new Link { Id = 1 }, "typedef'd list");

        // Bounds are checked when writing...
        Throws<ArgumentException>(() => XdrSerializer.ToArray(new Everything { Bounded = new string('x', 33) }), "string<32> on write");
        Throws<ArgumentException>(() => XdrSerializer.ToArray(new Everything { VarInts = new int[6] }), "int<5> on write");
        Throws<ArgumentException>(() => XdrSerializer.ToArray(new Everything { FixedInts = new int[2] }), "int[3] on write");
        Throws<ArgumentException>(() => XdrSerializer.ToArray(new Everything { Handle = new byte[7] }), "opaque[8] on write");
        Throws<ArgumentNullException>(() => XdrSerializer.ToArray(new Everything { Unbounded = null! }), "null string");
        // ...and when reading.
        Throws<XdrException>(() => XdrSerializer.Deserialize<Point>(new byte[7]), "short input");
        Throws<XdrException>(() => XdrSerializer.Deserialize<Result>(Convert.FromHexString("00000005")), "undeclared enum value");
        Throws<XdrException>(() => XdrSerializer.Deserialize<NumberUnion>(Convert.FromHexString("00000063")), "no arm for 99");
        Throws<XdrException>(() => XdrSerializer.Deserialize<FlagUnion>(Convert.FromHexString("00000002")), "bool of 2");
        Throws<XdrException>(() => XdrSerializer.Deserialize<Node>(Convert.FromHexString("00000001" + "7FFFFFFF")), "4 GB string in a 8-byte message");
        return "ok";
    }

    private static void RoundTrip<T>(T value, string what) where T : IXdrSerializable<T>, IEquatable<T>
    {
        byte[] bytes = XdrSerializer.ToArray(value);
        T back = XdrSerializer.Deserialize<T>(bytes);
        Check(back.Equals(value), what + " round-trips");
        Check(Convert.ToHexString(XdrSerializer.ToArray(back)) == Convert.ToHexString(bytes), what + " re-encodes identically");
    }

    /// <summary>A list of <paramref name="count"/> nodes: encode, decode, compare, hash, all by loops.</summary>
    public static string LongList(int count)
    {
        Node head = new() { Value = 0, Label = "n" };
        Node tail = head;
        for (int i = 1; i < count; i++)
        {
            var next = new Node { Value = i, Label = "n" };
            tail.Next = next;
            tail = next;
        }
        var buffer = new ArrayBufferWriter<byte>();
        XdrSerializer.Serialize(head, buffer);
        Node decoded = XdrSerializer.Deserialize<Node>(buffer.WrittenSpan);
        Check(decoded.Equals(head), "long lists compare equal");
        Check(decoded.GetHashCode() == head.GetHashCode(), "long lists hash alike");
        int length = 0;
        for (Node? n = decoded; n is not null; n = n.Next)
        {
            length++;
        }
        Check(length == count, "every node decoded");
        return buffer.WrittenCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class Service : AllconstructsV1ServiceBase
    {
        public int Calls;

        public override ValueTask NullAsync(OncRpc.Server.RpcCallContext context) { Calls++; return default; }
        public override ValueTask<Everything> EchoAsync(Everything everything, OncRpc.Server.RpcCallContext context) { Calls++; return new(everything); }
        public override ValueTask<int> AddAsync(int arg1, int arg2, OncRpc.Server.RpcCallContext context) { Calls++; return new(arg1 + arg2); }
        public override ValueTask<string> NameAsync(Point point, OncRpc.Server.RpcCallContext context) { Calls++; return new($"{point.X},{point.Y}"); }
        public override ValueTask<Color> ColorAsync(Color color, OncRpc.Server.RpcCallContext context) { Calls++; return new(color); }
        public override ValueTask<Result> ResultAsync(string arg, OncRpc.Server.RpcCallContext context) { Calls++; return new(new Result.Default(Color.Big, arg)); }
        public override ValueTask ListAsync(Node node, OncRpc.Server.RpcCallContext context) { Calls++; return default; }

        public override async ValueTask<bool> FlagAsync(long arg1, ulong arg2, double arg3, OncRpc.Server.RpcCallContext context)
        {
            Calls++;
            await Task.Yield(); // one handler completes asynchronously: the late-reply path
            return arg1 > 0 && arg2 == 2 && arg3 == 3.0;
        }
    }

    /// <summary>
    /// Generated client to generated service through the in-process transport (every call encoded,
    /// run through the server's call pipeline, and its reply decoded), async and blocking; then the
    /// same interface served from an implementation (here the client itself, so a front server
    /// forwards every call to the back one). Returns the back service's call count.
    /// </summary>
    public static async Task<string> ClientAndService()
    {
        var back = new OncRpc.Server.RpcDispatcher();
        var service = new Service();
        back.Add(service);
        Check(back.ProgramVersions().Count == 1, "one program version registered");
        await using OncRpc.Client.RpcClient backClient = OncRpc.Client.RpcClient.CreateInProcess(back);
        IAllconstructsV1 api = new AllconstructsV1Client(backClient);
        await Exercise(api);
        Check(service.Calls == 8, "every async call reached the service");
        Check(api.Add(4, 5) == 9 && api.Name(new Point { X = 3, Y = 4 }) == "3,4" && api.Flag(1, 2, 3.0), "blocking twins");
        Check(api.Result("y") is Result.Default { Message: "y" } && api.Echo(Sample()).Equals(Sample()), "blocking union and struct");
        api.Null();
        api.List(new Node());
        Check(service.Calls == 15, "every blocking call reached the service");

        // The interface is both ends' contract: serve any implementation of it.
        var front = new OncRpc.Server.RpcDispatcher();
        front.Add(AllconstructsV1ServiceBase.FromInterface(api));
        await using OncRpc.Client.RpcClient frontClient = OncRpc.Client.RpcClient.CreateInProcess(front);
        await Exercise(new AllconstructsV1Client(frontClient));
        Check(service.Calls == 23, "the front server forwarded every call");
        Check(AllconstructsV1Procedures.Add.ProcedureName == "ALL_ADD" && AllconstructsV1Procedures.Add.ProgramName == "ALLCONSTRUCTS_PROG", "descriptor names");
        return service.Calls.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Exercise(IAllconstructsV1 api)
    {
        await api.NullAsync();
        Check(await api.AddAsync(2, 3) == 5, "two int arguments");
        Check(await api.NameAsync(new Point { X = 1, Y = 2 }) == "1,2", "bounded string result");
        Check(await api.ColorAsync(Color.Negative) == Color.Negative, "enum argument and result");
        Check(await api.ResultAsync("x") is Result.Default { Message: "x" }, "union result");
        Check((await api.EchoAsync(Sample())).Equals(Sample()), "struct echo");
        Check(await api.FlagAsync(1, 2, 3.0), "three arguments");
        await api.ListAsync(new Node());
    }
}
