// app.js: the web app's entry. Loads the catalogue and the session, draws the
// navigation, routes #/... to a page module, and keeps one EventSource to the
// node (/api/events) whose events pages listen to on ctx.events.
import { h, replace, clearError, showError } from './js/dom.js';
import { api, setCsrf, setAuthLost } from './js/api.js';
import { initI18n, t, translateStatic } from './js/i18n.js';

const pages = {
  start: () => import('./js/pages/start.js'),
  feed: () => import('./js/pages/feed.js'),
  join: () => import('./js/pages/join.js'),
  share: () => import('./js/pages/share.js'),
  people: () => import('./js/pages/people.js'),
  person: () => import('./js/pages/person.js'),
  projects: () => import('./js/pages/projects.js'),
  project: () => import('./js/pages/project.js'),
  flow: () => import('./js/pages/flow.js'),
  graph: () => import('./js/pages/graph.js'),
  node: () => import('./js/pages/node.js'),
  devices: () => import('./js/pages/devices.js'),
  members: () => import('./js/pages/members.js'),
};
const NAV = ['feed', 'people', 'projects', 'join', 'share', 'graph', 'node', 'devices'];

// booting: true until the first page is drawn (feed.js then takes the preloaded first page)
const ctx = { session: null, events: new EventTarget(), lang: 'en', booting: true };
let cleanup = null;
let first = true;
let generation = 0;

export function parseHash(hash) {
  const raw = String(hash || '').replace(/^#\/?/, '');
  const [path, query] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: parts[0] || 'feed', args: parts.slice(1), query: new URLSearchParams(query || '') };
}

function drawNav(active) {
  const nav = document.getElementById('nav');
  const signedUp = ctx.session && (ctx.session.name || ctx.session.relay);
  // a relay's operator also manages its members and invites
  const items = ctx.session && ctx.session.relay ? [...NAV, 'members'] : NAV;
  replace(nav, signedUp ? h('ul', null, items.map((p) => h('li', null,
    h('a', { href: `#/${p}`, 'aria-current': p === active ? 'page' : null }, t(`nav.${p}`))))) : null);
}

function needLogin() {
  drawNav(null);
  const main = document.getElementById('main');
  replace(main, h('section', { class: 'card login' },
    h('h1', { tabindex: '-1' }, t('login.title')),
    h('p', null, t('login.body')),
    h('pre', { class: 'code' }, 'seurone ui')));
  document.title = t('login.title');
}

function connectEvents() {
  if (ctx.source) return;
  const es = new EventSource('/api/events');
  ctx.source = es;
  for (const type of ['entry', 'status']) {
    es.addEventListener(type, (ev) => {
      let data = null;
      try { data = JSON.parse(ev.data); } catch { return; }
      ctx.events.dispatchEvent(new CustomEvent(type, { detail: data }));
    });
  }
  es.addEventListener('open', () => ctx.events.dispatchEvent(new CustomEvent('open')));
}

export async function refreshSession() {
  ctx.session = await api.session();
  setCsrf(ctx.session.csrf);
  return ctx.session;
}
ctx.refreshSession = refreshSession;
ctx.go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

async function route() {
  const gen = ++generation;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  clearError();
  let { page, args, query } = parseHash(location.hash);
  if (!ctx.session) return needLogin();
  // a person's node starts with a name; a relay may serve without one
  if (!ctx.session.name && !ctx.session.relay && page !== 'start') page = 'start';
  if (!pages[page]) page = 'feed';
  drawNav(page === 'person' ? 'people' : page === 'project' ? 'projects' : page);
  const main = document.getElementById('main');
  main.setAttribute('aria-busy', 'true');
  try {
    const mod = await pages[page]();
    if (gen !== generation) return;
    const c = await mod.render(main, { args, query }, ctx);
    if (gen !== generation) { if (typeof c === 'function') c(); return; }
    cleanup = typeof c === 'function' ? c : null;
  } catch (e) {
    if (gen !== generation) return;
    if (e && e.status === 401) return needLogin();
    replace(main, h('section', { class: 'card' }, h('h1', { tabindex: '-1' }, t('error.page_title')),
      h('p', { dir: 'auto', class: 'warn' }, (e && e.sentence) || String(e)),
      h('div', { class: 'row' }, h('button', { type: 'button', class: 'primary', onclick: () => route() }, t('error.retry')))));
    if (!e || !e.sentence) console.error(e);
  } finally {
    if (gen === generation) main.removeAttribute('aria-busy');
  }
  const h1 = main.querySelector('h1');
  document.title = h1 ? `${h1.textContent} · Seurone` : 'Seurone';
  // after a navigation, a screen reader and the keyboard start at the new page's title
  if (!first && h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: false }); }
  first = false;
  ctx.booting = false;
  performance.mark(`sr:page:${page}`);
}

async function boot() {
  performance.mark('sr:boot');
  setAuthLost(() => { ctx.session = null; });
  // the catalogue and the session at once: neither waits for the other
  const session = refreshSession().catch((e) => e);
  ctx.lang = await initI18n(session.then((s) => (s && s.lang_hint) || null));
  translateStatic();
  const s = await session;
  if (s instanceof Error) {
    if (s.status !== 401) showError(s);
    ctx.session = null;
  }
  if (ctx.session) connectEvents();
  window.addEventListener('hashchange', route);
  await route();
}

boot();
