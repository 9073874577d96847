using OncRpc.FuzzTargets;

// Usage: OncRpc.FuzzTargets TARGET          run TARGET under afl-fuzz (SharpFuzz forkserver)
//        OncRpc.FuzzTargets TARGET FILE...  run TARGET once per file, in-process (triage)
//        OncRpc.FuzzTargets --list          print the targets
//        OncRpc.FuzzTargets --make-seeds DIR write the seed corpus (DIR/TARGET/NAME)
if (args is ["--make-seeds", string root])
{
    Seeds.Write(root);
    return 0;
}
if (args.Length == 0 || args[0] is "-h" or "--help" or "--list")
{
    foreach (FuzzTarget t in Targets.All)
    {
        Console.WriteLine($"{t.Name,-14} {t.Decoder}");
    }
    return args.Length == 0 ? 2 : 0;
}
if (Targets.Find(args[0]) is not { } target)
{
    Console.Error.WriteLine($"unknown target '{args[0]}' (--list shows them)");
    return 2;
}
if (args.Length > 1)
{
    foreach (string file in args[1..])
    {
        target.Run(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: ok");
    }
    return 0;
}
SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target.Run(input.ToArray());
});
return 0;
