// The node's state: connected peers by name, whether a relay is reachable, how
// far a sync has come (entries received since start against what the store
// holds), entries in and out. Refreshed by the `status` events (every 5 s).
import { h, replace, actionButton, announce } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { nameOf, number, bytes, duration, localTime } from '../fmt.js';

function fact(k, v, id) {
  return [h('dt', null, k), h('dd', { id }, v)];
}

export async function render(main, route, ctx) {
  const peersBox = h('div', { id: 'peers' });
  const factsBox = h('dl', { class: 'facts', id: 'node-facts' });
  const relayBox = h('p', { id: 'relay-state', class: 'state' });
  const draw = async () => {
    const [st, peers] = await Promise.all([api.status(), api.peers()]);
    const table = Array.isArray(peers) ? peers : peers.peers || [];
    // The peer table holds the peers one can dial; a friend who dialled in has a
    // session (status.peers) but may have no row there: list both, by key.
    const byKey = new Map(table.map((p) => [p.key, { ...p }]));
    for (const sess of st.peers || []) {
      const row = byKey.get(sess.key) || { key: sess.key, name: sess.name || null, entries_in: 0, entries_out: 0, source: null };
      row.connected = true;
      row.session = sess;
      row.member = row.member || sess.member;
      byKey.set(sess.key, row);
    }
    const list = [...byKey.values()];
    await Promise.all(list.filter((p) => !p.name && p.connected).map((p) => api.person(p.key).then((x) => { p.name = x.name; }).catch(() => {})));
    const connected = list.filter((p) => p.connected);
    const relays = list.filter((p) => p.source === 'relay');
    const relayUp = relays.some((p) => p.connected);
    replace(relayBox, st.relay ? t('node.is_relay')
      : relays.length ? (relayUp ? t('node.relay_up') : t('node.relay_down')) : t('node.relay_none'));
    relayBox.className = `state ${st.relay || relayUp ? 'ok' : relays.length ? 'warn' : ''}`;
    const sessions = st.peers || [];
    const inSession = sessions.reduce((a, p) => a + (p.entries_in || 0), 0);
    const queued = sessions.reduce((a, p) => a + (p.queued_bytes || 0), 0);
    replace(factsBox,
      fact(t('node.running'), st.running ? t('node.running_for', { d: duration((st.uptime_s || 0) * 1000) }) : t('node.not_running')),
      fact(t('node.peers_connected'), number(connected.length), 'peers-connected'),
      fact(t('node.known_peers'), number(st.known_peers)),
      fact(t('node.entries_in'), number(st.entries_in), 'entries-in'),
      fact(t('node.entries_out'), number(st.entries_out), 'entries-out'),
      fact(t('node.sync'), [t('node.sync_text', { got: number(inSession), n: sessions.length }), ' ',
        queued ? t('node.sync_sending', { size: bytes(queued) }) : t('node.sync_idle')], 'sync'),
      fact(t('node.store'), t('node.store_text', { n: number(st.store_entries), size: bytes(st.store_bytes) })),
      st.pushsum && st.pushsum.size_estimate ? fact(t('node.network_size'), number(Math.round(st.pushsum.size_estimate))) : null);
    const rows = list.slice().sort((a, b) => (b.connected ? 1 : 0) - (a.connected ? 1 : 0));
    replace(peersBox, rows.length
      ? h('ul', { class: 'peers' }, rows.map((p) => h('li', { class: ['card peer', p.connected ? 'up' : 'down'] },
        h('div', { class: 'person-line' },
          h('span', { class: `dot ${p.connected ? 'up' : 'down'}`, 'aria-hidden': 'true' }),
          // a profile only for someone known by name; a relay or a stranger has none
          p.name ? h('a', { href: `#/person/${p.key}`, class: 'who', dir: 'auto' }, p.name) : h('span', { class: 'who' }, nameOf(null, p.key)), ' ',
          h('span', { class: 'badge' }, p.connected ? t('node.connected') : t('node.not_connected')),
          p.source === 'relay' ? h('span', { class: 'badge' }, t('node.relay')) : null,
          p.member ? h('span', { class: 'badge ok' }, t('node.member')) : null),
        h('p', { class: 'hint' },
          p.connected ? (p.connected_since ? t('node.peer_since', { when: localTime(p.connected_since) }) : t(`node.dir_${p.session && p.session.direction === 'inbound' ? 'in' : 'out'}`))
            : p.last_seen ? t('node.peer_seen', { when: localTime(p.last_seen) }) : t('node.peer_never'),
          ' · ', t('node.peer_io', { i: number(p.session ? p.session.entries_in : p.entries_in), o: number(p.session ? p.session.entries_out : p.entries_out) })),
        !p.name && p.address ? h('p', { class: 'hint mono' }, p.address.replace(/^seurone:\/\//, '').split('/')[0]) : null,
        !p.name && p.connected && p.source !== 'relay' ? h('div', { class: 'row' }, actionButton(t('node.follow_peer'), async () => {
          await api.contact(p.key, 'follow');
          announce(t('person.now_following'));
          await draw();
        }, { class: 'primary' })) : null)))
      : h('p', { class: 'empty' }, t('node.no_peers'), ' ', h('a', { href: '#/join' }, t('feed.empty_join'))));
  };
  replace(main,
    h('h1', { tabindex: '-1' }, t('node.title')),
    h('section', { class: 'card', 'aria-labelledby': 'state-h' },
      h('h2', { id: 'state-h' }, t('node.state_title')), relayBox, factsBox),
    h('section', { 'aria-labelledby': 'peers-h' }, h('h2', { id: 'peers-h' }, t('node.peers_title')), peersBox));
  await draw();
  let busy = false;
  const onStatus = async () => {
    // a redraw would take the keyboard focus away from a button in the page
    if (busy || peersBox.contains(document.activeElement)) return;
    busy = true;
    try { await draw(); } catch { /* the next status event tries again */ } finally { busy = false; }
  };
  ctx.events.addEventListener('status', onStatus);
  ctx.events.addEventListener('entry', onStatus);
  return () => { ctx.events.removeEventListener('status', onStatus); ctx.events.removeEventListener('entry', onStatus); };
}
