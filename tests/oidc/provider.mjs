// A real OpenID Provider for the sign-in tests: the OpenID-certified
// `oidc-provider`, one issuer per process. Started by the tests
// (tests/support/oidc.rs) with a JSON configuration on standard input:
//
//   { "port": 0, "client_id": "...", "client_secret": "...",
//     "redirect_uris": ["http://127.0.0.1:P/signin/callback"],
//     "accounts": { "<login>": { "email": "...", "email_verified": true,
//                                "name": "...", "groups": ["..."] } } }
//
// It prints `listening <issuer>` once it serves. The login page asks for a
// login name (no password: these are test accounts) and a "second factor"
// box (the `amr` of the ID token); consent is given at once.
//
// Two test-only endpoints change what the provider does next:
//   POST /__accounts   {accounts}   replaces the accounts (a role claim
//                                   taken away, a person who left)
//   POST /__tamper     {claims, expired, unsigned, rotate}   the next
//                                   token response's ID token is re-issued
//                                   with these changes (signed with the
//                                   provider's own key unless `unsigned`;
//                                   `rotate` publishes a second key at
//                                   /jwks and signs with it from then on)

import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const input = await new Promise((resolve) => {
  let s = '';
  process.stdin.on('data', (d) => { s += d; });
  process.stdin.on('end', () => resolve(JSON.parse(s)));
});

let accounts = input.accounts || {};
let tamper = null;

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
// The key a rotation brings in: published at /jwks and used to sign from
// the `rotate` tamper on.
const nextKey = await jose.generateKeyPair('RS256', { extractable: true });
const nextPublic = { ...(await jose.exportJWK(nextKey.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
let rotated = false;

const server = createServer();
await new Promise((r) => server.listen(input.port || 0, '127.0.0.1', r));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: input.client_id,
    client_secret: input.client_secret,
    redirect_uris: input.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  // The ID token carries the scopes' claims (the relying party reads the
  // address and groups from it, not from userinfo).
  conformIdTokenClaims: false,
  claims: {
    // The authentication methods (a second factor or not) go with every
    // ID token, as Keycloak's and Entra ID's do.
    openid: ['sub', 'amr', 'acr', 'auth_time', 'sid'],
    email: ['email', 'email_verified'],
    profile: ['name', 'groups'],
  },
  scopes: ['openid', 'email', 'profile'],
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['custodian-test-oidc-cookie-key'] },
  ttl: {
    AccessToken: 3600, AuthorizationCode: 600, Grant: 3600, IdToken: 3600,
    Interaction: 3600, Session: 3600,
  },
  findAccount: async (ctx, id) => {
    const a = accounts[id];
    if (!a) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: id, ...a }),
    };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>Error</title><h1>${out.error}</h1><p>${out.error_description || ''}</p>`;
  },
});
// Plain http on 127.0.0.1: the provider is told it is not behind a proxy.
provider.proxy = false;

async function body(req) {
  let s = '';
  for await (const d of req) s += d;
  return s;
}

function page(uid, message) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><h1>Test identity provider</h1>${message ? `<p id="message">${message}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">Login</label> <input id="login" name="login" autofocus>
<label><input type="checkbox" name="mfa" value="1"> Second factor</label>
<button type="submit" id="continue">Continue</button></form></body></html>`;
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/__accounts' && ctx.method === 'POST') {
    accounts = JSON.parse(await body(ctx.req));
    ctx.body = { ok: true };
    return;
  }
  if (ctx.path === '/__tamper' && ctx.method === 'POST') {
    tamper = JSON.parse(await body(ctx.req));
    ctx.body = { ok: true };
    return;
  }
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (m) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      ctx.status = 303;
      ctx.redirect(to);
      return;
    }
    if (!m[2]) {
      ctx.type = 'html';
      ctx.body = page(m[1]);
      return;
    }
    const form = new URLSearchParams(await body(ctx.req));
    const login = (form.get('login') || '').trim();
    if (!accounts[login]) {
      ctx.type = 'html';
      ctx.body = page(m[1], 'Unknown login.');
      return;
    }
    const amr = form.get('mfa') ? ['pwd', 'mfa'] : ['pwd'];
    const to = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: login, amr } }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(to);
    return;
  }
  await next();
  if (ctx.path === '/jwks' && rotated && ctx.body && ctx.body.keys) {
    ctx.body = { keys: [...ctx.body.keys, nextPublic] };
  }
  if (process.env.OIDC_DEBUG && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    console.log(`id_token ${JSON.stringify(jose.decodeJwt(ctx.body.id_token))}`);
  }
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const t = tamper;
    tamper = t.rotate ? tamper : null;
    if (t.rotate) rotated = true;
    const payload = jose.decodeJwt(ctx.body.id_token);
    Object.assign(payload, t.claims || {});
    if (t.expired) {
      const now = Math.floor(Date.now() / 1000);
      payload.iat = now - 7200;
      payload.exp = now - 3600;
    }
    if (t.unsigned) {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      ctx.body = { ...ctx.body, id_token: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.` };
    } else {
      const id_token = await new jose.SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: rotated ? 'k2' : 'k1', typ: 'JWT' })
        .sign(rotated ? nextKey.privateKey : privateKey);
      ctx.body = { ...ctx.body, id_token };
    }
  }
});

server.on('request', provider.callback());
console.log(`listening ${issuer}`);
