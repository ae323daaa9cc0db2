// A real OpenID Provider (oidc-provider, certified) for the sign-in tests, on loopback only. It serves its own
// development login and consent pages. GET /__mode?set=NAME makes it misbehave in one way for the sign-ins that
// follow, so the tests can check that the app refuses each bad answer:
//   wrong-issuer, wrong-audience, expired, nonce, alg-none, unknown-key  (the ID token of the token response)
//   state        (the state parameter sent back to the app)
//   pkce         (the token endpoint refuses the code as if its PKCE verifier did not match)
//   ok           (behave)
// Environment: PORT, APP (the app's base URL), CLIENT_ID, CLIENT_SECRET.
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';

const { PORT, APP, CLIENT_ID, CLIENT_SECRET } = process.env;
if (!PORT || !APP || !CLIENT_ID || !CLIENT_SECRET) {
  console.error('PORT, APP, CLIENT_ID and CLIENT_SECRET are required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${PORT}`;
const app = APP.replace(/\/$/, '');

async function signingKey(kid) {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { privateKey, jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}
const ours = await signingKey('test-key');
// Same kid, different key: a token signed by someone who does not hold the provider's key.
const stranger = await signingKey('test-key');

let mode = 'ok';

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
    redirect_uris: [`${app}/signin-oidc`],
    post_logout_redirect_uris: [`${app}/signout-callback-oidc`],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [ours.jwk] },
  cookies: { keys: ['loopback-test-only'] },
  pkce: { required: () => true },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'roles'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: `${sub[0].toUpperCase()}${sub.slice(1)} Tester`,
          preferred_username: sub,
          roles: sub.startsWith('admin') ? ['hub-admin'] : [],
        };
      },
    };
  },
});
provider.proxy = false;

async function resign(token, change, key = ours.privateKey) {
  const payload = { ...decodeJwt(token), ...change };
  const { kid } = decodeProtectedHeader(token);
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

function unsigned(token) {
  const payload = Buffer.from(JSON.stringify(decodeJwt(token))).toString('base64url');
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${payload}.`;
}

const now = () => Math.floor(Date.now() / 1000);
const tamper = {
  'wrong-issuer': (t) => resign(t, { iss: 'http://127.0.0.1:9/someone-else' }),
  'wrong-audience': (t) => resign(t, { aud: 'another-client' }),
  expired: (t) => resign(t, { iat: now() - 7200, exp: now() - 3600 }),
  nonce: (t) => resign(t, { nonce: 'not-the-nonce-the-app-sent' }),
  'alg-none': async (t) => unsigned(t),
  'unknown-key': (t) => resign(t, {}, stranger.privateKey),
};

provider.use(async (ctx, next) => {
  if (ctx.path === '/__mode') {
    mode = ctx.query.set ?? 'ok';
    ctx.body = { mode };
    return;
  }
  await next();
  if (ctx.path === '/token' && mode === 'pkce') {
    ctx.status = 400;
    ctx.body = { error: 'invalid_grant', error_description: 'PKCE verification failed' };
    return;
  }
  if (ctx.path === '/token' && ctx.body?.id_token && tamper[mode]) {
    ctx.body = { ...ctx.body, id_token: await tamper[mode](ctx.body.id_token) };
  }
  const location = ctx.response.get('location');
  if (mode === 'state' && location?.startsWith(`${app}/signin-oidc`)) {
    const url = new URL(location);
    url.searchParams.set('state', 'a-state-the-app-never-issued');
    ctx.redirect(url.href);
  }
});

provider.listen(Number(PORT), '127.0.0.1', () => console.log(`ready ${issuer}`));
