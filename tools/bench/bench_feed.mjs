// bench_feed.mjs CONFIG.json: times the web app's first page of the feed in
// Debian's Chromium (headless, playwright-core from tests/web/node_modules).
// bench_feed.py starts the node and writes CONFIG {url, token, runs, chromium}.
//
// Per run, a fresh browser context (no HTTP cache, a new session cookie) loads
// URL/#/feed; the page's performance marks say when the first page of items was
// in the DOM (sr:feed:rendered) and after the next frame (sr:feed:painted), in
// ms since navigation start. Two references in the same run, same browser:
//   - fixture: the same page, but every /api/ GET answered by Playwright from a
//     static copy of what the node answered (so: the page's own cost);
//   - api: the /api/feed request alone, from the page's resource timing
//     (request start to response end) and from Node's fetch.
// Prints one JSON object on stdout; medians of `runs` runs after one warm-up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { chromium } = await import(path.join(root, 'tests', 'web', 'node_modules', 'playwright-core', 'index.mjs'));

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const runs = Number(cfg.runs) || 7;
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round = (x) => Math.round(x * 10) / 10;

const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true });

async function session() {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${cfg.url}/login?token=${cfg.token}`);
  await page.waitForSelector('#feed-list', { state: 'attached' });
  return { context, page };
}

// Records what the node answers to the /api/ GETs the feed page makes, for the
// fixture runs (the page's requests, seen once, then fetched again with its cookie).
const fixture = new Map();
{
  const { context, page } = await session();
  const seen = new Set();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/') && u.pathname !== '/api/events' && r.method() === 'GET') seen.add(u.pathname + u.search);
  });
  await page.reload();
  await page.waitForFunction(() => performance.getEntriesByName('sr:feed:painted').length > 0);
  for (const p of seen) {
    const r = await context.request.get(`${cfg.url}${p}`);
    fixture.set(p, { status: r.status(), body: await r.body(), type: r.headers()['content-type'] });
  }
  if (!fixture.has('/api/feed')) throw new Error(`the feed page did not GET /api/feed (it got ${[...seen].join(', ')})`);
  await context.close();
}

async function timeOnce(useFixture) {
  const { context, page } = await session();
  if (useFixture) {
    await page.route('**/api/**', (route) => {
      const u = new URL(route.request().url());
      const f = fixture.get(u.pathname + u.search);
      if (u.pathname === '/api/events') return route.fulfill({ status: 200, contentType: 'text/event-stream', body: ': fixture\n\n' });
      if (!f) return route.continue();
      return route.fulfill({ status: f.status, body: f.body, contentType: f.type });
    });
  }
  // navigate away and back so that the measured load is a whole navigation
  await page.goto('about:blank');
  await page.goto(`${cfg.url}/#/feed`);
  await page.waitForFunction(() => performance.getEntriesByName('sr:feed:painted').length > 0, null, { timeout: 30000 });
  const m = await page.evaluate(() => {
    const get = (n) => (performance.getEntriesByName(n)[0] || {}).startTime;
    const feed = performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/feed')).pop();
    return {
      rendered: get('sr:feed:rendered'), painted: get('sr:feed:painted'), boot: get('sr:boot'),
      items: document.querySelectorAll('#feed-list > li').length,
      api: feed ? feed.responseEnd - feed.requestStart : null,
    };
  });
  await context.close();
  return m;
}

async function fetchOnce() {
  const t = performance.now();
  const r = await fetch(`${cfg.url}/api/feed`, { headers: { Authorization: `Bearer ${cfg.token}` } });
  const j = await r.json();
  return { ms: performance.now() - t, items: j.items.length };
}

await timeOnce(false); // warm-up: the node's page cache, Chromium's first start
await timeOnce(true);
const full = [];
const fix = [];
for (let i = 0; i < runs; i++) {
  full.push(await timeOnce(false));
  fix.push(await timeOnce(true));
}
const fetches = [];
for (let i = 0; i < runs; i++) fetches.push(await fetchOnce());
await browser.close();

const pick = (xs, k) => round(median(xs.map((x) => x[k])));
console.log(JSON.stringify({
  runs,
  items_rendered: full[0].items,
  node: { rendered_ms: pick(full, 'rendered'), painted_ms: pick(full, 'painted'), boot_ms: pick(full, 'boot'), api_feed_ms: pick(full, 'api'),
    rendered_all: full.map((x) => round(x.rendered)) },
  fixture: { rendered_ms: pick(fix, 'rendered'), painted_ms: pick(fix, 'painted'), boot_ms: pick(fix, 'boot'),
    rendered_all: fix.map((x) => round(x.rendered)) },
  api_fetch_ms: round(median(fetches.map((x) => x.ms))),
  api_items: fetches[0].items,
}));
