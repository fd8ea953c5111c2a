using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace LogService.Server.Identity;

/// <summary>Answers requests whose token names no registered issuer (or that carry no token) with 401.</summary>
internal sealed class UnknownIssuerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() =>
        Task.FromResult(IssuerSchemeSelector.HasBearerToken(Request)
            ? AuthenticateResult.Fail(new UnknownIssuerException("the token is unreadable or its issuer is not a registered tenant issuer"))
            : AuthenticateResult.NoResult());

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        await AuthProblems.WriteUnauthorizedAsync(Context, AuthProblems.Describe(result.Failure));
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        AuthProblems.WriteForbiddenAsync(Context, "access denied");
}
