// A real OpenID Provider (the certified oidc-provider package) for the marketplace's SSO tests.
//
//   node server.mjs [--port N]     listens on 127.0.0.1 (port 0: any free one), then prints one line
//                                  `READY http://127.0.0.1:<port>` to stdout; the issuer is exactly that URL.
//
// tests/sso/oidc_provider.py starts it and drives it. The test-control API (loopback only, JSON):
//   POST /__test__/configure  {"clients": [...], "accounts": {"<sub>": {claims}}, "tamper": null}
//                             replaces the whole state with a new Provider (sessions, codes and tokens gone)
//   POST /__test__/tamper     {"mode": null | "wrong_issuer" | "bad_signature" | "wrong_audience" | "expired"
//                                     | "nonce_mismatch" | "minimal"}  alters the id_token of the next token
//                             responses ("minimal": still valid, but only the protocol's claims, as Feide's)
//   GET  /__test__/state      the current configuration
// Everything else goes to the current Provider. Logs go to stderr; stdout carries only the READY line.
// It exits when its standard input closes, so a killed test run leaves no provider behind.

import { randomBytes } from 'node:crypto';
import { fstatSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
const HOST = '127.0.0.1';
const TAMPER_MODES = new Set(['wrong_issuer', 'bad_signature', 'wrong_audience', 'expired',
  'nonce_mismatch', 'minimal']);
// What a minimal ID token keeps (as Feide's does: the person's claims come from the userinfo endpoint).
const PROTOCOL_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'azp', 'at_hash', 'sid', 'acr'];
const CLAIMS = {
  acr: null,
  auth_time: null,
  sid: null,
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'upn', 'tid', 'groups', 'roles',
    'https://n.feide.no/claims/eduPersonPrincipalName'],
};

const log = (...parts) => process.stderr.write(`[oidc-provider] ${parts.join(' ')}\n`);

// Keys made once per process: the signing key (so a client's cached JWKS stays right across configure),
// a second key for bad_signature (same kid, so only the signature gives it away), and the cookie keys.
const kid = `test-rs256-${randomBytes(6).toString('hex')}`;
const signing = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(signing.privateKey)), kid, alg: 'RS256', use: 'sig' };
const impostor = await generateKeyPair('RS256', { extractable: true });
const cookieKeys = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];

let issuer; // known once the server listens
let state = { clients: [], accounts: {}, tamper: null };
let provider;
let handle; // provider.callback()

const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – test OpenID Provider</title></head>
<body><main>
<h1>${esc(title)}</h1>
${body}
</main></body>
</html>`;
}

function loginPage(uid, clientId, error, login) {
  const alert = error ? `<p role="alert" id="error">${esc(error)}</p>\n` : '';
  return page('Sign in', `<p>Test OpenID Provider. Signing in to <strong>${esc(clientId)}</strong>.</p>
${alert}<form method="post" action="/interaction/${esc(uid)}/login">
<label for="login">Username</label>
<input id="login" name="login" autocomplete="username" autofocus required value="${esc(login)}">
<button type="submit">Sign in</button>
</form>`);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function clientMetadata(client) {
  const { client_id: clientId, client_secret: secret, redirect_uris: redirects } = client;
  if (!clientId || !secret || !Array.isArray(redirects) || !redirects.length) {
    throw new Error('each client needs client_id, client_secret and redirect_uris');
  }
  return {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    post_logout_redirect_uris: [],
    ...client,
  };
}

// Grants everything the authorization request asks for: the scopes and any claims of its claims parameter.
async function grantAll(p, details, accountId) {
  const { params } = details;
  let grant = details.grantId ? await p.Grant.find(details.grantId) : undefined;
  if (grant?.accountId !== accountId) grant = new p.Grant({ accountId, clientId: params.client_id });
  if (params.scope) grant.addOIDCScope(params.scope);
  if (params.claims) {
    const claims = typeof params.claims === 'string' ? JSON.parse(params.claims) : params.claims;
    grant.addOIDCClaims([...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})]);
  }
  for (const claim of details.prompt?.details?.missingOIDCClaims ?? []) grant.addOIDCClaims([claim]);
  return grant.save();
}

// GET /interaction/:uid and POST /interaction/:uid/login: the login form (for prompts login and
// select_account), and consent given at once.
function interactions(p) {
  return async (ctx, next) => {
    const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid, isLogin] = match;
    const details = await p.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) ctx.throw(400, 'interaction uid does not match the interaction cookie');
    const clientId = details.params.client_id;
    const finish = async (result) => {
      const to = await p.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(to);
    };

    if (ctx.method === 'GET' && !isLogin) {
      if (details.prompt.name === 'login' || details.prompt.name === 'select_account') {
        ctx.type = 'html';
        ctx.body = loginPage(uid, clientId);
        return undefined;
      }
      // A second prompt (consent): grant it as a person who always says yes would.
      const grantId = await grantAll(p, details, details.session?.accountId);
      return finish({ consent: { grantId } });
    }

    if (ctx.method === 'POST' && isLogin) {
      const form = new URLSearchParams(await readBody(ctx.req));
      const login = (form.get('login') ?? '').trim();
      if (!Object.hasOwn(state.accounts, login)) {
        ctx.status = 200;
        ctx.type = 'html';
        ctx.body = loginPage(uid, clientId, `Unknown user “${login}”.`, login);
        return undefined;
      }
      const grantId = await grantAll(p, details, login);
      return finish({ select_account: {}, login: { accountId: login }, consent: { grantId } });
    }
    return ctx.throw(405);
  };
}

async function resign(idToken, mode) {
  const header = decodeProtectedHeader(idToken);
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let key = signing.privateKey;
  if (mode === 'wrong_issuer') claims.iss = `${issuer}/other`;
  if (mode === 'wrong_audience') claims.aud = 'someone-else';
  if (mode === 'expired') Object.assign(claims, { exp: now - 600, iat: now - 4200 });
  if (mode === 'nonce_mismatch') claims.nonce = 'not-the-nonce';
  if (mode === 'bad_signature') key = impostor.privateKey;
  const kept = mode === 'minimal'
    ? Object.fromEntries(Object.entries(claims).filter(([name]) => PROTOCOL_CLAIMS.includes(name)))
    : claims;
  return new SignJWT(kept).setProtectedHeader(header).sign(key);
}

// Alters the id_token of the token endpoint's responses while a tamper mode is set.
function tamper() {
  return async (ctx, next) => {
    await next();
    const mode = state.tamper;
    if (!mode || ctx.method !== 'POST' || ctx.path !== '/token' || ctx.status !== 200) return;
    const body = ctx.body;
    if (body && typeof body === 'object' && typeof body.id_token === 'string') {
      body.id_token = await resign(body.id_token, mode);
      log('tampered id_token:', mode);
    }
  };
}

function logoutSource(ctx, form) {
  const button = '<button id="logout-yes" type="submit" name="logout" value="yes">Yes, sign out</button>';
  ctx.type = 'html';
  ctx.body = page('Sign out', `<p>Sign out of the test OpenID Provider?</p>
${form.replace('</form>', `${button}</form>`)}
<script>document.getElementById('logout-yes').click();</script>`);
}

function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You are signed out of the test OpenID Provider.</p>');
}

function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<dl id="op-error">
<dt>error</dt><dd id="error-code">${esc(out.error)}</dd>
<dt>error_description</dt><dd id="error-description">${esc(out.error_description)}</dd>
</dl>`);
}

// Entra ID's clients may send prompt=select_account: oidc-provider knows only login and consent, so a
// requestable select_account prompt is added first, and answered by the same login form.
function policy() {
  const prompts = interactionPolicy.base();
  prompts.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 0);
  return prompts;
}

function buildProvider() {
  const accounts = state.accounts;
  const p = new Provider(issuer, {
    clients: state.clients.map(clientMetadata),
    jwks: { keys: [signingJwk] },
    cookies: { keys: cookieKeys },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile'],
    claims: CLAIMS,
    responseTypes: ['code'],
    async findAccount(ctx, sub) {
      if (!Object.hasOwn(accounts, sub)) return undefined;
      return { accountId: sub, claims: async () => ({ ...accounts[sub], sub }) };
    },
    interactions: { policy: policy(), url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    renderError,
  });
  p.use(interactions(p));
  p.use(tamper());
  p.on('server_error', (ctx, error) => log('server_error', ctx.path, error.stack ?? error));
  return p;
}

async function configure(body) {
  const clients = body.clients ?? [];
  const accounts = body.accounts ?? {};
  const mode = body.tamper ?? null;
  if (!Array.isArray(clients)) throw new Error('clients must be a list');
  if (typeof accounts !== 'object' || Array.isArray(accounts)) throw new Error('accounts must be an object');
  if (mode !== null && !TAMPER_MODES.has(mode)) throw new Error(`unknown tamper mode ${mode}`);
  const previous = state;
  state = { clients, accounts, tamper: mode };
  let next;
  try {
    next = buildProvider();
    // oidc-provider checks static clients' metadata when first used: check them now, so configure says so.
    for (const client of clients) {
      if (!(await next.Client.find(String(client.client_id)))) {
        throw new Error(`client ${client.client_id} was not loaded`);
      }
    }
  } catch (error) {
    state = previous;
    throw error;
  }
  provider = next;
  handle = provider.callback();
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

async function testApi(req, res, path) {
  const remote = req.socket.remoteAddress ?? '';
  if (!(remote.startsWith('127.') || remote === '::1' || remote === '::ffff:127.0.0.1')) {
    return sendJson(res, 403, { error: 'the test API answers loopback only' });
  }
  try {
    if (req.method === 'GET' && path === '/__test__/state') {
      return sendJson(res, 200, { issuer, kid, ...state });
    }
    if (req.method === 'POST' && (path === '/__test__/configure' || path === '/__test__/tamper')) {
      const raw = await readBody(req);
      const body = raw ? JSON.parse(raw) : {};
      if (path === '/__test__/configure') {
        await configure(body);
      } else {
        const mode = body.mode ?? null;
        if (mode !== null && !TAMPER_MODES.has(mode)) throw new Error(`unknown tamper mode ${mode}`);
        state.tamper = mode;
      }
      log(path, `clients=${state.clients.length}`, `accounts=${Object.keys(state.accounts).length}`,
        `tamper=${state.tamper}`);
      return sendJson(res, 200, { issuer, kid, ...state });
    }
    return sendJson(res, 404, { error: `no such test endpoint: ${req.method} ${path}` });
  } catch (error) {
    const detail = error.error_description ? `: ${error.error_description}` : '';
    return sendJson(res, 400, { error: `${error.message ?? error}${detail}` });
  }
}

const server = http.createServer((req, res) => {
  const path = req.url.split('?')[0];
  if (process.env.OIDC_PROVIDER_LOG_REQUESTS) log(req.method, req.url);
  if (path.startsWith('/__test__/')) {
    testApi(req, res, path);
    return;
  }
  handle(req, res);
});

server.listen(Number(args.port), HOST, async () => {
  issuer = `http://${HOST}:${server.address().port}`;
  await configure({});
  process.stdout.write(`READY ${issuer}\n`);
});
server.on('error', (error) => {
  log('cannot listen:', error.message);
  process.exit(1);
});

function stop() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Started with a pipe for standard input (as the Python harness does): its closing means the parent is gone.
if (fstatSync(0).isFIFO()) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
