using OncRpc.Testing;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>RFC 4506 §7: the "file" struct of user john's lisp program, byte for byte.</summary>
public sealed class Rfc4506ExampleTests
{
    private const uint MaxUserName = 32;
    private const uint MaxFileLength = 65535;
    private const uint MaxNameLength = 255;

    // The 48 bytes of the §7 table, one row (4 bytes) per group.
    private const string Expected =
        "00000009 73696c6c 7970726f 67000000 00000002 00000004 6c697370 00000004 6a6f686e 00000006 28717569 74290000";

    private enum FileKind { Text = 0, Data = 1, Exec = 2 }

    private sealed record FileRecord(string FileName, FileKind Kind, string? Interpreter, string Owner, byte[] Data)
    {
        public void WriteTo(ref XdrWriter writer)
        {
            writer.WriteString(FileName, MaxNameLength);
            writer.WriteEnum((int)Kind);
            if (Kind != FileKind.Text)
            {
                // DATA carries creator, EXEC interpretor: both string<MAXNAMELEN>.
                writer.WriteString(Interpreter!, MaxNameLength);
            }
            writer.WriteString(Owner, MaxUserName);
            writer.WriteOpaque(Data, MaxFileLength);
        }

        public static FileRecord ReadFrom(ref XdrReader reader)
        {
            string name = reader.ReadString(MaxNameLength);
            int kind = reader.ReadEnum();
            if ((uint)kind > (uint)FileKind.Exec)
            {
                throw XdrGeneratedCode.UndeclaredEnum(in reader, "filekind", kind);
            }
            string? interpreter = kind == (int)FileKind.Text ? null : reader.ReadString(MaxNameLength);
            string owner = reader.ReadString(MaxUserName);
            byte[] data = reader.ReadOpaque(MaxFileLength);
            return new FileRecord(name, (FileKind)kind, interpreter, owner, data);
        }
    }

    private static readonly FileRecord s_sillyprog = new("sillyprog", FileKind.Exec, "lisp", "john", "(quit)"u8.ToArray());

    [Fact]
    public void Encodes_the_RFC_example_byte_for_byte()
    {
        byte[] bytes = XdrTest.Encode((ref XdrWriter w) => s_sillyprog.WriteTo(ref w));
        Assert.Equal(48, bytes.Length);
        Assert.Equal(Hex.Parse(Expected), bytes);
    }

    [Fact]
    public void Decodes_the_RFC_example()
    {
        FileRecord file = XdrTest.Decode(Hex.Parse(Expected), FileRecord.ReadFrom, XdrReaderOptions.Strict);
        Assert.Equal("sillyprog", file.FileName);
        Assert.Equal(FileKind.Exec, file.Kind);
        Assert.Equal("lisp", file.Interpreter);
        Assert.Equal("john", file.Owner);
        Assert.Equal("(quit)"u8.ToArray(), file.Data);
    }

    [Fact]
    public void Decodes_the_RFC_example_from_one_byte_per_segment()
    {
        FileRecord file = XdrTest.Decode(XdrTest.OneBytePerSegment(Hex.Parse(Expected)), FileRecord.ReadFrom, XdrReaderOptions.Strict);
        Assert.Equal("john", file.Owner);
        Assert.Equal("(quit)"u8.ToArray(), file.Data);
    }

    [Fact]
    public void Rejects_an_undeclared_file_kind_at_its_offset()
    {
        byte[] bytes = Hex.Parse(Expected);
        bytes[19] = 7; // filekind at offset 16
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, FileRecord.ReadFrom));
        Assert.Equal(16, e.Offset);
        Assert.Contains("filekind", e.Expectation, StringComparison.Ordinal);
    }
}
