// Drives Delta's built-in OAuth 2.0 server with an independent client library (openid-client 5.7.1):
// discovery (RFC 8414), authorization code + PKCE S256 through the HTML login form, the code
// exchange, a refresh (rotation) and a replay of the rotated refresh token (must be refused), and
// client_credentials with client_secret_basic. Prints one JSON object; exits non-zero on failure.
//
// usage: node oauth_pkce_flow.mjs <issuer> <client_id> <redirect_uri> <user> <password>
//                                 <service_id> <service_secret>
// openid-client's callback() is OpenID Connect and insists on an id_token; Delta is a plain OAuth
// 2.0 server, so the exchange uses oauthCallback(), the library's OAuth 2.0 variant.
import { Issuer, generators } from 'openid-client';

const [issuerUrl, clientId, redirectUri, user, password, serviceId, serviceSecret] = process.argv.slice(2);

function fail(step, err) {
  console.log(JSON.stringify({ ok: false, step, error: String(err && err.message ? err.message : err) }));
  process.exit(1);
}

function field(html, name) {
  const m = html.match(new RegExp(`name=${name} value="([^"]*)"`));
  if (!m) throw new Error(`login form has no ${name} field`);
  return m[1];
}

async function login(authorizationUrl) {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  if (page.status !== 200) throw new Error(`authorize answered ${page.status}`);
  const html = await page.text();
  const cookie = (page.headers.get('set-cookie') || '').split(';')[0];
  if (!cookie) throw new Error('no CSRF cookie');
  const form = new URLSearchParams({
    request_id: field(html, 'request_id'), csrf: field(html, 'csrf'), username: user, password,
  });
  const posted = await fetch(new URL('/oauth2/authorize', issuerUrl), {
    method: 'POST', redirect: 'manual', body: form,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
  });
  if (posted.status !== 302) throw new Error(`login answered ${posted.status}`);
  return posted.headers.get('location');
}

async function main() {
  let step = 'discover';
  try {
    const issuer = await Issuer.discover(`${issuerUrl}/.well-known/oauth-authorization-server`);
    const client = new issuer.Client({
      client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], response_types: ['code'],
    });
    const verifier = generators.codeVerifier();
    const state = generators.state();
    const url = client.authorizationUrl({
      scope: 'delta', state, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256',
    });
    step = 'login';
    const location = await login(url);
    if (!location.startsWith(`${redirectUri}?`)) throw new Error(`redirected elsewhere: ${location.split('?')[0]}`);
    step = 'exchange';
    const params = client.callbackParams(location);
    const tokens = await client.oauthCallback(redirectUri, params, { code_verifier: verifier, state, response_type: 'code' });
    step = 'refresh';
    const refreshed = await client.refresh(tokens.refresh_token);
    step = 'refresh-reuse';
    let reuseError = '';
    try {
      await client.refresh(tokens.refresh_token);
    } catch (e) {
      reuseError = e.error || e.message;
    }
    if (!reuseError) throw new Error('a rotated refresh token was accepted again');
    step = 'client_credentials';
    const service = new issuer.Client({
      client_id: serviceId, client_secret: serviceSecret, token_endpoint_auth_method: 'client_secret_basic',
    });
    const cc = await service.grant({ grant_type: 'client_credentials' });
    console.log(JSON.stringify({
      ok: true,
      issuer: issuer.issuer,
      state_returned: params.state === state,
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      expires_in: tokens.expires_in,
      refresh_rotated: Boolean(refreshed.refresh_token) && refreshed.refresh_token !== tokens.refresh_token,
      refreshed_access_token: refreshed.access_token,
      refresh_reuse_error: reuseError,
      client_credentials_access_token: cc.access_token,
      client_credentials_refresh_token: cc.refresh_token || '',
    }));
  } catch (e) {
    fail(step, e);
  }
}

await main();
