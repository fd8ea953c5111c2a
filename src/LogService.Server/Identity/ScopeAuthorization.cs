using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace LogService.Server.Identity;

/// <summary>Requires the validated token to grant one scope.</summary>
internal sealed class ScopeRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;
}

/// <summary>Checks <see cref="ScopeRequirement"/> against the scopes of the caller's <see cref="Core.Policies.LogPrincipal"/>.</summary>
internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.ToLogPrincipal()?.Scopes.Contains(requirement.Scope) == true)
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Turns an authorization refusal into a 403 problem that names the missing scope.</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            return fallback.HandleAsync(next, context, policy, authorizeResult);
        }

        var missing = authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().Select(r => r.Scope).ToList() ?? [];
        var reason = missing.Count > 0 ? $"the token lacks the scope {string.Join(" and ", missing)}" : "access denied";
        return AuthProblems.WriteForbiddenAsync(context, reason);
    }
}
