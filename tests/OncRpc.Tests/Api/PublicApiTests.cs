using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace OncRpc.Tests.Api;

/// <summary>
/// Keeps a text baseline of the public API of OncRpc.Xdr and OncRpc (design.md: "Public API is
/// small and deliberate; a test keeps a text baseline of it"). A change to the public surface fails
/// here until the baseline is regenerated on purpose with ONCRPC_UPDATE_BASELINES=1.
/// </summary>
public sealed class PublicApiTests
{
    [Theory]
    [InlineData("OncRpc.Xdr")]
    [InlineData("OncRpc")]
    public void PublicApiMatchesBaseline(string assemblyName)
    {
        Assembly assembly = assemblyName == "OncRpc" ? typeof(RpcException).Assembly : typeof(OncRpc.Xdr.XdrReader).Assembly;
        string actual = PublicApiWriter.Describe(assembly);
        string path = Path.Combine(SourceDirectory(), $"{assemblyName}.PublicApi.txt");
        if (Environment.GetEnvironmentVariable("ONCRPC_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, actual);
        }
        Assert.True(File.Exists(path), $"no baseline at {path}; run with ONCRPC_UPDATE_BASELINES=1 to create it");
        string expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void DescriptionListsMembersOfPublicTypesOnly()
    {
        string api = PublicApiWriter.Describe(typeof(RpcException).Assembly);
        Assert.Contains("class OncRpc.RpcException", api, StringComparison.Ordinal);
        Assert.Contains("  property OncRpc.RpcStatus Status { get; }", api, StringComparison.Ordinal);
        Assert.DoesNotContain("PooledBufferWriter", api, StringComparison.Ordinal); // internal
    }

    private static string SourceDirectory([CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;
}

/// <summary>One line per public type and per public or protected member, sorted, so a diff shows
/// exactly what changed.</summary>
internal static class PublicApiWriter
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static string Describe(Assembly assembly)
    {
        var output = new StringBuilder();
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            output.Append(Kind(type)).Append(' ').Append(Name(type));
            Type[] bases = [.. Bases(type)];
            if (bases.Length > 0)
            {
                output.Append(" : ").Append(string.Join(", ", bases.Select(Name)));
            }
            output.Append('\n');
            foreach (string member in Members(type).Order(StringComparer.Ordinal))
            {
                output.Append("  ").Append(member).Append('\n');
            }
        }
        return output.ToString();
    }

    private static string Kind(Type type) =>
        type.IsEnum ? "enum"
        : type.IsInterface ? "interface"
        : type.IsValueType ? (type.IsByRefLike ? "ref struct" : "struct")
        : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
        : type.IsAbstract && type.IsSealed ? "static class"
        : type.IsAbstract ? "abstract class"
        : type.IsSealed ? "sealed class"
        : "class";

    private static IEnumerable<Type> Bases(Type type)
    {
        if (type.IsClass && type.BaseType is { } b && b != typeof(object) && !typeof(Delegate).IsAssignableFrom(type))
        {
            yield return b;
        }
        foreach (Type i in type.GetInterfaces().OrderBy(i => i.FullName, StringComparer.Ordinal))
        {
            if (i.IsPublic || i.IsNestedPublic)
            {
                yield return i;
            }
        }
    }

    private static IEnumerable<string> Members(Type type)
    {
        if (type.IsEnum)
        {
            foreach (FieldInfo f in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                yield return $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
            }
            yield break;
        }
        foreach (MemberInfo member in type.GetMembers(Declared))
        {
            string? line = member switch
            {
                ConstructorInfo c when Visible(c) => $"ctor({Parameters(c)})",
                MethodInfo m when Visible(m) && !m.IsSpecialName => $"{Static(m)}method {Name(m.ReturnType)} {m.Name}{Generic(m)}({Parameters(m)})",
                MethodInfo m when Visible(m) && m.Name.StartsWith("op_", StringComparison.Ordinal) => $"operator {Name(m.ReturnType)} {m.Name}({Parameters(m)})",
                PropertyInfo p when Accessors(p) is { Length: > 0 } acc => $"{Static(p.GetMethod ?? p.SetMethod!)}property {Name(p.PropertyType)} {p.Name} {{ {acc} }}",
                FieldInfo f when f.IsPublic || f.IsFamily => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}field {Name(f.FieldType)} {f.Name}",
                EventInfo e when e.AddMethod is { } add && Visible(add) => $"event {Name(e.EventHandlerType!)} {e.Name}",
                _ => null,
            };
            if (line is not null)
            {
                yield return line;
            }
        }
    }

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Static(MethodBase m) => m.IsStatic ? "static " : "";

    private static string Accessors(PropertyInfo p)
    {
        var parts = new List<string>();
        if (p.GetMethod is { } get && Visible(get))
        {
            parts.Add("get;");
        }
        if (p.SetMethod is { } set && Visible(set))
        {
            bool init = set.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
            parts.Add(init ? "init;" : "set;");
        }
        return string.Join(' ', parts);
    }

    private static string Generic(MethodInfo m) =>
        m.IsGenericMethodDefinition ? $"<{string.Join(", ", m.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(MethodBase m) =>
        string.Join(", ", m.GetParameters().Select(p =>
            $"{(p.ParameterType.IsByRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }
        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }
        if (type.IsGenericParameter)
        {
            return type.Name;
        }
        string name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : type.Namespace + "." + type.Name;
        if (type.IsGenericType)
        {
            int tick = name.IndexOf('`', StringComparison.Ordinal);
            if (tick >= 0)
            {
                name = name[..tick];
            }
            name += "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
        }
        return name;
    }
}
