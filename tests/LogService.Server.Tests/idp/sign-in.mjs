// People signing in at the test provider: a public authorization-code client (PKCE, loopback redirect URIs of any
// port, as for native apps: RFC 8252 §7.3), the accounts with their passwords, and the login form. A correct
// password finishes both the login and the consent prompt at once, granting the requested scopes the person holds.
import { timingSafeEqual } from 'node:crypto';

const form = (uid, error) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><main><h1>Sign in</h1>
${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">User name</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main></body></html>`;

const same = (a, b) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

const readForm = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(new URLSearchParams(body)));
  req.on('error', reject);
});

export function createSignIn(config) {
  if (!config.signIn) {
    return { configuration: {}, clients: [], handle: () => false };
  }

  const users = new Map(config.signIn.users.map((u) => [u.id, u]));
  const send = (res, status, html) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  };

  const login = async (provider, req, res) => {
    const details = await provider.interactionDetails(req, res);
    if (req.method !== 'POST') {
      send(res, 200, form(details.uid));
      return;
    }

    const submitted = await readForm(req);
    const user = users.get(submitted.get('login') ?? '');
    if (!user || !same(user.password, submitted.get('password') ?? '')) {
      send(res, 401, form(details.uid, 'Wrong user name or password.'));
      return;
    }

    // The provider's scopes count as OpenID scopes of the request as well as scopes of the resource.
    const held = (details.params.scope ?? '').split(' ').filter((s) => user.scopes.includes(s)).join(' ');
    const grant = new provider.Grant({ accountId: user.id, clientId: details.params.client_id });
    grant.addOIDCScope(`openid ${held}`);
    grant.addResourceScope(details.params.resource ?? config.resources[0], held);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId: user.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
  };

  return {
    configuration: {
      findAccount: (ctx, id) => users.has(id) ? { accountId: id, claims: () => ({ sub: id }) } : undefined,
      interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    },
    clients: [{
      client_id: config.signIn.clientId,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: config.signIn.redirectUris,
      id_token_signed_response_alg: config.alg,
    }],
    // Serves the login pages; everything else is the provider's.
    handle: (provider, req, res) => {
      if (!/^\/interaction\/[^/?]+(\/login)?(\?|$)/.test(req.url)) {
        return false;
      }

      login(provider, req, res).catch((error) => {
        if (!res.headersSent) {
          send(res, 400, `<!doctype html><p role="alert">${String(error.message).replace(/[<&]/g, '')}</p>`);
        }
      });
      return true;
    },
  };
}
