using Microsoft.Extensions.Options;

namespace OncRpc.Hosting.Internal;

/// <summary>Checks one typed client's named options, naming the bad configuration key.</summary>
internal sealed class RpcClientHostOptionsValidator(string clientName) : IValidateOptions<RpcClientHostOptions>
{
    public ValidateOptionsResult Validate(string? name, RpcClientHostOptions options)
    {
        if (!string.Equals(name, clientName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }
        List<string> failures = [.. RpcClientFactory.Validate(clientName, options)];
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
