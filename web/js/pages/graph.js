// A person's neighbourhood in the graph (GET /api/neighbourhood): the people
// and projects within one or two steps, as a picture; a node opens its page.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf } from '../fmt.js';
import { graphSvg } from '../draw.js';

export async function render(main, route, ctx) {
  const id = route.args[0] || ctx.session.id;
  const depth = route.query.get('depth') === '1' ? 1 : 2;
  const g = await api.neighbourhood(id, depth);
  const center = (g.nodes || []).find((n) => n.id === g.center) || { id: g.center, name: null, self: g.center === ctx.session.id };
  const name = nameOf(center.name, center.id);
  const people = g.nodes.filter((n) => n.kind !== 'project' && n.id !== g.center);
  const near = people.filter((n) => n.distance === 1).map((n) => nameOf(n.name, n.id));
  const desc = t('graph.desc', { name, n: people.length, near: near.slice(0, 12).join(', ') });
  const depthLink = (d) => h('a', { href: `#/graph/${id}?depth=${d}`, 'aria-current': d === depth ? 'page' : null, class: 'chip' }, t(`graph.depth${d}`));
  const kinds = new Set((g.edges || []).map((e) => e.kind));
  const legend = [['follow', t('graph.kind_follow')], ['block', t('graph.kind_block')], ['member', t('graph.kind_member')], ['supporter', t('graph.kind_supporter')]]
    .filter(([k]) => kinds.has(k));
  replace(main,
    h('h1', { tabindex: '-1', dir: 'auto' }, center.self ? t('graph.title_self') : t('graph.title', { name })),
    h('section', { class: 'card' },
      h('nav', { class: 'row chips', 'aria-label': t('graph.depth') }, depthLink(1), depthLink(2)),
      g.nodes.length > 1
        ? h('div', { class: 'picture-wrap' }, graphSvg(g, { title: t('graph.picture_title', { name }), desc }))
        : h('p', { class: 'empty' }, t('graph.alone')),
      legend.length ? h('ul', { class: 'legend', 'aria-label': t('graph.legend') }, legend.map(([k, label]) =>
        h('li', null, h('span', { class: `swatch ${k}`, 'aria-hidden': 'true' }), label))) : null,
      h('p', { class: 'hint' }, t('graph.hint'))));
}
