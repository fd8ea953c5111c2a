using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace LogService.Server.Identity;

/// <summary>
/// Configures the JwtBearer scheme of one tenant from the tenant registry: that issuer's discovery document and
/// keys only, its audience, <c>at+jwt</c>, asymmetric algorithms, bounded clock skew, no claim renaming.
/// </summary>
internal sealed class TenantJwtBearerSetup(TenantSchemeRegistry registry, IOptions<LogServiceAuthenticationOptions> authOptions)
    : IConfigureNamedOptions<JwtBearerOptions>
{
    private static readonly string[] AccessTokenTypes = ["at+jwt", "application/at+jwt"];

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);

    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name is null || registry.TenantOfScheme(name) is not { } tenant)
        {
            return;
        }

        var auth = authOptions.Value;
        var issuer = tenant.Issuer.OriginalString;
        options.Authority = issuer;
        options.MetadataAddress = issuer.TrimEnd('/') + "/.well-known/openid-configuration";

        // Plain http is tolerated only for an issuer on this machine (development and tests).
        options.RequireHttpsMetadata = !tenant.Issuer.IsLoopback;
        options.MapInboundClaims = false;
        options.IncludeErrorDetails = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateIssuer = true,
            ValidAudience = tenant.Audience,
            ValidateAudience = true,
            ValidTypes = AccessTokenTypes,
            ValidAlgorithms = auth.EffectiveAlgorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = auth.ClockSkew,
            NameClaimType = LogPrincipalClaims.User,
        };
        options.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                context.Principal = LogPrincipalClaims.FromValidatedToken(context.Principal!, tenant, auth, context.Scheme.Name);
                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                await AuthProblems.WriteUnauthorizedAsync(context.HttpContext, AuthProblems.Describe(context.AuthenticateFailure));
            },
            OnForbidden = context => AuthProblems.WriteForbiddenAsync(context.HttpContext, "access denied"),
        };
    }
}
