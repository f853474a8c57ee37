// A real OpenID provider for the portal's sign-in tests: oidc-provider (a certified implementation)
// with one client (the portal), a second client (another application, whose ID tokens the portal must
// refuse), PKCE required, the email/email_verified/groups claims, test accounts in memory, and a
// log-in page of its own. Started by tests/oidc_provider.py on a loopback port; it prints one line of
// JSON, {"issuer": ...}, when it is ready.
//
// Settings (environment):
//   OIDC_TEST_REDIRECT_URI      the portal's callback (PORTAL_BASE_URL + /login/oidc/callback)
//   OIDC_TEST_POST_LOGOUT_URI   where the provider sends a person after signing out (the portal's log-in page)
//   OIDC_TEST_CLIENT_ID / OIDC_TEST_CLIENT_SECRET   the portal's client (defaults below)
//   OIDC_TEST_PORT              the port to listen on (0, the default: any free port)
import crypto from 'node:crypto';
import http from 'node:http';

import Provider, { errors } from 'oidc-provider';

const env = process.env;
const CLIENT_ID = env.OIDC_TEST_CLIENT_ID || 'ready-portal';
const CLIENT_SECRET = env.OIDC_TEST_CLIENT_SECRET || 'ready-portal-test-secret';
const REDIRECT_URI = env.OIDC_TEST_REDIRECT_URI;
const POST_LOGOUT_URI = env.OIDC_TEST_POST_LOGOUT_URI;
// Another application registered with the same provider: a token issued to it is not for the portal.
const OTHER_CLIENT = { id: 'other-app', secret: 'other-app-test-secret', redirect: 'http://127.0.0.1:9/other/callback' };
const PASSWORD = 'provider-password';

if (!REDIRECT_URI || !POST_LOGOUT_URI) {
  console.error('OIDC_TEST_REDIRECT_URI and OIDC_TEST_POST_LOGOUT_URI must be set');
  process.exit(2);
}

// The people the provider knows, by user name. Every one signs in with PASSWORD.
const ACCOUNTS = {
  // The demo principal (an active portal account from the people import).
  principal: { email: 'principal@district.example', email_verified: true, name: 'Demo Principal', groups: ['staff'] },
  // The same address written in capitals: matched to the same person.
  capitals: { email: 'Principal@District.EXAMPLE', email_verified: true, name: 'Demo Principal', groups: [] },
  // The provider does not vouch for this address.
  unverified: { email: 'principal@district.example', email_verified: false, name: 'Not Verified', groups: [] },
  // Someone the portal does not know, in no mapped group.
  stranger: { email: 'stranger@elsewhere.example', email_verified: true, name: 'A Stranger', groups: ['volunteers'] },
  // A portal account an administrator has turned off (the tests make it).
  deactivated: { email: 'deactivated.person@district.example', email_verified: true, name: 'Turned Off', groups: [] },
  // Not yet in the portal, in a group the mapping file turns into a principal of a school.
  newcomer: { email: 'new.principal@district.example', email_verified: true, name: 'Nia Newcomer',
              groups: ['staff', 'principals-pilot'] },
  // Sends its e-mail claims only from the UserInfo endpoint, not in the ID token (as some providers do).
  'userinfo-only': { email: 'board@district.example', email_verified: true, name: 'Board Member', groups: [],
                     idTokenWithoutEmail: true },
  // As Microsoft Entra ID sends it: no email_verified, but xms_edov (the e-mail's domain is the tenant's).
  entra: { email: 'central@district.example', xms_edov: true, name: 'Central Office', groups: [] },
  // The demo principal again, whose ID tokens live one second (for the expiry test).
  expiring: { email: 'principal@district.example', email_verified: true, name: 'Demo Principal', groups: [],
              idTokenTtl: 1 },
};

function claimsOf(id, use) {
  const person = ACCOUNTS[id];
  if (use === 'id_token' && person.idTokenWithoutEmail) {
    return { sub: id, name: person.name };
  }
  const { email, email_verified, xms_edov, name, groups } = person;
  return { sub: id, email, email_verified, xms_edov, name, groups };
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const page = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body{font-family:system-ui,sans-serif;background:#eef1f5;margin:0;color:#1b1f24}
  main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0003}
  h1{font-size:1.4rem;margin-top:0} label{display:block;margin:1rem 0 .3rem;font-weight:600}
  input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem} .error{color:#a4000f}
  button{margin-top:1.2rem;padding:.6rem 1.2rem;font-size:1rem;background:#3b2d8f;color:#fff;border:0;border-radius:4px}
  p.cancel{margin-top:1.2rem}
</style></head><body><main>${body}</main></body></html>`;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, clientName, username = '', error = '') {
  return page('Test District Identity: sign in', `
  <h1>Test District Identity</h1>
  <p>Sign in to continue to ${escape(clientName)}.</p>
  ${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
  <form method="post" action="/interaction/${uid}/login" autocomplete="off">
    <label for="username">Username</label>
    <input id="username" name="username" value="${escape(username)}" required autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required>
    <button type="submit">Sign in</button>
  </form>
  <p class="cancel"><a href="/interaction/${uid}/abort">Cancel and go back</a></p>`);
}

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID, client_secret: CLIENT_SECRET, client_name: 'Ready for the World portal',
      redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [POST_LOGOUT_URI],
      grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: OTHER_CLIENT.id, client_secret: OTHER_CLIENT.secret, client_name: 'Another application',
      redirect_uris: [OTHER_CLIENT.redirect], grant_types: ['authorization_code'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  async findAccount(_ctx, id) {
    if (!Object.hasOwn(ACCOUNTS, id)) return undefined;
    return { accountId: id, async claims(use) { return claimsOf(id, use); } };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name'], groups: ['groups'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // The scope's claims in the ID token too, as Entra ID and Google Workspace send them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('Sign out', `<h1>Test District Identity</h1><p>Sign out of Test District Identity too?</p>
          ${form}<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Signed out', '<h1>Test District Identity</h1><p>You have signed out.</p>');
      },
    },
  },
  // The portal is a first-party application: no consent screen, the scopes it asks for are granted.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: (_ctx, token) => ACCOUNTS[token.available?.sub]?.idTokenTtl || 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Test District Identity</h1><p class="error">${escape(out.error)}: ${
      escape(out.error_description || '')}</p>`);
  },
};

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; if (body.length > 10000) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function send(res, status, html) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(html);
}

async function interaction(provider, req, res, url) {
  const [, , uid, action] = url.pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Error', '<p>That sign-in has expired.</p>'));
  const client = await provider.Client.find(details.params.client_id);
  const clientName = client?.clientName || details.params.client_id;
  if (action === 'abort') {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The person cancelled the sign-in.',
    }, { mergeWithLastSubmission: false });
  }
  if (action === 'login' && req.method === 'POST') {
    const form = await readForm(req);
    const username = form.get('username') || '';
    if (!Object.hasOwn(ACCOUNTS, username) || form.get('password') !== PASSWORD) {
      return send(res, 200, loginPage(uid, clientName, username, 'That username and password do not match.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
  }
  return send(res, 200, loginPage(uid, clientName));
}

const server = http.createServer();
server.listen(Number(env.OIDC_TEST_PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    if (!url.pathname.startsWith('/interaction/')) return handle(req, res);
    try {
      await interaction(provider, req, res, url);
    } catch (err) {
      const expired = err instanceof errors.SessionNotFound;
      send(res, expired ? 400 : 500, page('Error', `<p class="error">${escape(err.message)}</p>`));
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer, client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
                                           other_client: OTHER_CLIENT, password: PASSWORD })}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
