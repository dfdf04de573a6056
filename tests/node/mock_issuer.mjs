// An external OAuth 2.0 / OIDC issuer for Delta's gateway test: oauth2-mock-server on 127.0.0.1.
// Usage: node mock_issuer.mjs <port>
// Prints one line `ready <issuer-url> <kid>` once it serves tokens (POST <issuer>/token with
// grant_type=client_credentials, scope and aud in the form body) and its JWKS (<issuer>/jwks).
// On SIGUSR1 it rotates: a new RS256 key signs from then on and the old key is removed from the
// JWKS; it prints `rotated <new-kid>`. Stops on SIGTERM.
import { OAuth2Server } from 'oauth2-mock-server';
import { JWKStore } from 'oauth2-mock-server/dist/lib/jwk-store.js';

const port = Number(process.argv[2] ?? 0);
const server = new OAuth2Server();
let store = server.issuer.keys;
// The library has no way to remove a key: shadow its `keys` getter with a store we can replace.
Object.defineProperty(server.issuer, 'keys', { get: () => store });
// Client-credentials tokens carry no subject; name the client, as real issuers do.
server.service.on('beforeTokenSigning', (token, req) => {
  const basic = (req.headers.authorization ?? '').replace(/^Basic /, '');
  const client = Buffer.from(basic, 'base64').toString().split(':')[0] || req.body?.client_id || 'client';
  token.payload.sub ??= client;
  token.payload.client_id ??= client;
});
const first = await store.generate('RS256');
await server.start(port, '127.0.0.1');
console.log(`ready ${server.issuer.url} ${first.kid}`);

process.on('SIGUSR1', async () => {
  store = new JWKStore();
  const key = await store.generate('RS256');
  console.log(`rotated ${key.kid}`);
});
process.on('SIGTERM', async () => {
  await server.stop();
  process.exit(0);
});
