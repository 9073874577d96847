namespace OncRpc.Xdr;

// Wrappers that give XDR's built-in types an IXdrSerializable face, so the runtime's generic
// call path (CallAsync<TArgs, TResult>) takes primitives without boxing or delegates.

/// <summary>XDR <c>void</c>: no bytes.</summary>
public readonly record struct XdrVoid : IXdrSerializable<XdrVoid>
{
    public static XdrVoid ReadFrom(ref XdrReader reader) => default;
    public void WriteTo(ref XdrWriter writer) { }
}

/// <summary>XDR <c>int</c>.</summary>
public readonly record struct XdrInt(int Value) : IXdrSerializable<XdrInt>
{
    public static XdrInt ReadFrom(ref XdrReader reader) => new(reader.ReadInt32());
    public void WriteTo(ref XdrWriter writer) => writer.WriteInt32(Value);
    public static implicit operator XdrInt(int value) => new(value);
    public static implicit operator int(XdrInt value) => value.Value;
}

/// <summary>XDR <c>unsigned int</c>.</summary>
public readonly record struct XdrUInt(uint Value) : IXdrSerializable<XdrUInt>
{
    public static XdrUInt ReadFrom(ref XdrReader reader) => new(reader.ReadUInt32());
    public void WriteTo(ref XdrWriter writer) => writer.WriteUInt32(Value);
    public static implicit operator XdrUInt(uint value) => new(value);
    public static implicit operator uint(XdrUInt value) => value.Value;
}

/// <summary>XDR <c>hyper</c>.</summary>
public readonly record struct XdrHyper(long Value) : IXdrSerializable<XdrHyper>
{
    public static XdrHyper ReadFrom(ref XdrReader reader) => new(reader.ReadInt64());
    public void WriteTo(ref XdrWriter writer) => writer.WriteInt64(Value);
    public static implicit operator XdrHyper(long value) => new(value);
    public static implicit operator long(XdrHyper value) => value.Value;
}

/// <summary>XDR <c>unsigned hyper</c>.</summary>
public readonly record struct XdrUHyper(ulong Value) : IXdrSerializable<XdrUHyper>
{
    public static XdrUHyper ReadFrom(ref XdrReader reader) => new(reader.ReadUInt64());
    public void WriteTo(ref XdrWriter writer) => writer.WriteUInt64(Value);
    public static implicit operator XdrUHyper(ulong value) => new(value);
    public static implicit operator ulong(XdrUHyper value) => value.Value;
}

/// <summary>XDR <c>bool</c>.</summary>
public readonly record struct XdrBool(bool Value) : IXdrSerializable<XdrBool>
{
    public static XdrBool ReadFrom(ref XdrReader reader) => new(reader.ReadBool());
    public void WriteTo(ref XdrWriter writer) => writer.WriteBool(Value);
    public static implicit operator XdrBool(bool value) => new(value);
    public static implicit operator bool(XdrBool value) => value.Value;
}

/// <summary>XDR <c>float</c>.</summary>
public readonly record struct XdrFloat(float Value) : IXdrSerializable<XdrFloat>
{
    public static XdrFloat ReadFrom(ref XdrReader reader) => new(reader.ReadSingle());
    public void WriteTo(ref XdrWriter writer) => writer.WriteSingle(Value);
    public static implicit operator XdrFloat(float value) => new(value);
    public static implicit operator float(XdrFloat value) => value.Value;
}

/// <summary>XDR <c>double</c>.</summary>
public readonly record struct XdrDouble(double Value) : IXdrSerializable<XdrDouble>
{
    public static XdrDouble ReadFrom(ref XdrReader reader) => new(reader.ReadDouble());
    public void WriteTo(ref XdrWriter writer) => writer.WriteDouble(Value);
    public static implicit operator XdrDouble(double value) => new(value);
    public static implicit operator double(XdrDouble value) => value.Value;
}

/// <summary>XDR <c>string&lt;&gt;</c> (unbounded; bounded strings come from generated code).</summary>
public readonly record struct XdrString(string Value) : IXdrSerializable<XdrString>
{
    public static XdrString ReadFrom(ref XdrReader reader) => new(reader.ReadString());
    public void WriteTo(ref XdrWriter writer) => writer.WriteString(Value);
    public static implicit operator XdrString(string value) => new(value);
    public static implicit operator string(XdrString value) => value.Value;
}

/// <summary>XDR <c>opaque&lt;&gt;</c> (unbounded; bounded opaque comes from generated code).</summary>
public readonly record struct XdrOpaque(ReadOnlyMemory<byte> Value) : IXdrSerializable<XdrOpaque>
{
    public static XdrOpaque ReadFrom(ref XdrReader reader) => new(reader.ReadOpaque());
    public void WriteTo(ref XdrWriter writer) => writer.WriteOpaque(Value.Span);
    public static implicit operator XdrOpaque(byte[] value) => new(value);
}
