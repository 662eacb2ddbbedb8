// Drives the web console in headless Chromium (the system's /usr/bin/chromium through playwright-core; no browser
// download) against a running server: every page, the flows a person uses, axe-core on every page, screenshots at
// desktop and phone widths, and the first page's size and first paint. Prints one JSON line with what it saw.
//
// usage: node console-browser.mjs BASE_URL ARTIFACTS_DIR WATCHED_FILE API_KEY
// WATCHED_FILE: a file the server serves as a resource (console-watched.txt); the script rewrites it while subscribed.
// API_KEY: a key of the server's with the admin scope; the script signs in with it, then creates and revokes another.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [base, artifacts, watched, apiKey] = process.argv.slice(2);
const shots = path.join(artifacts, 'screenshots');
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PAGES = ['overview', 'tools', 'tasks', 'resources', 'prompts', 'knowledge', 'activity', 'keys', 'signin'];
// Endpoints a server may leave out; the console asks for them and says "not enabled" on a 404 (checked below).
const OPTIONAL = ['/metrics', '/health/ready', '/api/v1/keys'];
const isOptional = url => OPTIONAL.includes(new URL(url).pathname);
// Key administration answers 401/403 to a caller without the admin scope; the Keys page says so (checked below).
const isRefusedAdmin = (url, status) => (status === 401 || status === 403) && new URL(url).pathname === '/api/v1/keys';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const seen = { problems: [], optional404: [], axe: {}, screenshots: [], steps: {} };
const step = (name, value = true) => { seen.steps[name] = value; };

function watch(page, label) {
  page.on('console', m => {
    if (m.type() !== 'error') return;
    const url = m.location()?.url ?? '';
    if (m.text().includes('404') && url && isOptional(url)) return; // Chromium logs the optional endpoints' 404s
    if (/\b40[13]\b/.test(m.text()) && url && isRefusedAdmin(url, Number(m.text().match(/\b40[13]\b/)[0]))) return;
    seen.problems.push(`${label} console error: ${m.text()} ${url}`);
  });
  page.on('pageerror', e => seen.problems.push(`${label} page error: ${e.message}`));
  page.on('requestfailed', r => seen.problems.push(`${label} request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', r => {
    if (r.status() < 400) return;
    if (r.status() === 404 && isOptional(r.url())) { seen.optional404.push(new URL(r.url()).pathname); return; }
    if (isRefusedAdmin(r.url(), r.status())) { seen.adminRefused = (seen.adminRefused ?? 0) + 1; return; }
    seen.problems.push(`${label} HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
}

async function open(page, name) {
  await page.goto(`${base}/#/${name}`);
  await page.waitForSelector(`main[data-ready="${name}"]`, { timeout: 15000 });
}

async function audit(page, label) {
  // Evaluated through the DevTools protocol: the console's CSP (no inline script) rightly refuses a script tag.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, target: v.nodes[0]?.target?.join(' ') }));
  });
  seen.axe[label] = result;
  for (const v of result.filter(v => v.impact === 'serious' || v.impact === 'critical')) {
    seen.problems.push(`${label} axe ${v.impact}: ${v.id} (${v.nodes} nodes, e.g. ${v.target})`);
  }
}

async function shot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  seen.screenshots.push(file);
}

const until = async (fn, what, ms = 15000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
};

try {
  // First page: bytes transferred (compressed, headers included) until the console is ready, and first paint.
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    watch(page, 'first-load');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    const urls = new Set();
    cdp.on('Network.loadingFinished', e => { bytes += e.encodedDataLength; });
    cdp.on('Network.requestWillBeSent', e => urls.add(new URL(e.request.url).pathname));
    const started = Date.now();
    await page.goto(`${base}/`);
    await page.waitForSelector('main[data-ready="overview"]');
    await page.waitForLoadState('networkidle');
    const paint = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime])));
    const nav = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd);
    seen.firstPage = { bytes, requests: urls.size, firstPaintMs: paint['first-paint'], firstContentfulPaintMs: paint['first-contentful-paint'],
      domContentLoadedMs: nav, readyMs: Date.now() - started };
    // Again in the same tab (the browser warmed up, cache still disabled).
    bytes = 0;
    await page.reload();
    await page.waitForSelector('main[data-ready="overview"]');
    await page.waitForLoadState('networkidle');
    const warm = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime])));
    seen.firstPageWarm = { bytes, firstPaintMs: warm['first-paint'], firstContentfulPaintMs: warm['first-contentful-paint'] };
    // With /metrics served the panel goes from "Reading /metrics…" to measuring; without it, it says metrics are off.
    await page.waitForFunction(() => !document.querySelector('section[aria-labelledby="ov-traffic"]')?.textContent.includes('Reading /metrics'), null, { timeout: 10000 });
    seen.steps.trafficPanel = await page.locator('section[aria-labelledby="ov-traffic"]').textContent();
    seen.steps.serverVersion = await page.locator('[data-testid="server-version"]').textContent({ timeout: 10000 });
    seen.steps.revisions = [await page.locator('[data-testid="stateless-revisions"]').textContent(), await page.locator('[data-testid="session-revisions"]').textContent()];
    seen.steps.identity = await page.locator('#who').textContent();
    // The Prometheus parser, in the browser, on a sample of ASP.NET Core's request histogram.
    seen.steps.metricsParse = await page.evaluate(async () => {
      const m = await import('/console/assets/js/metrics.js');
      const text = (n, e) => [
        `http_server_request_duration_seconds_count{http_route="/mcp",http_response_status_code="200"} ${n}`,
        `http_server_request_duration_seconds_sum{http_route="/mcp",http_response_status_code="200"} ${n * 0.002}`,
        `http_server_request_duration_seconds_count{http_route="/api/v1/tools",http_response_status_code="500"} ${e}`,
        `http_server_request_duration_seconds_sum{http_route="/api/v1/tools",http_response_status_code="500"} ${e * 0.01}`].join('\n');
      return m.ratesBetween(m.totalsByDoor(m.parsePrometheus(text(10, 1))), m.totalsByDoor(m.parsePrometheus(text(30, 3))), 2);
    });
    // ContextHub's own HTTP histogram by door is preferred to the MCP one (no double count); scrapes are left out.
    seen.steps.metricsParseOwn = await page.evaluate(async () => {
      const m = await import('/console/assets/js/metrics.js');
      return m.totalsByDoor(m.parsePrometheus([
        'contexthub_http_server_request_duration_seconds_count{contexthub_door="http",http_response_status_code="200"} 7',
        'contexthub_http_server_request_duration_seconds_count{contexthub_door="rest",http_response_status_code="500"} 2',
        'contexthub_http_server_request_duration_seconds_count{contexthub_door="observability",http_response_status_code="200"} 9',
        'mcp_server_operation_duration_seconds_count{contexthub_door="http",mcp_method_name="tools/call"} 7'].join('\n')));
    });
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  watch(page, 'desktop');

  for (const name of PAGES) {
    await open(page, name);
    await page.waitForLoadState('networkidle');
    await audit(page, name);
    await shot(page, `desktop-${name}`);
  }

  // Tools: echo through the generated form.
  await open(page, 'tools');
  await page.getByRole('button', { name: /^echo/ }).click();
  await page.getByLabel(/^message/).fill('from the console');
  await page.getByRole('button', { name: 'Call echo' }).click();
  await page.getByText('echo: from the console').waitFor();
  step('echo');
  // Validation before sending: a required field left empty.
  await page.getByLabel(/^message/).fill('');
  await page.getByRole('button', { name: 'Call echo' }).click();
  step('echoValidation', await page.getByRole('alert').filter({ hasText: 'is required' }).first().textContent());
  await audit(page, 'tools-result');
  // An enum in a generated form: hash's algorithm.
  await page.getByRole('button', { name: /^hash/ }).click();
  await page.getByLabel(/^text/).fill('abc');
  await page.getByLabel(/^algorithm/).selectOption({ label: 'Sha512' });
  await page.getByRole('button', { name: 'Call hash' }).click();
  await page.getByText(/^ddaf35a193617abacc417349ae2041/).waitFor();
  step('hashEnum');
  await shot(page, 'desktop-tools-echo');

  // countdown: progress arrives, then the call is cancelled.
  await page.getByRole('button', { name: /^countdown/ }).click();
  await page.getByLabel(/^from/).fill('50');
  await page.getByLabel(/^intervalMs/).fill('300');
  await page.getByRole('button', { name: 'Call countdown' }).click();
  const progress = page.getByRole('status').filter({ hasText: /to go/ });
  await progress.waitFor();
  await until(async () => /^[2-9]\d* of 50/.test(await progress.textContent()), 'a few progress steps');
  step('progress', await progress.textContent());
  await shot(page, 'desktop-tools-progress');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('The call of countdown was cancelled.').waitFor();
  step('cancelled');

  // countdown as a task (REST ?task=true): one started by another client of the same identity (not this page), then
  // two from the Tools page, all listed on the Tasks page (GET /api/v1/tasks), where the status changes arrive live
  // (taskStatus subscription): the short one completes with its result, the long one is cancelled there.
  const outside = await fetch(`${base}/api/v1/tools/countdown/call?task=true`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ from: 100, intervalMs: 2000 }),
  });
  const outsideTask = (await outside.json()).taskId;
  if (outside.status !== 202 || !outsideTask) throw new Error(`starting a task outside the page: HTTP ${outside.status}`);
  await page.getByLabel(/^from/).fill('10');
  await page.getByLabel(/^intervalMs/).fill('500');
  await page.getByRole('button', { name: 'Run countdown as task' }).click();
  await page.getByText(/^Task \S+ started \(working\)/).waitFor();
  await page.getByLabel(/^from/).fill('100');
  await page.getByLabel(/^intervalMs/).fill('2000');
  await page.getByRole('button', { name: 'Run countdown as task' }).click();
  await until(async () => (await page.evaluate(() => JSON.parse(sessionStorage.getItem('contexthub-tasks') ?? '[]').length)) === 2, 'two tasks started');
  await page.getByRole('link', { name: 'Follow it on the Tasks page' }).click();
  await page.waitForSelector('main[data-ready="tasks"]');
  const longTask = page.locator('tr[data-task]').nth(0); // newest first
  const shortTask = page.locator('tr[data-task]').nth(1);
  step('taskWorking', [await shortTask.getAttribute('data-status'), await longTask.getAttribute('data-status')]);
  const outsideRow = page.locator(`tr[data-task="${outsideTask}"]`);
  await until(async () => await outsideRow.getAttribute('data-status') === 'working', 'the task started by another client listed');
  step('taskListed', await outsideRow.getAttribute('data-status'));
  await fetch(`${base}/api/v1/tasks/${encodeURIComponent(outsideTask)}`, { method: 'DELETE' });
  await audit(page, 'tasks-running');
  await shot(page, 'desktop-tasks-running');
  await until(async () => await shortTask.getAttribute('data-status') === 'completed', 'the short task completed', 20000);
  await until(async () => (await shortTask.textContent()).includes('Counted down from 10.'), 'the completed task\'s result');
  step('taskCompleted', await shortTask.locator('td').nth(4).textContent());
  await longTask.getByRole('button', { name: /^Cancel the countdown task/ }).click();
  await until(async () => await longTask.getAttribute('data-status') === 'cancelled', 'the long task cancelled');
  step('taskCancelled', await longTask.getAttribute('data-status'));
  await shot(page, 'desktop-tasks-ended');
  await open(page, 'tools');

  // Content blocks: an image, and a tool that reports an error (the conformance fixture's tools, when served).
  if (await page.getByRole('button', { name: /^test_image_content/ }).count()) {
    await page.getByRole('button', { name: /^test_image_content/ }).click();
    await page.getByRole('button', { name: 'Call test_image_content' }).click();
    await page.locator('main img.content').waitFor();
    step('imageResult', await page.locator('main img.content').evaluate(img => img.complete && img.naturalWidth > 0));
    await page.getByRole('button', { name: /^test_error_handling/ }).click();
    await page.getByRole('button', { name: 'Call test_error_handling' }).click();
    await page.getByText('The tool reported an error').waitFor();
    step('errorResult', await page.locator('main .result-error').textContent());
  }

  // Knowledge: upload two files (one chosen, one dropped), find one by search, read it.
  await open(page, 'knowledge');
  const marker = `zephyrquartz${Date.now()}`;
  await page.getByLabel('Tags for new documents').fill('console-test');
  await page.getByLabel('Files to upload').setInputFiles([{ name: 'console-notes.md', mimeType: 'text/markdown',
    buffer: Buffer.from(`# Console notes\n\nThe ${marker} is a word only this document holds.\n`) }]);
  await page.locator('.drop').evaluate((drop, text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'dropped.txt', { type: 'text/plain' }));
    drop.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, 'A dropped file about lighthouses and the sea.');
  await until(async () => (await page.locator('.uploads li').allTextContents()).filter(t => /added|updated|unchanged|duplicate/.test(t)).length === 2, 'both uploads');
  step('uploads', await page.locator('.uploads li').allTextContents());
  await page.getByLabel('Search for').fill(marker);
  await page.getByLabel('Mode').selectOption('fulltext');
  await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: /Console notes/ }).click();
  await page.getByRole('heading', { name: 'Console notes' }).waitFor();
  step('searchFound', await page.locator('mark').first().textContent());
  await audit(page, 'knowledge-document');
  // An array, an integer and optional fields in a generated form: the search tool with a tag.
  await open(page, 'tools');
  await page.getByRole('button', { name: /^search Search the knowledge base/ }).click();
  await page.getByLabel(/^query/).fill(marker);
  await page.getByLabel(/^mode/).fill('fulltext');
  await page.getByLabel(/^limit/).fill('5');
  await page.getByRole('button', { name: 'Add tags item' }).click();
  await page.getByLabel('tags item 1').fill('console-test');
  await page.getByRole('button', { name: 'Call search' }).click();
  await page.getByRole('heading', { name: 'Structured content' }).waitFor();
  step('searchToolWithTags', (await page.locator('main .panel pre').last().textContent()).includes('console-notes.md'));
  await shot(page, 'desktop-tools-search-form');
  await shot(page, 'desktop-knowledge-document');

  // Resources: read the README.
  await open(page, 'resources');
  await page.getByRole('button', { name: /README/ }).click();
  await page.getByText('# ContextHub sample resources').waitFor();
  step('resourceRead');
  await shot(page, 'desktop-resources-read');
  if (await page.getByRole('button', { name: /Static binary/ }).count()) {
    await page.getByRole('button', { name: /Static binary/ }).click();
    const img = page.getByRole('img', { name: 'Image test://static-binary' });
    await img.waitFor();
    step('resourceImage', await img.evaluate(i => i.complete && i.naturalWidth > 0));
  }
  if (watched) {
    // Subscribe, change the file, see the update arrive and the new text read.
    await page.getByRole('button', { name: /console-watched/ }).click();
    await page.getByText('first version').waitFor();
    await page.getByRole('button', { name: 'Subscribe to updates' }).click();
    await page.getByText(/^Watching /).waitFor();
    // The subscription has no acknowledgement and the server debounces file changes: write until an update shows.
    let writes = 0;
    await until(async () => {
      writeFileSync(watched, `second version ${++writes}`);
      return page.getByText(/^second version/).waitFor({ timeout: 1000 }).then(() => true, () => false);
    }, 'the resource update', 20000);
    step('resourceWrites', writes);
    step('resourceUpdated', await page.getByRole('list', { name: 'Updates' }).textContent());
    await page.getByRole('button', { name: 'Stop watching' }).click();
  }

  // Prompts: render code_review with arguments.
  await open(page, 'prompts');
  await page.getByRole('button', { name: /^code_review/ }).click();
  await page.getByLabel(/^code/).fill('x = 1');
  await page.getByLabel(/^language/).pressSequentially('py');
  await until(async () => (await page.locator('main datalist option').evaluateAll(os => os.map(o => o.value))).includes('python'), 'completion of language');
  step('completion', await page.locator('main datalist option').evaluateAll(os => os.map(o => o.value)));
  await page.getByLabel(/^language/).fill('python');
  await page.getByRole('button', { name: 'Render' }).click();
  await page.getByRole('heading', { name: 'Messages' }).waitFor();
  step('promptRendered', (await page.locator('main pre').first().textContent()).includes('x = 1'));
  await shot(page, 'desktop-prompts-rendered');

  // Activity: the cancelled countdown is in the record.
  await open(page, 'activity');
  await page.getByRole('textbox', { name: 'Tool' }).fill('countdown');
  await until(async () => {
    await page.getByRole('button', { name: 'Show calls' }).click();
    await page.waitForTimeout(300);
    return (await page.locator('main table tbody').textContent() ?? '').includes('cancelled');
  }, 'the cancelled countdown in the record');
  step('recordedCancelled');
  await shot(page, 'desktop-activity');

  // Sign in with a key, act with the cookie (the anti-forgery token goes with every POST), sign out.
  await open(page, 'signin');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('main[data-ready="overview"]');
  step('signedIn', await page.locator('#who').textContent());
  const cookies = await context.cookies();
  const session = cookies.find(c => c.name === 'contexthub-session');
  step('cookie', session && { httpOnly: session.httpOnly, sameSite: session.sameSite, path: session.path, secure: session.secure, sealed: !session.value.includes(apiKey) });
  await open(page, 'tools');
  await page.getByRole('button', { name: /^echo/ }).click();
  await page.getByLabel(/^message/).fill('signed in');
  await page.getByRole('button', { name: 'Call echo' }).click();
  await page.getByText('echo: signed in').waitFor();
  await open(page, 'knowledge');
  await page.getByLabel('Search for').fill(marker);
  await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: /Console notes/ }).click();
  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Deleted “Console notes”.').waitFor();
  step('deletedWhileSignedIn');

  // Keys, signed in as an administrator: create one (shown once), it works; revoke it, the next request with it is refused.
  const keyName = `console-revoke-${Date.now().toString(36)}`;
  await open(page, 'keys');
  await page.getByLabel('Name of a new key').fill(keyName);
  await page.getByRole('button', { name: 'Create key' }).click();
  const created = (await page.locator('main .success pre').textContent({ timeout: 10000 })).trim();
  const withKey = () => fetch(`${base}/api/v1/tools`, { headers: { Authorization: `Bearer ${created}` } }).then(r => r.status);
  step('newKeyWorks', await withKey());
  await open(page, 'overview'); // the list is read when the page opens
  await open(page, 'keys');
  page.once('dialog', d => d.accept());
  const row = page.getByRole('row').filter({ hasText: keyName });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.getByText('revoked').waitFor();
  step('revokedKeyStatus', await withKey());
  await shot(page, 'desktop-keys-admin');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForSelector('main[data-ready="signin"]');
  await until(async () => (await page.locator('#who').textContent()) === 'anonymous (loopback)', 'anonymous after sign-out');
  step('signedOut', (await context.cookies()).every(c => c.name !== 'contexthub-session'));

  // Keyboard only: the skip link, then the first nav link, reached with Tab.
  await page.waitForLoadState('networkidle');
  const keyboard = await context.newPage();
  watch(keyboard, 'keyboard');
  await keyboard.goto(`${base}/`);
  await keyboard.waitForSelector('main[data-ready="overview"]');
  await keyboard.keyboard.press('Tab');
  step('skipLinkFocused', await keyboard.evaluate(() => document.activeElement?.textContent));
  await keyboard.keyboard.press('Enter');
  step('mainFocused', await keyboard.evaluate(() => document.activeElement?.id));
  // The theme button cycles automatic, light, dark (and is remembered).
  const themes = [];
  for (let i = 0; i < 3; i++) {
    await keyboard.getByRole('button', { name: /^Theme:/ }).click();
    themes.push(await keyboard.evaluate(() => `${document.documentElement.dataset.theme ?? 'auto'}:${getComputedStyle(document.body).backgroundColor}`));
  }
  step('themes', themes);
  await keyboard.waitForLoadState('networkidle');
  await context.close();

  // Live charts: this server has no /metrics, so the browser is given a Prometheus text that grows between scrapes
  // (Playwright's request interception) to see the Overview parse it and draw requests, errors and latency by door.
  {
    const charts = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    let n = 0;
    await charts.route('**/metrics', route => {
      n++;
      const line = (route, status, count, seconds) => [
        `http_server_request_duration_seconds_count{http_route="${route}",http_response_status_code="${status}"} ${count}`,
        `http_server_request_duration_seconds_sum{http_route="${route}",http_response_status_code="${status}"} ${count * seconds}`];
      const body = ['# TYPE http_server_request_duration_seconds histogram',
        ...line('/mcp', 200, 100 * n * n, 0.003), ...line('/api/v1/tools', 200, 40 * n * n, 0.006), ...line('/api/v1/tools', 404, 3 * n, 0.001),
        ...line('/graphql', 200, 25 * n * n, 0.009), ...line('/ws', 101, 2 * n, 0.02)].join('\n') + '\n';
      return route.fulfill({ status: 200, contentType: 'text/plain; version=0.0.4', body });
    });
    const chartPage = await charts.newPage();
    watch(chartPage, 'charts');
    await open(chartPage, 'overview');
    await chartPage.locator('svg.chart polyline').first().waitFor({ timeout: 20000 });
    await chartPage.waitForTimeout(11000); // two more scrapes: lines, not points
    step('charts', await chartPage.locator('svg.chart').evaluateAll(svgs => svgs.map(s => s.getAttribute('aria-label'))));
    await chartPage.locator('#ov-traffic').scrollIntoViewIfNeeded();
    await audit(chartPage, 'overview-charts');
    await shot(chartPage, 'desktop-overview-charts');
    await charts.close();
  }

  // Dark mode and phone width.
  const dark = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const darkPage = await dark.newPage();
  watch(darkPage, 'dark');
  for (const name of ['overview', 'tools', 'knowledge']) {
    await open(darkPage, name);
    await darkPage.waitForLoadState('networkidle');
    await audit(darkPage, `dark-${name}`);
    await shot(darkPage, `desktop-dark-${name}`);
  }
  await dark.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const phonePage = await phone.newPage();
  watch(phonePage, 'phone');
  for (const name of PAGES) {
    await open(phonePage, name);
    await phonePage.waitForLoadState('networkidle');
    await audit(phonePage, `phone-${name}`);
    await shot(phonePage, `phone-${name}`);
  }
  await phone.close();
} catch (e) {
  seen.error = `${e.message}\n${e.stack}`;
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
