// Members (a relay only): the relay's members and its invites, with the same
// operations and names as the CLI (docs/api.md, "Members and invites"):
// `members` (GET /api/members), `members remove` (POST /api/members/remove,
// after a confirmation that says what it does), `invite list` (GET
// /api/invite/list), `invite revoke` (POST /api/invite/revoke, confirmed too)
// and `invite create --uses N --expires 7d` (POST /api/invite/create).
import { h, replace, announce, actionButton, clearError } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, number, bytes, localTime } from '../fmt.js';
import { copyBlock } from './share.js';

const keyShort = (k) => String(k || '').slice(0, 8);

// A button that opens a confirmation below it (Cancel, or the action): one
// place for remove and revoke.
function confirmed(label, ariaLabel, question, yesLabel, act) {
  const slot = h('div', { class: 'confirm-slot' });
  const btn = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', 'aria-label': ariaLabel }, label);
  btn.addEventListener('click', () => {
    if (slot.firstChild) { replace(slot); btn.setAttribute('aria-expanded', 'false'); return; }
    const cancel = h('button', { type: 'button' }, t('common.cancel'));
    const yes = actionButton(yesLabel, act, { class: 'danger primary-danger' });
    cancel.addEventListener('click', () => { replace(slot); btn.setAttribute('aria-expanded', 'false'); btn.focus(); });
    replace(slot, h('div', { class: 'confirm', role: 'group', 'aria-label': ariaLabel },
      h('p', { class: 'warn' }, question), h('div', { class: 'row' }, yes, cancel)));
    btn.setAttribute('aria-expanded', 'true');
    yes.focus();
  });
  return [h('div', { class: 'row actions' }, btn), slot];
}

function memberRow(m, onChange) {
  const name = nameOf(m.name, m.key);
  const facts = [
    t('members.disk', { size: bytes(m.disk_bytes), n: number(m.entries) }),
    m.connected ? t('members.connected') : m.last_seen_ms ? t('members.seen', { when: localTime(m.last_seen_ms) }) : t('members.never_seen'),
    t('members.joined', { when: localTime(m.joined_ms) }),
    m.invite ? t('members.invite', { id: m.invite }) : t('members.invite_unknown'),
  ];
  return h('li', { class: 'member', 'data-key': m.key },
    h('div', { class: 'person-line' },
      h('span', { class: 'who', dir: 'auto' }, name), ' ',
      h('span', { class: 'mono key', title: m.key }, keyShort(m.key)),
      m.connected ? [' ', h('span', { class: 'badge ok' }, t('node.connected'))] : null),
    h('p', { class: 'hint' }, facts.join(' · ')),
    confirmed(t('members.remove'), t('members.remove_label', { name }), t('members.remove_confirm', { name }),
      t('members.remove_yes', { name }), async () => {
        await api.memberRemove(m.key);
        announce(t('members.removed', { name }));
        await onChange();
      }));
}

function inviteRow(i, onChange) {
  const who = (i.members || []).map((m) => nameOf(m.name, m.key) + (m.removed ? ` (${t('members.was_removed')})` : ''));
  const facts = [
    t('invites.left', { n: number(i.uses_left) }),
    t('invites.created', { when: localTime(i.created_ms) }),
    i.expires_ms ? t('invites.expires', { when: localTime(i.expires_ms) }) : t('invites.never'),
  ];
  const ended = i.state === 'revoked' || i.state === 'expired';
  return h('li', { class: 'invite', 'data-id': i.id },
    h('div', { class: 'person-line' },
      h('span', { class: 'mono' }, i.id), ' ',
      h('span', { class: i.state === 'active' ? 'badge ok' : ended ? 'badge bad' : 'badge' }, t(`invites.state_${i.state.replace(' ', '_')}`))),
    h('p', { class: 'hint' }, facts.join(' · ')),
    h('p', { class: 'hint', dir: 'auto' }, who.length ? t('invites.used_by', { who: who.join(', ') }) : t('invites.unused')),
    i.state === 'revoked' ? null
      : confirmed(t('invites.revoke'), t('invites.revoke_label', { id: i.id }), t('invites.revoke_confirm', { id: i.id }),
        t('invites.revoke_yes'), async () => {
          await api.inviteRevoke(i.id);
          announce(t('invites.revoked', { id: i.id }));
          await onChange();
        }));
}

export async function render(main, route, ctx) {
  if (!ctx.session.relay) {
    replace(main, h('h1', { tabindex: '-1' }, t('members.title')), h('p', { class: 'card' }, t('members.not_relay')));
    return null;
  }
  const membersBox = h('div', { id: 'member-list' });
  const invitesBox = h('div', { id: 'invite-list' });
  const codeSlot = h('div', { id: 'invite-new-slot', 'aria-live': 'polite' });
  async function refresh() {
    const [m, i] = await Promise.all([api.members(), api.inviteList()]);
    const members = m.members || [];
    const invites = (i.invites || []).slice().sort((a, b) => b.created_ms - a.created_ms);
    replace(membersBox, members.length
      ? h('ul', { class: 'members', 'aria-label': t('members.list_title') }, members.map((x) => memberRow(x, refresh)))
      : h('p', { class: 'empty' }, t('members.none')));
    replace(invitesBox, invites.length
      ? h('ul', { class: 'invites', 'aria-label': t('invites.list_title') }, invites.map((x) => inviteRow(x, refresh)))
      : h('p', { class: 'empty' }, t('invites.none')));
  }

  const uses = h('input', { id: 'invite-new-uses', type: 'number', min: 1, max: 1000, value: 1, inputmode: 'numeric' });
  const expiry = h('select', { id: 'invite-new-expires' },
    ['1h', '1d', '7d', '30d', 'never'].map((v) => h('option', { value: v, selected: v === '7d' ? '' : null }, t(`invites.exp_${v}`))));
  const create = actionButton(t('share.invite_create'), async () => {
    let r;
    try {
      r = await api.inviteCreate(Math.max(1, Math.min(1000, Number(uses.value) || 1)), expiry.value);
    } catch (e) {
      replace(codeSlot, h('p', { class: 'warn', dir: 'auto' }, e.sentence || String(e)));
      throw e;
    }
    clearError();
    replace(codeSlot, copyBlock('invite-new-code', t('share.invite_code'), r.code, t('share.invite_qr_alt')),
      h('p', { class: 'hint', id: 'invite-new-facts' }, t('invites.made', {
        id: r.id, n: number(r.uses), when: r.expires_ms ? localTime(r.expires_ms) : t('invites.never'),
      })));
    announce(t('share.invite_made'));
    await refresh();
  }, { class: 'primary', id: 'invite-new' });

  replace(main,
    h('h1', { tabindex: '-1' }, t('members.title')),
    h('p', null, t('members.intro')),
    h('section', { class: 'card', 'aria-labelledby': 'mem-h' }, h('h2', { id: 'mem-h' }, t('members.list_title')), membersBox),
    h('section', { class: 'card', 'aria-labelledby': 'inv-list-h' },
      h('h2', { id: 'inv-list-h' }, t('invites.list_title')),
      h('div', { class: 'row' },
        h('label', { for: 'invite-new-uses', class: 'inline' }, t('share.invite_uses_label')), uses,
        h('label', { for: 'invite-new-expires', class: 'inline' }, t('invites.expires_label')), expiry, create),
      codeSlot, invitesBox));
  await refresh();
  // a member connecting or going, a new member's entries: the status event (every 5 s)
  let busy = false;
  const onStatus = async () => {
    // a redraw would take the keyboard focus away from a button in the lists
    if (busy || main.querySelector('.confirm') || membersBox.contains(document.activeElement) || invitesBox.contains(document.activeElement)) return;
    busy = true;
    try { await refresh(); } catch { /* the next event tries again */ } finally { busy = false; }
  };
  ctx.events.addEventListener('status', onStatus);
  return () => ctx.events.removeEventListener('status', onStatus);
}
