namespace OncRpc.Compiler.Tests;

/// <summary>
/// Malformed input of any kind gives diagnostics: never an exception, a hang, an internal error
/// or output presented as success alongside errors. Thousands of seeded mutations of real .x text,
/// each bounded by a timeout, plus hand-made hostile inputs.
/// </summary>
public sealed class RobustnessTests
{
    private static readonly string[] s_fragments =
    [
        "{", "}", "(", ")", "[", "]", "<", ">", ";", ",", ":", "=", "*", "-", "struct", "union", "enum", "typedef",
        "const", "switch", "case", "default", "void", "opaque", "string", "program", "version", "unsigned", "hyper",
        "#if", "#ifdef X", "#endif", "#else", "#include \"self.x\"", "#define X Y", "%", "/*", "*/", "0x", "-1",
        "4294967296", "\n", "\"", "'", "@", "\0", "TRUE", "bool",
    ];

    private static List<string> Corpus()
    {
        var files = TestPaths.OwnXFiles.Select(TestPaths.X).ToList();
        foreach (string directory in new[] { "/usr/include/rpcsvc", "/usr/include/tirpc/rpcsvc" }.Where(Directory.Exists))
        {
            files.AddRange(Directory.GetFiles(directory, "*.x").Order(StringComparer.Ordinal));
        }
        return files.Select(File.ReadAllText).ToList();
    }

    private static string Mutate(string text, Random random)
    {
        var chars = new System.Text.StringBuilder(text);
        int edits = 1 + random.Next(4);
        for (int e = 0; e < edits && chars.Length > 0; e++)
        {
            int at = random.Next(chars.Length);
            switch (random.Next(6))
            {
                case 0: chars.Remove(at, Math.Min(chars.Length - at, 1 + random.Next(40))); break;
                case 1: chars.Insert(at, s_fragments[random.Next(s_fragments.Length)]); break;
                case 2: chars[at] = (char)random.Next(0, 128); break;
                case 3: chars.Length = at; break;
                case 4:
                    int length = Math.Min(chars.Length - at, random.Next(200));
                    chars.Insert(random.Next(chars.Length), chars.ToString(at, length));
                    break;
                default: chars.Insert(at, (char)random.Next(0x80, 0x3000)); break;
            }
        }
        return chars.ToString();
    }

    private static void CheckOne(string text, string what)
    {
        var task = Task.Run(() => Compile.X(text, "/fuzz/self.x"));
        Assert.True(task.Wait(TimeSpan.FromSeconds(20)), "compiler hung on " + what);
        XdrCompilationResult result = task.Result;
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "ONCRPC1302");
        bool hasErrors = result.Diagnostics.Any(d => d.Severity == Diagnostics.DiagnosticSeverity.Error);
        Assert.Equal(!hasErrors, result.Success);
        Assert.Equal(result.Success, result.GeneratedCode is not null);
    }

    [Fact]
    public void Thousands_of_mutations_give_diagnostics_never_exceptions()
    {
        List<string> corpus = Corpus();
        var random = new Random(20261121);
        for (int i = 0; i < 3000; i++)
        {
            string source = corpus[i % corpus.Count];
            CheckOne(Mutate(source, random), $"mutation {i} of corpus file {i % corpus.Count}");
        }
    }

    public static TheoryData<string> Hostile => new()
    {
        string.Concat(Enumerable.Repeat("struct a { ", 5000)),
        string.Concat(Enumerable.Repeat("#if 1\n", 5000)),
        "#if " + string.Concat(Enumerable.Repeat("(", 10000)) + "1\n#endif",
        "#if " + string.Concat(Enumerable.Repeat("1 ? ", 10000)) + "1\n#endif",
        "const C0 = 1;\n" + string.Concat(Enumerable.Range(1, 20000).Select(i => $"const C{i} = C{i - 1};\n")) + "struct s { int a<C20000>; };",
        "typedef int t0;\n" + string.Concat(Enumerable.Range(1, 20000).Select(i => $"typedef t{i - 1} t{i};\n")) + "struct s { t20000 a; };",
        "#define A B B\n#define B C C\n#define C D D\n#define D E E\n#define E F F\n#define F G G\n#define G H H\n#define H I I\n#define I J J\n" +
            "#define J K K\n#define K L L\n#define L M M\n#define M N N\n#define N O O\n#define O P P\n#define P Q Q\n#define Q R R\n#define R S S\n" +
            "#define S T T\n#define T U U\n#define U V V\n#define V W W\n#define W X X\nconst Z = A;",
        "#define A A\nconst Z = A;",
        "#include \"self.x\"\n",
        new string('\0', 1000),
        "\uFEFFconst A = 1;\r\nstruct s {\r\n int a;\r\n};",
        "union u switch (int k) { };",
        "program P { version V { } = 1; } = 1;",
        "struct s { int a<4294967295>; opaque b[2147483647]; };",
        // Each struct holds two of the next, declared in the order that is worst for a naive fixed point.
        string.Concat(Enumerable.Range(0, 3000).Select(i => $"struct s{i} {{ s{i + 1} a; s{i + 1} b; }};\n")) + "struct s3000 { int x; };",
        string.Concat(Enumerable.Range(0, 3000).Select(i => $"union u{i} switch (int k) {{ case 1: u{i + 1} a; case 2: u{i + 1} b; }};\n")) +
            "union u3000 switch (int k) { case 1: int x; };",
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_input_is_bounded(string text) => CheckOne(text, text.Length > 40 ? text[..40] : text);
}
