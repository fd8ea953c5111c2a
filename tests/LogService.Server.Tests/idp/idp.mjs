// A tenant cloud's identity provider for tests: oidc-provider with one client-credentials client and one
// resource server whose access tokens are JWTs (typ at+jwt), bound to the requested resource (RFC 8707).
// With `signIn`, also a public sign-in client (authorization code + PKCE) and people who sign in at the
// provider's own login form; a person is granted the requested scopes they hold, for the first resource.
//
// usage: node idp.mjs --config FILE
//   FILE (JSON): { port, jwks: { keys: [private JWK] }, alg, clientId, clientSecret, scopes: [..],
//                  resources: [audience URIs the provider will issue for], claims: { extra token claims },
//                  signIn?: { clientId, redirectUris: [..], users: [{ id, password, scopes: [..] }] } }
// Prints one JSON line {"issuer": "..."} when listening; stops on SIGTERM or when stdin closes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSignIn } from './sign-in.mjs';
import Provider from 'oidc-provider';

const flag = process.argv.indexOf('--config');
if (flag < 0) {
  console.error('usage: node idp.mjs --config FILE');
  process.exit(2);
}
const config = JSON.parse(readFileSync(process.argv[flag + 1], 'utf8'));
const scope = config.scopes.join(' ');

const server = createServer();
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const signIn = createSignIn(config);
  const provider = new Provider(issuer, {
    ...signIn.configuration,
    clients: [...signIn.clients, {
      client_id: config.clientId,
      client_secret: config.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: config.alg,
      scope,
    }],
    jwks: config.jwks,
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: config.scopes,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.resources[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          if (!config.resources.includes(resource)) {
            throw new Provider.errors.InvalidTarget();
          }
          return { scope, audience: resource, accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: config.alg } } };
        },
      },
    },
    extraTokenClaims: () => config.claims ?? {},
  });
  provider.proxy = false;
  const callback = provider.callback();
  server.on('request', (req, res) => signIn.handle(provider, req, res) || callback(req, res));
  console.log(JSON.stringify({ issuer }));
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
