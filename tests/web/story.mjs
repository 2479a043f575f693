// story.mjs CONFIG.json: the activist's story in Debian's Chromium against two
// real nodes (test_web.py starts them and writes CONFIG). Every step is checked
// in the page the way a person sees it (names, text), and where it matters
// against the other node as well. Then: the phone-sized screen, the keyboard
// alone, the French catalogue, and every bad-input case of the API (through
// page.request and raw HTTP), after which the store must be as it was.
// Prints "ok   ..." per check; exits 1 at the first failure.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { execFileSync, spawn } from 'node:child_process';
import { chromium, request as pwRequest } from 'playwright-core';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const SCALE = Number(cfg.scale) || 1;
const A = cfg.a;
const B = cfg.b;
const R = cfg.r;
const D = cfg.d; // a fresh home: A's laptop, paired in the Devices step
const DEVICE = 'laptop 💻';
const DEV_POST = 'Written on my laptop, shown as me 💻';
const children = [];
const NAME_A = 'Aylin 🎤';
const NAME_B = '李小龙';
const PROJECT = 'Clean River 🌊 清河';
const POST = '周六上午十点在市场见 — السبت في السوق الساعة العاشرة 🧤🌊 bring gloves!';
const COMMENT = 'أنا قادم! I will come 🙌';
const KEY_POST = 'Typed with the keyboard only ⌨️ 键盘';

const t0 = Date.now();
function ok(what) { console.log(`ok   ${what}`); }
function note(what) { console.log(`--   ${what}`); }
class Failure extends Error {}
function check(cond, what) { if (!cond) throw new Failure(what); ok(what); }
function checkEq(got, want, what) {
  if (got !== want) throw new Failure(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  ok(`${what} (${JSON.stringify(want).slice(0, 80)})`);
}
async function waitFor(fn, seconds, what, interval = 200) {
  const end = Date.now() + seconds * 1000 * SCALE;
  let last;
  for (;;) {
    try { last = await fn(); } catch (e) { last = `exception: ${e.message}`; }
    if (last && !(typeof last === 'string' && last.startsWith('exception: '))) return last;
    if (Date.now() > end) throw new Failure(`timed out after ${seconds * SCALE} s waiting for: ${what} (last: ${String(last).slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
const ms = (s) => s * 1000 * SCALE;

// ---- the nodes, through the CLI beside them ----
function cli(node, ...args) {
  return JSON.parse(execFileSync(cfg.seurone, ['--home', node.home, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}
function storeSnapshot(node) {
  const log = cli(node, 'log', '--all');
  return { n: log.length, ids: log.map((e) => e.id).sort().join(',') };
}

// ---- the browser ----
const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true, args: ['--no-sandbox'] });
const problems = [];

async function newPage(node, opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-US', baseURL: node.url, ...opts });
  context.setDefaultTimeout(ms(15));
  const page = await context.newPage();
  const tag = `${node.name}${opts.locale && opts.locale !== 'en-US' ? `/${opts.locale}` : ''}${opts.viewport ? `/${opts.viewport.width}` : ''}`;
  page.on('pageerror', (e) => problems.push(`${tag}: page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    // a refused API call (the bad-input steps, an invite on a personal node) is
    // logged by Chromium as a failed resource; anything else is a problem
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) problems.push(`${tag}: console: ${text}`);
  });
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith('/api/') && u.pathname !== '/login' && r.status() >= 400) problems.push(`${tag}: ${u.pathname} answered ${r.status()}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, page, node };
}

async function login(p) {
  const resp = await p.page.goto(`${p.node.url}/login?token=${p.node.token}`);
  check(resp.ok(), `${p.node.name}: /login?token= leads to the page`);
  check(!p.page.url().includes('token'), `${p.node.name}: the token left the address bar (${p.page.url()})`);
  const cookies = await p.context.cookies();
  const c = cookies.find((x) => x.name === 'sr_session');
  check(c && c.httpOnly && c.sameSite === 'Strict', `${p.node.name}: an HttpOnly, SameSite=Strict session cookie`);
}

async function go(p, hash) {
  await p.page.evaluate((hh) => { location.hash = hh; }, hash);
  await p.page.waitForFunction(() => !document.getElementById('main').hasAttribute('aria-busy') && document.querySelector('main h1'));
}

const shots = [];
async function shot(p, name) {
  await p.page.waitForTimeout(150);
  const file = path.join(cfg.shots, `${name}.png`);
  await p.page.screenshot({ path: file, fullPage: true });
  shots.push(name);
}

const h1 = (p) => p.page.locator('main h1').first().textContent();
const item = (p, id) => p.page.locator(`#main li[data-id="${id}"]`).first();

async function cspClean(p, what) {
  const v = await p.page.evaluate(() => window.__csp);
  check(v.length === 0, `${what}: no Content-Security-Policy violation${v.length ? `: ${v.join('; ')}` : ''}`);
}

let failed = false;
try {
  // ---------------------------------------------------------------- login
  const stranger = await newPage(A);
  await stranger.page.goto(`${A.url}/`);
  await stranger.page.waitForSelector('section.login');
  check((await h1(stranger)).includes('Open Seurone'), 'without the session cookie, / says to open the link `seurone ui` prints');
  await shot(stranger, 'login');
  const bad = await stranger.page.goto(`${A.url}/login?token=${'0'.repeat(64)}`);
  checkEq(bad.status(), 401, '/login with a wrong token');
  await stranger.context.close();

  const a = await newPage(A, { permissions: ['clipboard-read', 'clipboard-write'] });
  const b = await newPage(B);
  await login(a);
  await login(b);

  // ---------------------------------------------------------------- first start
  for (const [p, name, bio] of [[a, NAME_A, 'I sing, and I help Hmong artisans sell their embroidery.'], [b, NAME_B, '河流清洁志愿者']]) {
    await p.page.waitForSelector('#start-name');
    check(p.page.url().endsWith('#/start') || (await p.page.locator('#start-name').count()) === 1, `${p.node.name}: a new node opens on first start`);
    check((await p.page.locator('main').textContent()).includes('passphrase'), `${p.node.name}: first start says the passphrase comes later`);
    if (p === a) await shot(a, 'a-start');
    await p.page.fill('#start-name', name);
    await p.page.fill('#start-bio', bio);
    await p.page.getByRole('button', { name: 'Start' }).click();
    await p.page.waitForSelector('#feed-list', { state: 'attached' });
    checkEq(await h1(p), 'Feed', `${p.node.name}: after first start, the feed`);
    const s = await (await p.page.request.get('/api/session')).json();
    checkEq(s.name, name, `${p.node.name}: /api/session has the chosen name`);
  }

  // ---------------------------------------------------------------- A creates a project and joins it
  await go(a, '#/projects');
  await a.page.locator('#project-create').evaluate((d) => { d.open = true; });
  await a.page.fill('#proj-name', PROJECT);
  await a.page.fill('#proj-desc', 'We clean the river every Saturday. 每周六清理河流。');
  await a.page.fill('#proj-tags', 'river, 清洁, nettoyage');
  await a.page.getByRole('button', { name: 'Create', exact: true }).click();
  await a.page.waitForSelector('section.project-card');
  checkEq(await h1(a), PROJECT, 'A: the new project page has its name');
  const projectId = decodeURIComponent(a.page.url().split('#/project/')[1]);
  check(/^[0-9a-f]{64}$/.test(projectId), 'A: the project page is addressed by the project id');
  checkEq(await a.page.locator('ul.tags li').allTextContents().then((x) => x.join('|')), 'river|清洁|nettoyage', 'A: the project shows its tags');
  await a.page.getByRole('button', { name: /^Join as member/ }).click();
  await a.page.waitForFunction(() => document.querySelector('#members') && document.querySelector('#members').textContent.includes('Aylin'));
  ok('A: after "Join as member", A is listed among the members');

  // ---------------------------------------------------------------- A shares her address (text, copy, QR) and tries an invite
  await go(a, '#/share');
  const addrText = await a.page.inputValue('#my-address');
  checkEq(addrText, A.address, 'A: the page shows the node\'s own address');
  await a.page.getByRole('button', { name: 'Copy' }).first().click();
  await a.page.waitForFunction(() => document.querySelector('.copied').textContent.length > 0);
  checkEq(await a.page.evaluate(() => navigator.clipboard.readText()), A.address, 'A: Copy puts the address on the clipboard');
  await a.page.waitForSelector('figure.qr img');
  const qr = await a.page.locator('figure.qr img').first().evaluate((img) => ({ src: img.src.slice(0, 40), w: img.naturalWidth, alt: img.alt }));
  check(qr.src.startsWith('data:image/svg+xml') && qr.w > 0, `A: the address's QR code (SVG drawn by the node) is shown (${qr.w}px)`);
  check(qr.alt.length > 0, 'A: the QR code has a text alternative');
  checkEq(await a.page.getByRole('button', { name: 'Create an invite' }).count(), 0, 'A (a personal node, which cannot redeem invites): no "Create an invite" button');
  check((await a.page.locator('main').textContent()).includes('Invites are made by relays'), 'A: the page says invites come from relays, and to share the address');
  // through the API all the same: refused with a sentence
  const inv = await a.page.request.post('/api/invite/create', { data: {}, headers: { 'X-Seurone-CSRF': (await (await a.page.request.get('/api/session')).json()).csrf } });
  checkEq(inv.status(), 400, 'A: POST /api/invite/create on a personal node is refused');
  await shot(a, 'a-share');

  // ---------------------------------------------------------------- the relay's operator makes an invite in R's page
  const rel = await newPage(R);
  await login(rel);
  await rel.page.waitForSelector('#feed-list', { state: 'attached' });
  ok('R (a relay, no name): the page opens on the feed, not on first start');
  await go(rel, '#/share');
  await rel.page.getByRole('button', { name: 'Create an invite' }).click();
  await rel.page.waitForSelector('#invite-code');
  const inviteCode = await rel.page.inputValue('#invite-code');
  check(inviteCode.startsWith('seurone-invite:1:'), `R: an invite code is shown (${inviteCode.slice(0, 40)}...)`);
  await rel.page.waitForFunction(() => document.querySelectorAll('figure.qr img').length === 2 && [...document.querySelectorAll('figure.qr img')].every((i) => i.naturalWidth > 0));
  ok('R: the invite has its QR code too');
  check((await rel.page.locator('#invite-until').textContent()).includes('works until'), 'R: the page says until when the invite works (7 days by default)');
  await shot(rel, 'r-invite');

  // ---------------------------------------------------------------- B joins with A's address, follows A
  await go(b, '#/join');
  await b.page.fill('#join-code', 'seurone-invite:1:not-a-code');
  await b.page.getByRole('button', { name: 'Join', exact: true }).click();
  await b.page.waitForSelector('#errors p');
  const joinErr = await b.page.locator('#errors p').textContent();
  check(joinErr.length > 10 && !joinErr.includes('"code"'), `B: a malformed invite code is refused with a sentence in the alert region: "${joinErr.slice(0, 90)}"`);
  checkEq(await b.page.locator('#errors').getAttribute('role'), 'alert', 'B: errors are in a role=alert region');
  await b.page.fill('#join-code', addrText);
  await b.page.getByRole('button', { name: 'Join', exact: true }).click();
  await b.page.waitForSelector('.result .ok');
  check((await b.page.locator('.result').textContent()).includes('Connecting'), 'B: pasting A\'s address connects at once (one step)');
  checkEq(await b.page.locator('#errors p').count(), 0, 'B: the earlier refusal is gone once the join succeeded');
  await shot(b, 'b-join');
  await b.page.locator('.result').getByRole('button', { name: /^Follow/ }).click();
  await b.page.waitForSelector('.result .ok >> text=You follow them now');
  ok('B: follows A from the join page');
  // and joins the relay with R's invite code, in the same one step
  await b.page.fill('#join-code', inviteCode);
  await b.page.getByRole('button', { name: 'Join', exact: true }).click();
  await b.page.waitForSelector('.result .ok >> text=You joined');
  ok('B: pasting the relay\'s invite code joins it: "You joined..."');
  const bFollows = await waitFor(() => cli(B, 'graph').edges.follow.some(([s, d]) => s === B.id && d === A.id), 10, 'B\'s store has B follows A');
  check(bFollows, 'B: the follow is in B\'s store');

  // ---------------------------------------------------------------- B finds A by name
  await go(b, '#/people');
  await waitFor(async () => {
    await b.page.fill('#people-q', 'ayl');
    await b.page.locator('form[role=search] button').click();
    await b.page.waitForTimeout(300);
    return (await b.page.locator('#people-results a.who').allTextContents()).includes(NAME_A);
  }, 30, 'B: people search "ayl" finds Aylin 🎤 (her about entry arrived)');
  ok('B: people search "ayl" finds "Aylin 🎤" (ASCII case-insensitive)');
  check((await b.page.locator('#people-results').textContent()).includes('you follow'), 'B: the result says B follows her');
  check(!(await b.page.locator('#people-results .badge.unheld').count()), 'B: Aylin\'s log is held: no "no log here" mark');
  await shot(b, 'b-people');
  // a key B follows that has written nothing B holds: marked on the list and on its page
  const ghost = 'a1'.repeat(32);
  cli(B, 'publish', 'contact', '--who', ghost, '--state', 'follow');
  await go(b, `#/person/${ghost}`);
  await b.page.waitForSelector('.badge.unheld');
  checkEq(await b.page.locator('.badge.unheld').textContent(), 'no log here', 'B: a followed key without a log here is marked "no log here"');
  await go(b, '#/people');
  await waitFor(async () => (await b.page.locator('#people-results .badge.unheld').count()) === 1, 10, 'B: the people list marks that key, and only it');
  ok('B: the people list marks the one key whose log is not held');

  // ---------------------------------------------------------------- A follows B from the node page
  await go(a, '#/node');
  const followBtn = a.page.locator('#peers li.peer.up').getByRole('button', { name: 'Follow' });
  await waitFor(async () => { await go(a, '#/node'); return (await followBtn.count()) > 0; }, 20, 'A: B shows as a connected peer without a name, with Follow');
  await followBtn.first().click();
  await waitFor(async () => { await go(a, '#/node'); return (await a.page.locator('#peers li.peer.up a.who').allTextContents()).includes(NAME_B); }, 30, 'A: the connected peer shows by name (李小龙) once B\'s log arrives');
  ok('A: node state shows the connected peer by name: 李小龙');
  check((await a.page.locator('#node-facts').textContent()).length > 20, 'A: node state lists entries in and out');
  await shot(a, 'a-node');
  // people search with a non-ASCII substring
  await go(a, '#/people?q=' + encodeURIComponent('小龙'));
  await a.page.waitForSelector('#people-results a.who');
  check((await a.page.locator('#people-results a.who').allTextContents()).includes(NAME_B), 'A: people search "小龙" finds 李小龙');

  // ---------------------------------------------------------------- A posts a share in the project; B sees it live
  await go(b, '#/feed');
  await b.page.evaluate(() => { window.__sameDocument = 'yes'; });
  await go(a, '#/feed');
  await a.page.waitForFunction((pid) => [...document.querySelectorAll('#post-project option')].some((o) => o.value === pid), projectId);
  await a.page.fill('#post-text', POST);
  await a.page.locator('details.options summary').click();
  await a.page.selectOption('#post-project', projectId);
  await a.page.getByRole('button', { name: 'Share', exact: true }).click();
  const postLi = a.page.locator('#feed-list > li', { hasText: POST.slice(0, 10) }).first();
  await postLi.waitFor({ timeout: ms(10) });
  const postId = await postLi.getAttribute('data-id');
  ok(`A: the share is on A's feed (${postId.slice(0, 8)})`);
  check((await postLi.locator('a.project').textContent()) === PROJECT, 'A: the share names its project, linked');
  await item(b, postId).waitFor({ timeout: ms(30) });
  checkEq(await b.page.evaluate(() => window.__sameDocument), 'yes', 'B: A\'s share appeared on B\'s feed live, without a reload');
  const bItem = item(b, postId);
  checkEq(await bItem.locator('.text').textContent(), POST, 'B: the share\'s full UTF-8 text (Chinese, Arabic, emoji) as written');
  checkEq(await bItem.locator('.text').getAttribute('dir'), 'auto', 'B: the text has dir=auto (Arabic reads right to left)');
  checkEq(await bItem.locator('a.who').first().textContent(), NAME_A, 'B: the share shows its author by name');
  const timeText = await bItem.locator('time').first().textContent();
  checkEq(timeText, await b.page.evaluate((ts) => new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ts)),
    Number(await item(b, postId).getAttribute('data-ts'))), 'B: the share\'s time in local time');
  await b.page.waitForFunction(() => document.getElementById('live').textContent.includes('Aylin'));
  ok('B: the new share was announced in the aria-live region');
  await shot(b, 'b-feed-live');

  // ---------------------------------------------------------------- B reshares with a comment; it reaches A
  await bItem.getByRole('button', { name: 'Reshare', exact: true }).click();
  await bItem.locator('textarea').fill(COMMENT);
  await bItem.getByRole('button', { name: 'Post the reshare' }).click();
  const reLi = b.page.locator('#feed-list > li', { hasText: COMMENT }).first();
  await reLi.waitFor({ timeout: ms(10) });
  const reshareId = await reLi.getAttribute('data-id');
  checkEq(await reLi.locator('blockquote.reshared .text').textContent(), POST, 'B: the reshare shows the reshared text inline');
  await item(a, reshareId).waitFor({ timeout: ms(30) });
  const aRe = item(a, reshareId);
  checkEq(await aRe.locator('.text').first().textContent(), COMMENT, 'A: B\'s reshare with its comment arrived on A\'s feed live');
  checkEq(await aRe.locator('blockquote.reshared .text').textContent(), POST, 'A: with A\'s share inline');
  checkEq(await aRe.locator('a.who').first().textContent(), NAME_B, 'A: the reshare shows 李小龙 by name');
  await a.page.waitForFunction((id) => (document.querySelector(`li[data-id="${id}"] .count`) || {}).textContent, postId, { timeout: ms(10) }).catch(() => {});
  await shot(a, 'a-feed');

  // ---------------------------------------------------------------- B supports the project; both pages list who is in it
  await go(b, '#/projects');
  await waitFor(async () => { await go(b, '#/projects'); return (await b.page.locator('#project-results a', { hasText: PROJECT }).count()) > 0; }, 20, 'B: A\'s project is listed');
  await b.page.locator('#project-results a', { hasText: PROJECT }).first().click();
  await b.page.waitForSelector('section.project-card');
  await b.page.getByRole('button', { name: /^Support/ }).click();
  await b.page.waitForFunction((n) => document.querySelector('#supporters').textContent.includes(n), NAME_B);
  ok('B: after "Support", B is listed among the supporters');
  check((await b.page.locator('#members').textContent()).includes(NAME_A), 'B: Aylin is listed among the members');
  check((await b.page.locator('main').textContent()).includes(POST.slice(0, 8)), 'B: the project page lists its shares');
  await shot(b, 'b-project');
  await waitFor(async () => { await go(a, `#/project/${projectId}`); return (await a.page.locator('#supporters').textContent()).includes(NAME_B); }, 30, 'A: the project page lists 李小龙 as supporter');
  ok('A: the project page lists 李小龙 among the supporters and Aylin among the members');
  check((await a.page.locator('#members').textContent()).includes(NAME_A), 'A: members');
  await shot(a, 'a-project');

  // ---------------------------------------------------------------- profiles
  await go(a, `#/person/${B.id}`);
  checkEq(await h1(a), NAME_B, 'A: B\'s profile has her name as title');
  check((await a.page.locator('main').textContent()).includes(PROJECT), 'A: B\'s profile lists the project she supports');
  check((await a.page.locator('main').textContent()).includes(COMMENT.slice(0, 6)), 'A: B\'s profile lists her shares');
  await shot(a, 'a-person');

  // ---------------------------------------------------------------- how did this reach me: the cascade picture
  await go(a, '#/feed');
  await item(a, reshareId).getByRole('link', { name: 'How did this reach me?' }).click();
  await a.page.waitForSelector('svg.cascade');
  const casc = await a.page.locator('svg.cascade text').allTextContents();
  check(casc.includes(NAME_A) && casc.includes(NAME_B), `A: the flow picture is an SVG naming both people (${casc.filter((x) => x.length > 3).slice(0, 4).join(', ')})`);
  checkEq(await a.page.locator('svg.cascade path.edge').count(), 1, 'A: one reshare arrow (A -> B)');
  check((await a.page.locator('svg.cascade').getAttribute('role')) === 'img' && (await a.page.locator('svg.cascade desc').textContent()).includes(NAME_B), 'A: the picture has role=img and a description in words');
  await shot(a, 'a-flow');

  // ---------------------------------------------------------------- neighbourhood picture
  await go(a, '#/graph');
  await a.page.waitForSelector('svg.graph');
  const gtext = await a.page.locator('svg.graph text').allTextContents();
  check(gtext.includes(NAME_B) && gtext.includes(NAME_A), `A: the neighbourhood SVG shows A and B by name (${gtext.length} labels)`);
  check((await a.page.locator('svg.graph line.edge').count()) >= 2, 'A: with edges between them');
  await shot(a, 'a-graph');

  // ---------------------------------------------------------------- B's node state
  await go(b, '#/node');
  await waitFor(async () => (await b.page.locator('#peers li.peer.up a.who').allTextContents()).includes(NAME_A), 15, 'B: node state shows Aylin as a connected peer');
  ok('B: node state shows the connected peer by name: Aylin 🎤');
  await waitFor(async () => { await go(b, '#/node'); return (await b.page.locator('#relay-state.ok').count()) > 0; }, 20, 'B: node state says a relay is reachable');
  ok(`B: node state says the relay is reachable: "${await b.page.locator('#relay-state').textContent()}"`);
  await shot(b, 'b-node');

  // ---------------------------------------------------------------- the relay's operator: members and invites (the CLI's names)
  await go(rel, '#/members');
  checkEq(await h1(rel), 'Members', 'R: the Members page (a relay\'s nav has it)');
  const rMember = await waitFor(async () => {
    await go(rel, '#/members');
    const row = rel.page.locator('#member-list li.member', { hasText: NAME_B });
    return (await row.count()) ? row : null;
  }, 30, 'R: the member list names B (her about entry reached the relay)');
  const bInvite = cli(R, 'members').find((m) => m.key === B.id).invite;
  check(bInvite && (await rMember.textContent()).includes(`invite ${bInvite}`), `R: B's row says which invite she used (${bInvite})`);
  check((await rel.page.locator(`#invite-list li.invite[data-id="${bInvite}"]`).textContent()).includes(`used by ${NAME_B}`), 'R: the invite list says B used it');
  await rel.page.fill('#invite-new-uses', '3');
  await rel.page.selectOption('#invite-new-expires', '1h');
  await rel.page.locator('#invite-new').click();
  await rel.page.waitForSelector('#invite-new-code');
  const made = cli(R, 'invite', 'list').find((i) => i.uses_left === 3 && i.state === 'active');
  check(made && Math.abs(made.expires_ms - Date.now() - 3600e3) < 600e3, `R: an invite for 3 uses valid 1 hour, made in the page, is in the store (${made && made.id})`);
  const invRow = rel.page.locator(`#invite-list li.invite[data-id="${made.id}"]`);
  await invRow.getByRole('button', { name: `Revoke the invite ${made.id}` }).click();
  check((await invRow.locator('.confirm').textContent()).includes('Nobody can join with it'), 'R: revoke asks first, saying what it does');
  await invRow.getByRole('button', { name: 'Revoke it' }).click();
  await waitFor(async () => (await rel.page.locator(`#invite-list li.invite[data-id="${made.id}"] .badge.bad`).count()) > 0, 10, 'R: the invite shows revoked');
  checkEq(cli(R, 'invite', 'list').find((i) => i.id === made.id).state, 'revoked', 'R: the page\'s revoke is `invite revoke` (the CLI sees it)');
  await shot(rel, 'r-members');
  const rmRow = rel.page.locator('#member-list li.member', { hasText: NAME_B });
  await rmRow.getByRole('button', { name: `Remove ${NAME_B} from this relay` }).click();
  check((await rmRow.locator('.confirm').textContent()).includes('stops taking, passing on and serving'), 'R: remove asks first, saying what it does');
  await rmRow.getByRole('button', { name: `Remove ${NAME_B}`, exact: true }).click();
  await rel.page.waitForSelector('#member-list p.empty');
  ok('R: B is gone from the member list');
  checkEq(cli(R, 'members').length, 0, 'R: the page\'s remove is `members remove` (the CLI lists no member)');

  await cspClean(a, 'A\'s page');
  await cspClean(b, 'B\'s page');
  await cspClean(rel, 'R\'s page');

  // ---------------------------------------------------------------- A's devices: add a laptop, see it as A, revoke it
  await go(a, '#/devices');
  checkEq(await h1(a), 'Your devices', 'A: the Devices page');
  check((await a.page.locator('#device-list').textContent()).includes('No other device yet'), 'A: no device yet, and the page says so');
  await shot(a, 'a-devices-empty');
  await a.page.fill('#device-name', DEVICE);
  await a.page.getByRole('button', { name: 'Add a device', exact: true }).click();
  await a.page.waitForSelector('#device-code');
  const devCode = await a.page.inputValue('#device-code');
  check(devCode.startsWith('seurone-device:'), `A: "Add a device" shows a one-time code (${devCode.slice(0, 24)}...)`);
  await a.page.waitForFunction(() => { const i = document.querySelector('#device-code-slot figure.qr img'); return i && i.naturalWidth > 0; });
  ok('A: the code has its QR code');
  const expiry = await a.page.locator('#device-code-expiry').textContent();
  check(/Works once, until .+ \(in (59|60) min\)/.test(expiry), `A: it says how long the code lasts: "${expiry.slice(0, 60)}"`);
  checkEq(await a.page.locator('#device-join-line').textContent(), `seurone device join ${devCode}`, 'A: and what to type on the new computer');
  check((await a.page.locator('#device-code-slot').textContent()).includes(`the code for ${DEVICE}`), 'A: the page says which device the code is for');
  await a.page.locator('#device-code-slot').getByRole('button', { name: 'Copy', exact: true }).click();
  await a.page.waitForFunction(() => document.querySelector('#device-code-slot .copied').textContent.length > 0);
  checkEq(await a.page.evaluate(() => navigator.clipboard.readText()), devCode, 'A: Copy puts the code on the clipboard');
  await a.page.locator('#device-code-slot').getByRole('button', { name: 'Copy the line' }).click();
  await a.page.waitForFunction(() => navigator.clipboard.readText().then((x) => x.startsWith('seurone device join ')));
  checkEq(await a.page.evaluate(() => navigator.clipboard.readText()), `seurone device join ${devCode}`, 'A: "Copy the line" puts the whole line on the clipboard');
  await shot(a, 'a-devices-code');
  // the new computer: a fresh home, as its owner would type it, then its node runs
  const join = execFileSync(cfg.seurone, ['--home', D.home, 'device', 'join', devCode], { encoding: 'utf8' });
  note(`device join: ${join.trim().split('\n')[0].slice(0, 100)}`);
  let running = false;
  try { execFileSync(cfg.seurone, ['--home', D.home, 'status'], { stdio: 'ignore' }); running = true; } catch { running = false; }
  if (!running) {
    const dn = spawn(cfg.seurone, ['--home', D.home, 'run'], { stdio: ['ignore', 'ignore', fs.openSync(path.join(D.home, 'run.stderr'), 'w')] });
    children.push(dn);
  }
  const dId = await waitFor(() => { try { return cli(D, 'id').id; } catch { return null; } }, 10, 'D has its device key');
  const devRow = a.page.locator(`#device-list li.device[data-key="${dId}"]`);
  await waitFor(async () => (await devRow.count()) > 0 && (await devRow.locator('.badge').textContent()) === 'active', 40, 'A: the laptop appears in the list as active');
  ok('A: the paired laptop is listed, active, without a reload');
  checkEq(await a.page.locator('#device-code').count(), 0, 'A: the used code is no longer shown');
  check((await a.page.locator('#device-paired').textContent()).includes(`${DEVICE}” is now one of your devices`), 'A: the page says the laptop is now one of her devices');
  const rowText = await devRow.textContent();
  check(rowText.includes(DEVICE) && rowText.includes(dId.slice(0, 8)) && rowText.includes('Added'), `A: the row shows its name, short key and when it was added ("${rowText.slice(0, 80)}")`);
  await shot(a, 'a-devices-paired');
  // what the laptop writes is A's: on A's feed and on B's, as Aylin, "on laptop 💻"
  execFileSync(cfg.seurone, ['--home', D.home, 'publish', 'share', '--text', DEV_POST], { encoding: 'utf8' });
  await go(a, '#/feed');
  const aDev = a.page.locator('#feed-list > li', { hasText: DEV_POST }).first();
  await waitFor(async () => { if (!(await aDev.count())) await go(a, '#/feed'); return (await aDev.count()) > 0; }, 40, 'A: the laptop\'s share on A\'s feed');
  checkEq(await aDev.locator('a.who').first().textContent(), NAME_A, 'A: the laptop\'s share shows Aylin as its author');
  checkEq(await aDev.locator('.item-head .device').textContent(), `on ${DEVICE}`, 'A: and on which device');
  await shot(a, 'a-feed-device');
  const bDev = b.page.locator('#feed-list > li', { hasText: DEV_POST }).first();
  await waitFor(async () => { await go(b, '#/feed'); return (await bDev.count()) > 0; }, 60, 'B: the laptop\'s share reaches B, who follows Aylin');
  checkEq(await bDev.locator('a.who').first().textContent(), NAME_A, 'B: B sees one person: Aylin, not a new key');
  await go(b, `#/person/${A.id}`);
  check((await b.page.locator('#person-devices').textContent()).includes(DEVICE), 'B: Aylin\'s profile lists her laptop');
  await shot(b, 'b-person-devices');
  await go(b, `#/people?q=${encodeURIComponent('ayl')}`);
  await b.page.waitForSelector('#people-results a.who');
  checkEq((await b.page.locator('#people-results a.who').allTextContents()).filter((x) => x === NAME_A).length, 1, 'B: people search finds Aylin once, not her laptop');
  // the laptop's own page: it is Aylin's, and it neither adds nor revokes devices
  const dRun = JSON.parse(fs.readFileSync(path.join(D.home, 'run.json'), 'utf8'));
  const dNode = { name: 'D', url: String(dRun.web).replace(/\/$/, ''), token: fs.readFileSync(path.join(D.home, 'web.token'), 'utf8').trim() };
  const lap = await newPage(dNode);
  await login(lap);
  await lap.page.waitForSelector('#feed-list', { state: 'attached' });
  ok('D: the laptop\'s page opens on the feed (its person has a name), not on first start');
  await go(lap, '#/devices');
  check((await lap.page.locator('#device-not-first').textContent()).includes(`a device of ${NAME_A}`), 'D: its Devices page says it is a device of Aylin');
  checkEq(await lap.page.getByRole('button', { name: 'Add a device' }).count(), 0, 'D: a device has no "Add a device"');
  check((await lap.page.locator(`#device-list li[data-key="${dId}"]`).textContent()).includes('this computer'), 'D: the list marks this computer');
  checkEq(await lap.page.getByRole('button', { name: /^Revoke/ }).count(), 0, 'D: nor Revoke');
  await shot(lap, 'd-devices');
  await cspClean(lap, 'D\'s page');
  await lap.context.close();
  // revoke, with a confirmation
  await go(a, '#/devices');
  await devRow.getByRole('button', { name: `Revoke ${DEVICE}` }).click();
  const confirmText = await devRow.locator('.confirm').textContent();
  check(confirmText.includes('cannot be undone'), `A: Revoke asks first, saying what it does ("${confirmText.slice(0, 70)}...")`);
  await shot(a, 'a-devices-confirm');
  await devRow.getByRole('button', { name: `Yes, revoke ${DEVICE}` }).click();
  await waitFor(async () => (await devRow.locator('.badge').textContent()) === 'revoked', 15, 'A: the laptop is listed as revoked');
  ok('A: after the confirmation, the laptop is revoked');
  checkEq(await devRow.getByRole('button', { name: /^Revoke/ }).count(), 0, 'A: a revoked device has no Revoke button');
  const listed = cli(A, 'device', 'list').devices.find((x) => x.key === dId);
  checkEq(listed && listed.state, 'revoked', 'A: `seurone device list` says revoked too');
  await shot(a, 'a-devices-revoked');

  // ---------------------------------------------------------------- keyboard alone: Tab to the form, type, Enter
  // a whole new load (not a hash change): the keyboard starts at the top of the page
  await a.page.goto('about:blank');
  await a.page.goto(`${A.url}/#/feed`);
  await a.page.waitForSelector('#feed-list', { state: 'attached' });
  let tabs = 0;
  while (tabs < 40 && (await a.page.evaluate(() => document.activeElement && document.activeElement.id)) !== 'post-text') {
    await a.page.keyboard.press('Tab');
    tabs++;
  }
  check(tabs < 40, `keyboard: Tab reaches the share text field (${tabs} presses from the top)`);
  await a.page.keyboard.type(KEY_POST);
  let tabs2 = 0;
  while (tabs2 < 10 && !(await a.page.evaluate(() => document.activeElement.type === 'submit' && document.activeElement.closest('form.compose')))) {
    await a.page.keyboard.press('Tab');
    tabs2++;
  }
  check(tabs2 < 10, `keyboard: Tab reaches the Share button (${tabs2} more)`);
  const outline = await a.page.evaluate(() => { const s = getComputedStyle(document.activeElement); return `${s.outlineStyle} ${s.outlineWidth}`; });
  check(!outline.startsWith('none') && !outline.endsWith(' 0px'), `keyboard: the focused button shows a visible focus ring (${outline})`);
  await a.page.keyboard.press('Enter');
  await a.page.locator('#feed-list > li', { hasText: KEY_POST }).first().waitFor({ timeout: ms(10) });
  ok('keyboard: Enter on Share posts it: the share is on the feed');
  checkEq(await a.page.evaluate(() => document.activeElement.id), 'post-text', 'keyboard: focus returns to the text field after posting');
  // Space on a control: the Reshare toggle of the newest share
  const firstToggle = a.page.locator('#feed-list > li').first().getByRole('button', { name: 'Reshare', exact: true });
  await firstToggle.focus();
  await a.page.keyboard.press('Space');
  checkEq(await firstToggle.getAttribute('aria-expanded'), 'true', 'keyboard: Space on Reshare opens its form');
  await a.page.keyboard.press('Escape');
  checkEq(await firstToggle.getAttribute('aria-expanded'), 'false', 'keyboard: Escape closes it, focus back on the toggle');
  await shot(a, 'a-feed-keyboard');

  // ---------------------------------------------------------------- every page on a phone-sized screen
  const phone = await newPage(A, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await login(phone);
  for (const route of ['feed', 'people', `person/${B.id}`, 'projects', `project/${projectId}`, `flow/${reshareId}`, 'graph', 'node', 'share', 'join', 'start', 'devices']) {
    const page = route.split('/')[0];
    await go(phone, `#/${route}`);
    await phone.page.waitForTimeout(200);
    const [sw, cw] = await phone.page.evaluate(() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]);
    check(sw <= cw, `390x844: #/${page} has no horizontal scroll (${sw} <= ${cw})`);
    await shot(phone, `phone-${page}`);
  }
  await cspClean(phone, 'the phone page');

  // ---------------------------------------------------------------- French from the browser's languages
  const fr = await newPage(B, { locale: 'fr-FR' });
  await login(fr);
  await fr.page.waitForSelector('#feed-list', { state: 'attached' });
  checkEq(await fr.page.evaluate(() => document.documentElement.lang), 'fr', 'fr-FR browser: the page is in French (html lang)');
  checkEq(await h1(fr), 'Fil', 'fr-FR browser: the feed is titled "Fil"');
  checkEq(await fr.page.locator('#nav a').allTextContents().then((x) => x.join('|')), 'Fil|Personnes|Projets|Rejoindre|Mon adresse|Voisinage|Nœud|Appareils', 'fr-FR browser: the navigation in French');
  check((await fr.page.locator('#feed-list').textContent()).includes('Comment cela m’est-il parvenu'), 'fr-FR browser: item actions in French');
  await shot(fr, 'fr-feed');
  await go(fr, '#/node');
  await shot(fr, 'fr-node');
  await go(fr, '#/devices');
  checkEq(await h1(fr), 'Vos appareils', 'fr-FR browser: the Devices page in French');
  await shot(fr, 'fr-devices');
  await fr.context.close();

  // ---------------------------------------------------------------- the API refuses bad input, and the store does not change
  const before = storeSnapshot(A);
  note(`A's store before the bad requests: ${before.n} entries`);
  const api = a.page.request;
  const csrf = (await (await api.get('/api/session')).json()).csrf;
  check(/^[0-9a-f]{64}$/.test(csrf), 'the session gives a CSRF value');
  const expectErr = async (resp, status, code, what) => {
    checkEq(resp.status(), status, what);
    const j = await resp.json().catch(() => null);
    check(j && j.ok === false && typeof j.error === 'string' && j.error.length > 3 && (!code || j.code === code),
      `  ... with {"ok": false, "error": sentence${code ? `, "code": "${code}"` : ''}}${j ? `: ${j.code} "${String(j.error).slice(0, 70)}"` : ''}`);
  };
  const share = { type: 'share', text: 'must never be stored' };
  const anon = await pwRequest.newContext({ baseURL: A.url });
  await expectErr(await anon.get('/api/feed'), 401, 'SR_EAUTH', 'no cookie: GET /api/feed is 401');
  await expectErr(await anon.post('/api/publish', { data: share, headers: { 'X-Seurone-CSRF': csrf } }), 401, 'SR_EAUTH', 'no cookie: POST /api/publish is 401');
  await expectErr(await anon.get('/api/session', { headers: { Cookie: `sr_session=${'ab'.repeat(32)}` } }), 401, 'SR_EAUTH', 'a forged cookie is 401');
  const bearer = await pwRequest.newContext({ baseURL: A.url, extraHTTPHeaders: { Authorization: `Bearer ${A.token}` } });
  checkEq((await bearer.get('/api/id')).status(), 200, 'Authorization: Bearer TOKEN works for another client');
  await bearer.dispose();
  await anon.dispose();
  await expectErr(await api.post('/api/publish', { data: share }), 403, null, 'no CSRF header: 403');
  await expectErr(await api.post('/api/publish', { data: share, headers: { 'X-Seurone-CSRF': '0'.repeat(64) } }), 403, null, 'a wrong CSRF header: 403');
  await expectErr(await api.post('/api/publish', { data: share, headers: { 'X-Seurone-CSRF': csrf, Origin: 'http://evil.example' } }), 403, null, 'another Origin: 403');
  const H = { 'X-Seurone-CSRF': csrf };
  await expectErr(await api.post('/api/publish', { data: JSON.stringify(share), headers: { ...H, 'Content-Type': 'text/plain' } }), 415, null, 'Content-Type text/plain: 415');
  await expectErr(await api.post('/api/publish', { data: JSON.stringify({ type: 'share', text: 'x'.repeat(70000) }), headers: { ...H, 'Content-Type': 'application/json' } }), 413, null, 'a 70 KB body: 413');
  await expectErr(await api.post('/api/publish', { data: '{"type": "share", "text": ', headers: { ...H, 'Content-Type': 'application/json' } }), 400, null, 'bad JSON: 400');
  await expectErr(await api.post('/api/publish', { data: { type: 'share' }, headers: H }), 400, null, 'a share with neither text, link nor reshare: 400');
  await expectErr(await api.post('/api/publish', { data: { type: 'no-such-type', text: 'x' }, headers: H }), 400, null, 'an unknown entry type: 400');
  await expectErr(await api.post('/api/publish', { data: { type: 'contact', who: A.id, state: 'follow' }, headers: H }), 400, null, 'following oneself (refused as the CLI refuses it): 400');
  await expectErr(await api.post('/api/publish', { data: { type: 'about' }, headers: H }), 400, null, 'an about without a name: 400');
  await expectErr(await api.post('/api/invite/accept', { data: { code: 'seurone-invite:1:nope' }, headers: H }), 400, null, 'a malformed invite code: 400');
  const unknown = 'f'.repeat(63) + 'e';
  await expectErr(await api.get(`/api/person?id=${unknown}`), 404, 'SR_ENOTFOUND', 'an unknown person id: 404');
  await expectErr(await api.get(`/api/project?id=${unknown}`), 404, 'SR_ENOTFOUND', 'an unknown project id: 404');
  await expectErr(await api.get(`/api/flow/entry?id=${unknown}`), 404, 'SR_ENOTFOUND', 'an unknown entry id: 404');
  await expectErr(await api.get('/api/person?id=nobody-is-called-this'), 404, 'SR_ENOTFOUND', 'a name nobody has: 404');
  await expectErr(await api.get('/api/no-such-endpoint'), 404, null, 'an unknown API path: 404');
  await expectErr(await api.get('/api/publish'), 405, null, 'GET on a POST endpoint: 405');
  const after = storeSnapshot(A);
  checkEq(after.n, before.n, 'after every bad request, A\'s store holds the same number of entries');
  check(after.ids === before.ids, 'and the very same entries');

  // the headers every response carries
  const r = await api.get('/api/feed');
  const hd = r.headers();
  check(hd['content-security-policy'] && hd['content-security-policy'].includes("script-src 'self'") && hd['content-security-policy'].includes("default-src 'none'"), 'responses carry the strict Content-Security-Policy');
  checkEq(hd['x-content-type-options'], 'nosniff', 'X-Content-Type-Options');
  check((hd['cache-control'] || '').includes('no-store'), 'Cache-Control: no-store on /api/');
  // a Host header naming another host (DNS rebinding) is refused
  const u = new URL(A.url);
  const rebind = await new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/api/id', headers: { Host: `evil.example:${u.port}`, Authorization: `Bearer ${A.token}` } }, (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
  check(rebind === 421 || rebind === 403, `a foreign Host header is refused (${rebind})`);
  const stat = await (await api.get('/index.html')).headers();
  check((stat['content-security-policy'] || '').includes("default-src 'none'"), 'static files carry the CSP too');
  checkEq((await api.get('/../../etc/passwd')).status() >= 400, true, 'no file outside the web directory');

  // ---------------------------------------------------------------- unfollow, block, unblock; leave a project
  await go(a, `#/person/${B.id}`);
  const edge = (kind) => cli(A, 'graph').edges[kind].some(([s, d]) => s === A.id && d === B.id);
  await a.page.getByRole('button', { name: /^Unfollow/ }).click();
  await a.page.getByRole('button', { name: /^Follow/ }).waitFor();
  check(!(await a.page.locator('.badges').textContent()).includes('you follow') && !edge('follow'), 'A: Unfollow on B\'s profile: the badge and the follow edge are gone');
  await a.page.getByRole('button', { name: /^Block/ }).click();
  await a.page.getByRole('button', { name: /^Unblock/ }).waitFor();
  check((await a.page.locator('.badges').textContent()).includes('blocked') && edge('block'), 'A: Block: B\'s profile says blocked, A\'s store has the block edge');
  await a.page.getByRole('button', { name: /^Unblock/ }).click();
  await a.page.getByRole('button', { name: /^Follow/ }).waitFor();
  check(!(await a.page.locator('main').textContent()).includes('blocked') && !edge('block'), 'A: Unblock: no longer blocked');
  await a.page.getByRole('button', { name: /^Follow/ }).click();
  await a.page.getByRole('button', { name: /^Unfollow/ }).waitFor();
  check(edge('follow'), 'A: Follow again: the follow edge is back');
  await go(b, `#/project/${projectId}`);
  await b.page.getByRole('button', { name: /^Leave/ }).click();
  await b.page.waitForFunction((n) => !document.querySelector('#supporters').textContent.includes(n), NAME_B);
  check((await b.page.getByRole('button', { name: /^Support/ }).count()) === 1, 'B: Leave: B is no longer among the supporters, and may support again');

  check(problems.length === 0, `no page error, console error or failed static file in any page${problems.length ? `:\n  ${problems.join('\n  ')}` : ''}`);
  note(`${shots.length} screenshots in ${cfg.shots}: ${shots.join(', ')}`);
} catch (e) {
  failed = true;
  console.log(`\nFAIL ${e instanceof Failure ? e.message : e.stack}`);
  if (problems.length) console.log(`page problems seen:\n  ${problems.join('\n  ')}`);
  try {
    for (const ctx of browser.contexts()) for (const pg of ctx.pages()) await pg.screenshot({ path: path.join(cfg.shots, `failed-${browser.contexts().indexOf(ctx)}.png`), fullPage: true });
  } catch { /* best effort */ }
} finally {
  await browser.close();
  for (const ch of children) ch.kill('SIGTERM');
}
note(`story: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
