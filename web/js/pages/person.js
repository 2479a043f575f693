// A person's profile: name, bio, how one is related to them, follow / unfollow /
// block, their projects and latest shares, and a link to their neighbourhood.
import { h, replace, announce, actionButton } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, number } from '../fmt.js';
import { renderList } from '../item.js';
import { deviceState } from './devices.js';

export function badges(p) {
  const b = [];
  if (p.self) b.push(h('span', { class: 'badge self' }, t('person.is_you')));
  if (p.following) b.push(h('span', { class: 'badge' }, t('person.following')));
  if (p.follows_me) b.push(h('span', { class: 'badge' }, t('person.follows_you')));
  if (p.blocked) b.push(h('span', { class: 'badge bad' }, t('person.blocked')));
  // someone is followed, but this node holds nothing they wrote: say so, with why in the title
  if (!p.self && p.log_held === false) b.push(h('span', { class: 'badge unheld', title: t('person.log_not_held_why') }, t('person.log_not_held')));
  return b.length ? h('span', { class: 'badges' }, b) : null;
}

// Follow / unfollow / block / unblock (an unfollow contact lifts a block).
export function personActions(p, onChange) {
  if (p.self) return null;
  const name = nameOf(p.name, p.id);
  const act = (state, label, done, cls) => actionButton(label, async () => {
    await api.contact(p.id, state);
    announce(t(done, { name }));
    await onChange();
  }, { class: cls, 'aria-label': `${label}: ${name}` });
  const out = [];
  if (p.blocked) out.push(act('unfollow', t('person.unblock'), 'person.done_unblock'));
  else if (p.following) out.push(act('unfollow', t('person.unfollow'), 'person.done_unfollow'));
  else out.push(act('follow', t('person.follow'), 'person.done_follow', 'primary'));
  if (!p.blocked) out.push(act('block', t('person.block'), 'person.done_block', 'danger'));
  return h('div', { class: 'row actions' }, out);
}

// The person's devices (one person, several keys): their names and state; on
// one's own profile, a link to the Devices page that adds and revokes them.
function devicesCard(p) {
  const devs = p.devices || [];
  if (!devs.length) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'pd-h', id: 'person-devices' },
    h('h2', { id: 'pd-h' }, t('person.devices')),
    h('p', { class: 'hint' }, t('person.devices_intro')),
    h('ul', { class: 'plain' }, devs.map((d) => h('li', { 'data-key': d.key },
      h('span', { dir: 'auto' }, d.name || t('devices.unnamed')), ' ',
      h('span', { class: 'mono hint', title: d.key }, d.key.slice(0, 8)), ' ',
      h('span', { class: deviceState(d) === 'revoked' ? 'badge bad' : 'badge' }, t(`devices.state_${deviceState(d)}`))))),
    p.self ? h('p', { class: 'links' }, h('a', { href: '#/devices' }, t('person.manage_devices'))) : null);
}

export async function render(main, route, ctx) {
  const id = route.args[0] || ctx.session.id;
  const draw = async () => {
    const p = await api.person(id);
    const name = nameOf(p.name, p.id);
    replace(main,
      h('section', { class: 'card profile', 'aria-labelledby': 'person-h' },
        h('h1', { id: 'person-h', tabindex: '-1', dir: 'auto' }, name),
        badges(p),
        p.bio ? h('p', { class: 'bio', dir: 'auto' }, p.bio) : null,
        h('p', { class: 'counts' },
          t('person.following_count', { n: number(p.following_count) }), ' · ',
          t('person.followers_count', { n: number(p.followers_count) })),
        personActions(p, draw),
        h('p', { class: 'links' },
          h('a', { href: `#/graph/${p.id}` }, t('person.neighbourhood')),
          p.self ? [' · ', h('a', { href: '#/start' }, t('person.edit'))] : null)),
      devicesCard(p),
      h('section', { class: 'card', 'aria-labelledby': 'pp-h' },
        h('h2', { id: 'pp-h' }, t('person.projects')),
        p.projects && p.projects.length
          ? h('ul', { class: 'plain' }, p.projects.map((pr) => h('li', null,
            h('a', { href: `#/project/${pr.id}`, dir: 'auto' }, nameOf(pr.name, pr.id)), ' ',
            h('span', { class: 'badge' }, t(`role.${pr.role}`)))))
          : h('p', { class: 'empty' }, t('person.no_projects'))),
      h('section', { 'aria-labelledby': 'ps-h' },
        h('h2', { id: 'ps-h' }, t('person.shares')),
        renderList(p.shares, { label: t('person.shares'), empty: t('person.no_shares'), onChange: draw })));
  };
  await draw();
}
