// "How did this reach me": one share's cascade (GET /api/flow/entry): the tree
// of reshares from the original, drawn as a picture, and how far and how fast
// it travelled to this node.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, duration, localTime, number, shortKey } from '../fmt.js';
import { cascadeSvg } from '../draw.js';
import { seenItems, renderItem } from '../item.js';

function count(n) {
  let c = 1;
  let depth = 0;
  for (const ch of n.children || []) { const r = count(ch); c += r.c; depth = Math.max(depth, r.depth + 1); }
  return { c, depth };
}
function latest(n) {
  let m = n.ts;
  for (const ch of n.children || []) m = Math.max(m, latest(ch));
  return m;
}

export async function render(main, route) {
  const id = route.args[0];
  const f = await api.flow(id);
  const root = f.cascade || { id: f.id, author: f.author, author_name: null, ts: f.ts, hops: f.hops, children: [] };
  const size = count(root);
  let fromName = null;
  if (f.from) fromName = await api.person(f.from).then((p) => p.name).catch(() => null);
  const item = seenItems.get(id);
  const facts = [
    [t('flow.arrived'), f.source === 'self' ? t('flow.self') : localTime(f.received_at)],
    [t('flow.latency'), f.source === 'self' ? '—' : duration(f.latency_ms ?? (f.received_at - f.ts))],
    [t('flow.hops'), f.hops === null || f.hops === undefined ? '—' : number(f.hops)],
    [t('flow.from'), f.from ? nameOf(fromName, f.from) : (f.source === 'import' ? t('flow.imported') : '—')],
    [t('flow.reach'), number(typeof f.reach === 'object' && f.reach ? f.reach.people ?? f.reach.count : f.reach)],
    [t('flow.reshares'), number(size.c - 1)],
    [t('flow.generations'), number(size.depth)],
    [t('flow.spread'), duration(latest(root) - root.ts)],
  ];
  replace(main,
    h('h1', { tabindex: '-1' }, t('flow.title')),
    item ? h('div', { class: 'quoted' }, renderItem(item)) : null,
    h('section', { class: 'card', 'aria-labelledby': 'casc-h' },
      h('h2', { id: 'casc-h' }, t('flow.cascade_title', { name: nameOf(root.author_name, root.author) })),
      h('p', { class: 'hint' }, t('flow.cascade_hint')),
      h('div', { class: 'picture-wrap' }, cascadeSvg(root, { focus: id, title: t('flow.picture_title') }))),
    h('section', { class: 'card', 'aria-labelledby': 'facts-h' },
      h('h2', { id: 'facts-h' }, t('flow.facts_title')),
      h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', { dir: 'auto' }, v)])),
      h('p', { class: 'hint' }, t('flow.entry', { id: shortKey(f.id) }))));
}
