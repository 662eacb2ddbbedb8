// Console sign-in through a real OpenID provider: starts panva's oidc-provider on loopback (one confidential client,
// one test account "alice" with the role console-user), then in headless Chromium signs in to the console through the
// provider's own login and consent pages, checks the console shows that identity, calls echo through the generated
// form, audits the sign-in page with axe-core, signs out (RP-initiated logout at the provider) and checks the session
// is gone. Prints one JSON line with what it saw.
//
// usage: node console-oidc.mjs BASE_URL PROVIDER_PORT CLIENT_ID CLIENT_SECRET ARTIFACTS_DIR
import Provider from 'oidc-provider';
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [base, port, clientId, clientSecret, artifacts] = process.argv.slice(2);
const shots = path.join(artifacts, 'screenshots');
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const issuer = `http://127.0.0.1:${port}`;

const accounts = {
  alice: { sub: 'alice', name: 'Alice Example', preferred_username: 'alice', roles: ['console-user'] },
};
const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [`${base}/console/oidc/callback`],
    post_logout_redirect_uris: [`${base}/`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'profile', 'roles'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], roles: ['roles'] },
  findAccount: async (_ctx, id) => accounts[id] && { accountId: id, claims: async () => accounts[id] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['a test cookie key for the provider only'] },
});
provider.on('server_error', (_ctx, e) => seen.problems.push(`provider error: ${e.message}`));
const seen = { problems: [], steps: {}, axe: {}, providerRequests: [] };
const step = (name, value = true) => { seen.steps[name] = value; };
const server = provider.listen(Number(port), '127.0.0.1');
await new Promise((resolve, reject) => { server.once('listening', resolve); server.once('error', reject); });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

const onConsole = url => url.startsWith(base);
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The provider's development pages import a web font; there is no internet here.
  await context.route(/fonts\.googleapis\.com/, r => r.abort());
  const page = await context.newPage();
  page.on('console', m => {
    const url = m.location()?.url ?? '';
    if (m.type() === 'error' && onConsole(url) && !/\b401\b/.test(m.text())) seen.problems.push(`console error: ${m.text()} ${url}`);
  });
  page.on('pageerror', e => seen.problems.push(`page error: ${e.message}`));
  page.on('request', r => { if (r.url().startsWith(issuer)) seen.providerRequests.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  page.on('response', r => {
    // Before sign-in the console's probe of the doors is refused (401): that is how it knows to show the sign-in page.
    if (r.status() >= 400 && onConsole(r.url()) && !(r.status() === 401 && new URL(r.url()).pathname === '/api/v1/tools')) {
      seen.problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    }
  });

  await page.goto(`${base}/#/overview`);
  await page.waitForSelector('main[data-ready="signin"]', { timeout: 15000 });
  const button = page.locator('#oidc-signin');
  step('button', (await button.textContent()).trim());
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .map(v => ({ id: v.id, impact: v.impact })));
  seen.axe.signin = violations;
  for (const v of violations.filter(v => v.impact === 'serious' || v.impact === 'critical')) seen.problems.push(`axe ${v.impact}: ${v.id}`);
  await page.screenshot({ path: path.join(shots, 'desktop-signin-oidc.png') });

  // The provider's login page, then its consent page.
  await button.click();
  await page.waitForURL(u => u.href.startsWith(issuer), { timeout: 15000 });
  const authorize = seen.providerRequests.find(r => r.includes('/auth'));
  step('authorizeRequest', authorize ?? null);
  await page.fill('input[name="login"]', 'alice');
  await page.fill('input[name="password"]', 'any');
  await page.click('button[type="submit"]');
  await page.waitForSelector('button.login-submit', { timeout: 15000 });
  step('consentPage', (await page.textContent('body')).includes('Authorize'));
  await page.click('button.login-submit');

  // Back in the console as alice.
  await page.waitForURL(u => u.href.startsWith(base), { timeout: 15000 });
  await page.waitForSelector('main[data-ready]', { timeout: 15000 });
  await page.waitForFunction(() => document.getElementById('who').textContent.startsWith('Signed in'), null, { timeout: 15000 });
  step('who', await page.textContent('#who'));
  const cookies = await context.cookies(base);
  const session = cookies.find(c => c.name === 'contexthub-session');
  step('cookie', session ? { httpOnly: session.httpOnly, sameSite: session.sameSite } : null);
  step('session', await page.evaluate(async () => (await fetch('/console/session')).json()));

  // echo through the generated form, as alice.
  await page.goto(`${base}/#/tools`);
  await page.waitForSelector('main[data-ready="tools"]');
  await page.getByRole('button', { name: /^echo/ }).click();
  await page.getByLabel(/^message/).fill('hello from alice');
  await page.getByRole('button', { name: 'Call echo' }).click();
  await page.getByText('echo: hello from alice').waitFor({ timeout: 15000 });
  step('echo');
  // The tool-call record names alice as the caller (records are written in the background: ask until it is there).
  step('recordedCaller', await page.evaluate(async () => {
    const csrf = decodeURIComponent(document.cookie.split('; ').find(c => c.startsWith('contexthub-csrf=')).slice('contexthub-csrf='.length));
    for (let i = 0; i < 50; i++) {
      const r = await fetch('/api/v1/tools/tool_calls/call', { method: 'POST', body: JSON.stringify({ tool: 'echo', limit: 1 }),
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf } });
      const caller = (await r.json()).structuredContent?.calls?.[0]?.caller;
      if (caller) return caller;
      await new Promise(resolve => setTimeout(resolve, 200));
    }
    return null;
  }));
  await page.screenshot({ path: path.join(shots, 'desktop-tools-oidc.png') });

  // Sign out: the console's session ends, then the provider's (its logout page, then back to the console).
  await page.click('#signout');
  await page.waitForURL(u => u.href.startsWith(issuer), { timeout: 15000 });
  step('providerLogoutPage', (await page.textContent('body')).includes('sign-out'));
  await page.click('button[value="yes"]');
  await page.waitForURL(u => u.href.startsWith(base), { timeout: 15000 });
  await page.waitForSelector('main[data-ready="signin"]', { timeout: 15000 });
  step('afterSignOut', await page.evaluate(async () => (await fetch('/console/session')).json()));
  step('afterSignOutTools', await page.evaluate(async () => (await fetch('/api/v1/tools')).status));
  step('sessionCookieGone', !(await context.cookies(base)).some(c => c.name === 'contexthub-session'));
  await context.close();
} catch (e) {
  seen.error = `${e.message}\n${e.stack}`;
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(seen));
