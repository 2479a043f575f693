// bench_feed.mjs CONFIG.json: times the web app's first page of the feed in
// Debian's Chromium (headless, playwright-core from tests/web/node_modules).
// bench_feed.py starts the node and writes CONFIG {url, token, runs, chromium}.
//
// Per run, a fresh browser context (no HTTP cache) signs in, goes to
// about:blank, then loads URL/#/feed: a whole navigation; then reloads it (the
// same renderer process: no process start). The page's performance
// marks say when the items had arrived (sr:feed:data), when the first page was
// in the DOM (sr:feed:rendered) and after the next frame (sr:feed:painted), in
// ms since navigation start. References in the same run, same browser:
//   - fixture: the same page (web/, the same files) from a plain static server
//     started here, every /api/ GET answered with a copy of what the node
//     answered: the page's own cost, with the API's taken away;
//   - floor: a page of one module that only sets the marks, from the same
//     server with the same headers: what Chromium takes before any page code;
//   - api: GET /api/feed alone, from the page's resource timing (request start
//     to response end) and from Node's fetch.
// Prints one JSON object on stdout: medians of `runs` runs after a warm-up.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const { chromium } = await import(path.join(root, 'tests', 'web', 'node_modules', 'playwright-core', 'index.mjs'));

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const runs = Number(cfg.runs) || 9;
const median = (xs) => { const s = xs.slice().sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round = (x) => Math.round(x * 10) / 10;

const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true });

// What the node answers to the /api/ GETs of the feed page: the page's requests
// seen once, then fetched again (Bearer token) for the fixture server.
const fixture = new Map();
{
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  const seen = new Set();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/') && u.pathname !== '/api/events' && r.method() === 'GET') seen.add(u.pathname + u.search);
  });
  await page.goto(`${cfg.url}/login?token=${cfg.token}`);
  await page.waitForFunction(() => performance.getEntriesByName('sr:feed:painted').length > 0);
  await page.waitForTimeout(500); // the project list, asked after the first page
  for (const p of seen) {
    const r = await context.request.get(`${cfg.url}${p}`, { headers: { Authorization: `Bearer ${cfg.token}` } });
    fixture.set(p, { status: r.status(), body: await r.body(), type: r.headers()['content-type'] });
  }
  if (!fixture.has('/api/feed')) throw new Error(`the feed page did not GET /api/feed (it got ${[...seen].join(', ')})`);
  await context.close();
}

// The fixture server: web/ with the headers the node sends (CSP, and also
// Cross-Origin-Opener-Policy, which costs Chromium a new renderer process on
// each navigation: the reference must pay it too; BENCH_FEED_DROP=a,b leaves
// headers out, to see what one costs), the recorded API answers, a login that
// sets a cookie, an event stream that stays quiet.
const nodeHeaders = {};
{
  const r = await fetch(`${cfg.url}/index.html`);
  const drop = ['date', 'content-length', 'content-type', 'connection', 'keep-alive', 'transfer-encoding', ...(process.env.BENCH_FEED_DROP || '').split(',')];
  for (const [k, v] of r.headers) if (!drop.includes(k)) nodeHeaders[k] = v;
  await r.arrayBuffer();
}
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.svg': 'image/svg+xml' };
const webDir = path.join(root, 'web');
const streams = new Set();
const server = http.createServer((req, res) => {
  const u = new URL(req.url, 'http://fixture');
  for (const [k, v] of Object.entries(nodeHeaders)) res.setHeader(k, v);
  // the floor: a page with one module that sets the same marks, nothing else
  if (u.pathname === '/floor.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    return res.end('<!doctype html><html lang="en"><meta charset="utf-8"><title>floor</title><p id="feed-list">floor</p><script type="module" src="/floor.js"></script></html>');
  }
  if (u.pathname === '/floor.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    return res.end("performance.mark('sr:boot'); performance.mark('sr:feed:data'); performance.mark('sr:feed:rendered');"
      + " requestAnimationFrame(() => setTimeout(() => performance.mark('sr:feed:painted'), 0));");
  }
  if (u.pathname === '/login') {
    res.writeHead(303, { Location: '/', 'Set-Cookie': 'sr_session=fixture; HttpOnly; SameSite=Strict; Path=/' });
    return res.end();
  }
  if (u.pathname === '/api/events') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    res.write(': fixture\n\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
    return undefined;
  }
  if (u.pathname.startsWith('/api/')) {
    const f = fixture.get(u.pathname + u.search);
    if (!f) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      return res.end('{"ok":false,"error":"not in the fixture","code":"SR_ENOTFOUND"}');
    }
    res.writeHead(f.status, { 'Content-Type': f.type, 'Cache-Control': 'no-store' });
    return res.end(f.body);
  }
  const file = path.join(webDir, path.normalize(u.pathname === '/' ? '/index.html' : u.pathname));
  if (!file.startsWith(webDir + path.sep) || !fs.existsSync(file)) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
  return res.end(fs.readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const fixtureUrl = `http://127.0.0.1:${server.address().port}`;

async function timeOnce(base, target = '/#/feed') {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(target === '/#/feed' ? `${base}/login?token=${cfg.token}` : `${base}${target}`);
  await page.waitForSelector('#feed-list', { state: 'attached' });
  await page.goto('about:blank');
  await page.goto(`${base}${target}`);
  const marks = async () => {
    await page.waitForFunction(() => performance.getEntriesByName('sr:feed:painted').length > 0, null, { timeout: 30000 });
    return page.evaluate(() => {
      const get = (n) => (performance.getEntriesByName(n)[0] || {}).startTime;
      const feed = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('/api/feed')).pop();
      return {
        rendered: get('sr:feed:rendered'), painted: get('sr:feed:painted'), boot: get('sr:boot'), data: get('sr:feed:data'),
        items: document.querySelectorAll('#feed-list > li').length,
        api: feed ? feed.responseEnd - feed.requestStart : null,
      };
    });
  };
  const m = await marks();
  // a reload stays in the page's renderer process: no process start in it
  await page.reload();
  m.reload = (await marks()).rendered;
  await context.close();
  return m;
}

async function fetchOnce() {
  const t = performance.now();
  const r = await fetch(`${cfg.url}/api/feed`, { headers: { Authorization: `Bearer ${cfg.token}` } });
  const j = await r.json();
  return { ms: performance.now() - t, items: j.items.length };
}

await timeOnce(cfg.url); // warm-up: the node's pages in memory, Chromium's first contexts
await timeOnce(fixtureUrl);
await timeOnce(fixtureUrl, '/floor.html');
const full = [];
const fix = [];
const floor = [];
for (let i = 0; i < runs; i++) { // interleaved: a slow moment of the machine hits all three
  full.push(await timeOnce(cfg.url));
  fix.push(await timeOnce(fixtureUrl));
  floor.push(await timeOnce(fixtureUrl, '/floor.html'));
}
const fetches = [];
for (let i = 0; i < runs; i++) fetches.push(await fetchOnce());
await browser.close();
for (const s of streams) s.destroy();
server.close();

const pick = (xs, k) => round(median(xs.map((x) => x[k])));
const part = (xs) => ({ rendered_ms: pick(xs, 'rendered'), painted_ms: pick(xs, 'painted'), boot_ms: pick(xs, 'boot'), data_ms: pick(xs, 'data'),
  reload_rendered_ms: pick(xs, 'reload'),
  rendered_all: xs.map((x) => round(x.rendered)) });
console.log(JSON.stringify({
  runs,
  items_rendered: full[0].items,
  node: { ...part(full), api_feed_ms: pick(full, 'api') },
  fixture: part(fix),
  floor: part(floor),
  api_fetch_ms: round(median(fetches.map((x) => x.ms))),
  api_items: fetches[0].items,
}));
