// The county's identity provider, as the consoles see it in development and in tests: oidc-provider
// (OpenID Certified) with a sign-in form that checks the staff list, two signing keys, and one client per
// service. Never run in production: the staff list's passwords are public.
//
// Environment:
//   OIDC_PORT      port to listen on (default 9090)
//   OIDC_HOST      address to listen on (default 127.0.0.1; docker compose's container listens on 0.0.0.0)
//   OIDC_ISSUER    the issuer URL (default http://127.0.0.1:<port>)
//   OIDC_STAFF     the staff list (default staff.json beside this file)
//   OIDC_CLIENTS   JSON list of {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider from 'oidc-provider';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.OIDC_PORT || 9090);
const host = process.env.OIDC_HOST || '127.0.0.1';
const issuer = process.env.OIDC_ISSUER || `http://127.0.0.1:${port}`;
const staff = JSON.parse(fs.readFileSync(process.env.OIDC_STAFF || path.join(here, 'staff.json'), 'utf8')).people;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]').map((c) => ({
  token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'],
  ...c,
}));
// a client without its secret would be refused at every sign-in: say which, once, at start
const secretless = clients.filter((c) => !c.client_secret).map((c) => c.client_id);
if (secretless.length) {
  console.error(`no client_secret for ${secretless.join(', ')}: each service's console needs its own `
    + '(docker compose: OFFCAMPUS_<SVC>_OIDC_CLIENT_SECRET, see docs/operations.md)');
  process.exit(2);
}

// Two signing keys named by `kid`: the first signs, the second is published beside it (a rotation in
// progress), so relying parties must pick the key by `kid`. Fresh on every start: nothing secret is kept.
function signingKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

const byLogin = new Map(staff.map((person) => [person.login, person]));

function page(title, body, lang) {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">`
    + '<meta name="viewport" content="width=device-width, initial-scale=1">'
    + `<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const configuration = {
  clients,
  jwks: { keys: [signingKey('offcampus-dev-1'), signingKey('offcampus-dev-2')] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    offcampus: ['roles', 'dept', 'town'],
  },
  scopes: ['openid', 'profile', 'offcampus'],
  // the consoles read who signs in from the id_token itself
  conformIdTokenClaims: false,
  async findAccount(ctx, id) {
    const person = byLogin.get(id);
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        const claims = { sub: id, name: person.name, roles: person.roles, dept: person.dept };
        if (person.town) claims.town = person.town;
        return claims;
      },
    };
  },
  // every client is one of the county's own consoles: no consent screen, the grant is given on sign-in
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile offcampus');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = page('退出登录 · Sign out', `${form}<p>确定退出县统一身份认证吗？Sign out of the county's identity provider?</p>`
          + '<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">退出 Sign out</button> '
          + '<button type="submit" form="op.logoutForm">留在登录状态 Stay signed in</button>', 'zh-CN');
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('已退出 · Signed out', '<p>您已退出登录。You have signed out.</p>', 'zh-CN');
      },
    },
  },
  ttl: { Session: 8 * 3600, Grant: 8 * 3600, IdToken: 3600, AccessToken: 3600, Interaction: 3600 },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('出错了 · Error', `<p>${escape(out.error)}: ${escape(out.error_description || '')}</p>`, 'zh-CN');
  },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;

function loginForm(uid, { login = '', error = '' } = {}) {
  return page('县统一身份认证 · County sign-in', `
<form method="post" action="/interaction/${uid}/login">
${error ? `<p role="alert" id="error">${escape(error)}</p>` : ''}
<p><label for="login">用户名 User name</label><br><input id="login" name="login" autocomplete="username" value="${escape(login)}" required></p>
<p><label for="password">密码 Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">登录 Sign in</button></p>
</form>`, 'zh-CN');
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res, status, html) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}

async function interaction(req, res) {
  const [, , uid, action] = new URL(req.url, issuer).pathname.split('/');
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, page('Bad request', '<p>Unknown interaction.</p>', 'en'));
  if (req.method === 'GET' && !action) return send(res, 200, loginForm(uid));
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const person = byLogin.get(form.get('login') || '');
    const given = Buffer.from(form.get('password') || '');
    const known = Buffer.from(person ? person.password : '');
    if (!person || given.length !== known.length || !crypto.timingSafeEqual(given, known)) {
      return send(res, 200, loginForm(uid, { login: form.get('login') || '', error: '用户名或密码不对。Wrong user name or password.' }));
    }
    return provider.interactionFinished(req, res, { login: { accountId: person.login } }, { mergeWithLastSubmission: false });
  }
  return send(res, 405, page('Method not allowed', '', 'en'));
}

const handle = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((error) => send(res, 400, page('出错了 · Error', `<p>${escape(error.message)}</p>`, 'zh-CN')));
    return;
  }
  handle(req, res);
});
server.listen(port, host, () => {
  console.log(`offcampus development identity provider at ${issuer} (clients: ${clients.map((c) => c.client_id).join(', ') || 'none'})`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
