using System.Runtime.InteropServices;

namespace OncRpc.Auth.Internal;

/// <summary>The calling process's real uid and gid (libc), for AUTH_SYS credentials of this process.</summary>
internal static partial class PosixIds
{
    [LibraryImport("libc", EntryPoint = "getuid")]
    private static partial uint getuid();

    [LibraryImport("libc", EntryPoint = "getgid")]
    private static partial uint getgid();

    public static uint GetUid() => getuid();

    public static uint GetGid() => getgid();
}
