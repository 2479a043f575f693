// A project: what it is, who is in it (members, supporters), its shares, and
// joining as member or supporter, or leaving (a membership entry).
import { h, replace, announce, actionButton } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, number } from '../fmt.js';
import { renderList } from '../item.js';

export function tags(p) {
  return p.tags && p.tags.length
    ? h('ul', { class: 'tags', 'aria-label': t('project.tags') }, p.tags.map((tg) => h('li', { dir: 'auto' }, tg)))
    : null;
}

export function roleActions(p, onChange) {
  const name = nameOf(p.name, p.id);
  const act = (role, label, cls) => actionButton(label, async () => {
    await api.membership(p.id, role);
    announce(t(`project.done_${role}`, { name }));
    await onChange();
  }, { class: cls, 'aria-label': `${label}: ${name}` });
  const r = p.my_role;
  const out = [];
  if (r !== 'member') out.push(act('member', t('project.join_member'), 'primary'));
  if (r !== 'supporter') out.push(act('supporter', t('project.join_supporter'), r === 'member' ? null : 'primary'));
  if (r === 'member' || r === 'supporter') out.push(act('left', t('project.leave'), 'danger'));
  return h('div', { class: 'row actions' },
    r && r !== 'left' ? h('span', { class: 'badge self' }, t('project.my_role', { role: t(`role.${r}`) })) : null, out);
}

function people(list, empty) {
  return list && list.length
    ? h('ul', { class: 'plain names' }, list.map((m) => h('li', null, h('a', { href: `#/person/${m.id}`, dir: 'auto' }, nameOf(m.name, m.id)))))
    : h('p', { class: 'empty' }, empty);
}

export async function render(main, route) {
  const id = route.args[0];
  const draw = async () => {
    const p = await api.project(id);
    replace(main,
      h('section', { class: 'card project-card', 'aria-labelledby': 'proj-h' },
        h('h1', { id: 'proj-h', tabindex: '-1', dir: 'auto' }, nameOf(p.name, p.id)),
        h('p', { class: 'by' }, t('project.by'), ' ',
          h('a', { href: `#/person/${p.author}`, dir: 'auto' }, nameOf(p.author_name, p.author))),
        p.description ? h('p', { class: 'desc', dir: 'auto' }, p.description) : null,
        tags(p),
        p.url && /^https?:\/\//i.test(p.url) ? h('p', null, h('a', { href: p.url, rel: 'noopener noreferrer nofollow', target: '_blank' }, p.url)) : null,
        roleActions(p, draw),
        h('p', null, h('a', { href: `#/feed?project=${p.id}` }, t('project.post_here')))),
      h('div', { class: 'two' },
        h('section', { class: 'card', 'aria-labelledby': 'mem-h', id: 'members' },
          h('h2', { id: 'mem-h' }, t('project.members', { n: number(p.members) })),
          people(p.member_list, t('project.no_members'))),
        h('section', { class: 'card', 'aria-labelledby': 'sup-h', id: 'supporters' },
          h('h2', { id: 'sup-h' }, t('project.supporters', { n: number(p.supporters) })),
          people(p.supporter_list, t('project.no_supporters')))),
      h('section', { 'aria-labelledby': 'psh-h' },
        h('h2', { id: 'psh-h' }, t('project.shares')),
        renderList(p.shares, { label: t('project.shares'), empty: t('project.no_shares'), onChange: draw })));
  };
  await draw();
}
