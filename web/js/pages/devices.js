// Devices: one person on several machines (docs/api.md, "Devices"). The same
// operations with the same names as the CLI: `device list` (GET /api/devices),
// `device add` (POST /api/devices/add: a one-time code, shown as text with Copy
// and as a QR code, with how long it works and what to type on the new
// machine) and `device revoke` (POST /api/devices/revoke, after a confirmation
// that says what it does and that it cannot be undone).
import { h, replace, announce, actionButton, clearError } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, localTime, duration } from '../fmt.js';
import { copyBlock } from './share.js';

// The short form of a device's key: enough to tell two devices named alike apart.
const keyShort = (k) => String(k || '').slice(0, 8);

// active | revoked | pending: certified here, its own first entry not arrived yet
export function deviceState(d) {
  return d.state === 'revoked' ? 'revoked' : d.bound === false ? 'pending' : 'active';
}

function stateBadge(d) {
  const st = deviceState(d);
  return h('span', { class: st === 'revoked' ? 'badge bad' : st === 'active' ? 'badge ok' : 'badge' }, t(`devices.state_${st}`));
}

// One device of the list: its name, key, when it was added, its state, and
// (on the first device, while it is active) Revoke with a confirmation.
function deviceRow(d, canRevoke, onChange) {
  const name = d.name || t('devices.unnamed');
  const slot = h('div', { class: 'confirm-slot' });
  let revoke = null;
  if (canRevoke && d.state !== 'revoked') {
    revoke = h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', 'aria-label': t('devices.revoke_label', { name }) }, t('devices.revoke'));
    revoke.addEventListener('click', () => {
      if (slot.firstChild) { replace(slot); revoke.setAttribute('aria-expanded', 'false'); return; }
      const cancel = h('button', { type: 'button' }, t('common.cancel'));
      const yes = actionButton(t('devices.revoke_yes', { name }), async () => {
        const r = await api.deviceRevoke(d.key);
        announce(t('devices.revoked_done', { name }));
        await onChange(r);
      }, { class: 'danger primary-danger' });
      cancel.addEventListener('click', () => { replace(slot); revoke.setAttribute('aria-expanded', 'false'); revoke.focus(); });
      replace(slot, h('div', { class: 'confirm', role: 'group', 'aria-label': t('devices.revoke_label', { name }) },
        h('p', { class: 'warn' }, t('devices.revoke_confirm', { name })),
        h('div', { class: 'row' }, yes, cancel)));
      revoke.setAttribute('aria-expanded', 'true');
      yes.focus();
    });
  }
  const facts = [t('devices.added', { when: localTime(d.added_ms) })];
  if (d.last_ts) facts.push(t('devices.last_entry', { when: localTime(d.last_ts) }));
  if (d.state === 'revoked') facts.push(t('devices.revoked_upto'));
  return h('li', { class: 'device', 'data-key': d.key },
    h('div', { class: 'person-line' },
      h('span', { class: 'who', dir: 'auto' }, name), ' ',
      h('span', { class: 'mono key', title: d.key }, keyShort(d.key)), ' ', stateBadge(d),
      d.this ? [' ', h('span', { class: 'badge self' }, t('devices.this'))] : null),
    h('p', { class: 'hint' }, facts.join(' · ')),
    deviceState(d) === 'pending' ? h('p', { class: 'hint' }, t('devices.pending_hint')) : null,
    revoke ? h('div', { class: 'row actions' }, revoke) : null,
    slot);
}

export async function render(main, route, ctx) {
  const listBox = h('div', { id: 'device-list' });
  const addSlot = h('div', { id: 'device-code-slot', 'aria-live': 'polite' });
  let doc = null;

  const drawList = () => {
    const devs = doc.devices || [];
    replace(listBox, devs.length
      ? h('ul', { class: 'devices', 'aria-label': t('devices.list_title') }, devs.map((d) => deviceRow(d, !doc.self_device, refresh)))
      : h('p', { class: 'empty' }, t(doc.self_device ? 'devices.none_here' : 'devices.none')));
  };
  // the keys listed when a code was shown: a new one is the device that used it
  let before = null;
  async function refresh() {
    doc = await api.devices();
    drawList();
    const fresh = before && (doc.devices || []).find((d) => !before.has(d.key));
    if (fresh) {
      before = null;
      replace(addSlot, h('p', { class: 'ok', id: 'device-paired' }, t('devices.paired', { name: fresh.name || t('devices.unnamed') })));
      announce(addSlot.textContent);
    }
  }

  const name = h('input', { id: 'device-name', type: 'text', maxlength: 64, autocomplete: 'off', dir: 'auto', 'aria-describedby': 'device-name-hint' });
  const add = actionButton(t('devices.add'), async () => {
    let r;
    try {
      r = await api.deviceAdd(name.value.trim());
    } catch (e) {
      // said where the button is, not only at the top of the page
      replace(addSlot, h('p', { class: 'warn', dir: 'auto' }, e.sentence || String(e)));
      throw e;
    }
    clearError();
    const left = Math.max(0, Number(r.expires_ms) - Date.now());
    const line = `seurone device join ${r.code}`;
    const lineStatus = h('span', { class: 'copied', 'aria-live': 'polite' });
    const linePre = h('pre', { class: 'code', dir: 'ltr', id: 'device-join-line' }, line);
    const copyLine = actionButton(t('devices.copy_line'), async () => {
      try {
        await navigator.clipboard.writeText(line);
        lineStatus.textContent = t('share.copied');
      } catch {
        // no clipboard here: select the line, Ctrl+C copies it
        const range = document.createRange();
        range.selectNodeContents(linePre);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        lineStatus.textContent = t('share.copy_select');
      }
    });
    replace(addSlot,
      h('p', { class: 'ok' }, r.name ? t('devices.code_made_for', { name: r.name }) : t('devices.code_made')),
      h('p', { class: 'expiry', id: 'device-code-expiry' }, t('devices.code_expires', { when: localTime(r.expires_ms), d: duration(left) })),
      copyBlock('device-code', t('devices.code_label'), r.code, t('devices.code_qr_alt')),
      h('h3', null, t('devices.on_new_title')),
      h('ol', { class: 'steps' },
        h('li', null, t('devices.on_new_1')),
        h('li', null, t('devices.on_new_2'), linePre, h('div', { class: 'row' }, copyLine, lineStatus)),
        h('li', null, t('devices.on_new_3'))));
    name.value = '';
    announce(t('devices.code_made'));
    await refresh();
    before = new Set((doc.devices || []).map((d) => d.key));
  }, { class: 'primary', id: 'device-add' });

  doc = await api.devices();
  const me = nameOf(ctx.session.name, ctx.session.id);
  replace(main,
    h('h1', { tabindex: '-1' }, t('devices.title')),
    h('p', null, t('devices.intro', { name: me })),
    !doc.self_device ? null : h('p', { class: 'card warn', id: 'device-not-first' }, t('devices.not_first', { name: nameOf(doc.person_name, doc.person) })),
    h('section', { class: 'card', 'aria-labelledby': 'dev-list-h' },
      h('h2', { id: 'dev-list-h' }, t('devices.list_title')), listBox),
    !doc.self_device ? h('section', { class: 'card', 'aria-labelledby': 'dev-add-h' },
      h('h2', { id: 'dev-add-h' }, t('devices.add_title')),
      h('p', null, t('devices.add_intro')),
      h('label', { for: 'device-name' }, t('devices.name_label')), name,
      h('p', { class: 'hint', id: 'device-name-hint' }, t('devices.name_hint')),
      h('div', { class: 'row' }, add),
      addSlot) : null);
  drawList();
  // a device that joins, or a revocation made elsewhere, arrives as an entry;
  // the status event (every 5 s) catches what came while a redraw ran
  let busy = false;
  let again = false;
  const onChange = async () => {
    // a redraw would take the keyboard focus away from a button in the list
    if (listBox.contains(document.activeElement)) return;
    if (busy) { again = true; return; }
    busy = true;
    try {
      do { again = false; await refresh(); } while (again);
    } catch { /* the next event tries again */ } finally { busy = false; }
  };
  ctx.events.addEventListener('entry', onChange);
  ctx.events.addEventListener('status', onChange);
  return () => { ctx.events.removeEventListener('entry', onChange); ctx.events.removeEventListener('status', onChange); };
}
