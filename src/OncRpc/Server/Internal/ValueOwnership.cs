using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;

namespace OncRpc.Server.Internal;

/// <summary>
/// The server owns a call's decoded arguments and the handler's results: those that are
/// <see cref="IDisposable"/> (a pooled opaque, say) are disposed once the reply has been encoded,
/// or once the handler failed. A handler that returns its arguments as its result gets that
/// object disposed once. Types that are not disposable cost nothing: the checks are constants
/// of each closed generic.
/// </summary>
internal static class ValueOwnership<TArgs, TResult>
{
    private static readonly bool s_argumentsDisposable = typeof(IDisposable).IsAssignableFrom(typeof(TArgs));
    private static readonly bool s_resultDisposable = typeof(IDisposable).IsAssignableFrom(typeof(TResult));

    /// <summary>The handler failed (or its reply was written without a result): only the arguments go.</summary>
    public static void Release(TArgs arguments, RpcServerRuntime runtime, RpcProcedureDescriptor descriptor)
    {
        if (s_argumentsDisposable)
        {
            Dispose(arguments, runtime, descriptor);
        }
    }

    /// <summary>The reply is encoded: arguments and result go, the same object once.</summary>
    public static void Release(TArgs arguments, TResult result, RpcServerRuntime runtime, RpcProcedureDescriptor descriptor)
    {
        if (s_resultDisposable && !(s_argumentsDisposable && ReferenceEquals(arguments, result)))
        {
            Dispose(result, runtime, descriptor);
        }
        Release(arguments, runtime, descriptor);
    }

    private static void Dispose<T>(T value, RpcServerRuntime runtime, RpcProcedureDescriptor descriptor)
    {
        try
        {
            (value as IDisposable)?.Dispose();
        }
        catch (Exception e)
        {
            // The reply is already written; a Dispose that throws is the type's fault and must not
            // take the connection's thread (which ran the handler) down with it: logged, not rethrown.
            if (runtime.Logger.IsEnabled(LogLevel.Warning))
            {
                ServerLog.DisposeFailed(runtime.Logger, e, typeof(T).Name, LogNames.Procedure(descriptor), LogNames.Program(descriptor),
                    LogNames.Version(descriptor));
            }
        }
    }
}
