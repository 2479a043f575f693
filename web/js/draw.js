// draw.js: the two pictures, as SVG built with createElementNS (no markup
// strings): a share's cascade as a tree (who reshared it from whom, hops and the
// time since the original), and a neighbourhood as a graph laid out by a small
// force simulation seeded on rings by distance.
import { s } from './dom.js';
import { nameOf, duration } from './fmt.js';
import { t } from './i18n.js';

// cut by code points, never inside an emoji's surrogate pair
const clip = (str, n) => { const c = [...str]; return c.length > n ? `${c.slice(0, n - 1).join('')}…` : str; };

// ---- cascade -------------------------------------------------------------
// Tidy layout: leaves get consecutive columns, a parent sits over the middle of
// its children; one row per reshare generation.
function layoutTree(root) {
  let col = 0;
  let depthMax = 0;
  const nodes = [];
  const walk = (n, depth, parent) => {
    const me = { n, depth, parent, kids: [] };
    nodes.push(me);
    depthMax = Math.max(depthMax, depth);
    const ch = (n.children || []).slice().sort((a, b) => a.ts - b.ts);
    for (const c of ch) me.kids.push(walk(c, depth + 1, me));
    me.col = me.kids.length ? (me.kids[0].col + me.kids[me.kids.length - 1].col) / 2 : col++;
    return me;
  };
  walk(root, 0, null);
  return { nodes, cols: Math.max(col, 1), rows: depthMax + 1 };
}

export function cascadeSvg(root, opts = {}) {
  const { nodes, cols, rows } = layoutTree(root);
  const colW = 140;
  const rowH = 150;
  const pad = 20;
  const W = Math.max(cols * colW, 280);
  const H = (rows - 1) * rowH + 2 * pad + 80;
  const x = (n) => (cols === 1 ? W / 2 : colW / 2 + (n.col * (W - colW)) / Math.max(cols - 1, 1));
  const y = (n) => pad + 20 + n.depth * rowH;
  const t0 = root.ts;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'picture cascade', role: 'img', 'aria-labelledby': 'cascade-title cascade-desc' });
  svg.append(s('title', { id: 'cascade-title' }, opts.title || t('flow.picture_title')));
  const words = nodes.map((m) => (m.parent
    ? t('flow.words_reshare', { name: nameOf(m.n.author_name, m.n.author), from: nameOf(m.parent.n.author_name, m.parent.n.author), after: duration(m.n.ts - t0), hops: m.n.hops ?? '?' })
    : t('flow.words_root', { name: nameOf(m.n.author_name, m.n.author) })));
  svg.append(s('desc', { id: 'cascade-desc' }, words.join(' ')));
  svg.append(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0 0L10 5L0 10z', class: 'arrowhead' }))));
  const edges = s('g', { class: 'edges' });
  const dots = s('g', { class: 'nodes' });
  nodes.forEach((m, i) => {
    if (m.parent) {
      // from below the parent's two lines of text to above the child's circle
      const x1 = x(m.parent); const y1 = y(m.parent) + 62; const x2 = x(m); const y2 = y(m) - 18;
      const my = (y1 + y2) / 2;
      edges.append(s('path', { d: `M${x1} ${y1}C${x1} ${my} ${x2} ${my} ${x2} ${y2}`, class: 'edge', 'marker-end': 'url(#arrow)' }));
      const lx = (x1 + x2) / 2;
      edges.append(s('text', { x: lx + (x2 >= x1 ? 8 : -8), y: my + 4, class: 'edge-label', 'text-anchor': x2 >= x1 ? 'start' : 'end' }, `+${duration(m.n.ts - t0)}`));
    }
    const name = clip(nameOf(m.n.author_name, m.n.author), 16);
    const g = s('g', { class: ['node', m.parent ? '' : 'root', m.n.id === opts.focus ? 'focus' : ''], transform: `translate(${x(m)} ${y(m)})` },
      s('circle', { r: m.parent ? 14 : 17 }),
      s('text', { y: 36, class: 'name', 'text-anchor': 'middle' }, name),
      s('text', { y: 52, class: 'sub', 'text-anchor': 'middle' },
        m.parent ? t('flow.node_sub', { n: m.n.hops ?? '?' }) : t('flow.node_root')));
    dots.append(s('a', { href: `#/flow/${m.n.id}`, 'aria-label': words[i] }, g));
  });
  svg.append(edges, dots);
  return svg;
}

// ---- neighbourhood -------------------------------------------------------
export function layoutGraph(nodes, edges, size, iterations = 240) {
  const byId = new Map(nodes.map((n, i) => [n.id, i]));
  const E = edges.map((e) => [byId.get(e.src), byId.get(e.dst)]).filter(([a, b]) => a !== undefined && b !== undefined && a !== b);
  // rings grow with the number of people, so that two friends are not drawn
  // as two dots far apart nor 150 as a crowd
  const r1 = Math.min(size / 2 - 40, 70 + 18 * Math.sqrt(nodes.length));
  // at least 110 px a step, so that a friend's circle, label and arrow are not
  // drawn against the centre's when there are only a few people
  const ring = (d) => (d <= 0 ? 0 : Math.max(110, r1 / 1.6) * Math.min(d, 3));
  // seed: rings by distance, angles spread evenly (a fixed order: same picture each time)
  const byDist = new Map();
  nodes.forEach((n, i) => { const d = n.distance ?? 1; if (!byDist.has(d)) byDist.set(d, []); byDist.get(d).push(i); });
  const P = nodes.map(() => ({ x: 0, y: 0, vx: 0, vy: 0 }));
  for (const [d, list] of byDist) {
    list.forEach((i, k) => {
      const a = (2 * Math.PI * k) / list.length + d * 0.7;
      P[i].x = ring(d) * Math.cos(a);
      P[i].y = ring(d) * Math.sin(a);
    });
  }
  const k = Math.max(30, r1 / Math.sqrt(Math.max(1, nodes.length / 6)));
  for (let it = 0; it < iterations; it++) {
    const temp = 1 - it / iterations;
    for (let i = 0; i < P.length; i++) {
      for (let j = i + 1; j < P.length; j++) {
        let dx = P[i].x - P[j].x; let dy = P[i].y - P[j].y;
        let d2 = dx * dx + dy * dy;
        if (d2 < 0.01) { dx = (i - j) * 0.1; dy = 0.1; d2 = 0.02; }
        const f = (k * k) / d2;
        P[i].vx += dx * f * 0.05; P[i].vy += dy * f * 0.05;
        P[j].vx -= dx * f * 0.05; P[j].vy -= dy * f * 0.05;
      }
    }
    for (const [a, b] of E) {
      const dx = P[a].x - P[b].x; const dy = P[a].y - P[b].y;
      const d = Math.sqrt(dx * dx + dy * dy) || 1;
      const f = ((d - k) / d) * 0.08;
      P[a].vx -= dx * f; P[a].vy -= dy * f;
      P[b].vx += dx * f; P[b].vy += dy * f;
    }
    nodes.forEach((n, i) => {
      const v = Math.sqrt(P[i].vx ** 2 + P[i].vy ** 2);
      const cap = 12 * temp + 0.5;
      if (v > cap) { P[i].vx *= cap / v; P[i].vy *= cap / v; }
      P[i].x += P[i].vx; P[i].y += P[i].vy;
      P[i].vx *= 0.5; P[i].vy *= 0.5;
      // back onto the node's ring: the forces choose the angle, the distance
      // from the centre is the distance in the graph
      const want = ring(n.distance ?? 1);
      const r = Math.sqrt(P[i].x ** 2 + P[i].y ** 2);
      if (want === 0) { P[i].x = 0; P[i].y = 0; } else if (r < 1e-6) { P[i].x = want; P[i].y = 0; } else { P[i].x *= want / r; P[i].y *= want / r; }
    });
  }
  return P;
}

export function graphSvg(data, opts = {}) {
  const nodes = data.nodes || [];
  const size = 640;
  const P = layoutGraph(nodes, data.edges || [], size);
  const byId = new Map(nodes.map((n, i) => [n.id, i]));
  let minX = -60; let maxX = 60; let minY = -60; let maxY = 60;
  for (const p of P) { minX = Math.min(minX, p.x); maxX = Math.max(maxX, p.x); minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
  const m = 70;
  const vw = maxX - minX + 2 * m;
  const vh = maxY - minY + 2 * m;
  const svg = s('svg', { viewBox: `${minX - m} ${minY - m} ${vw} ${vh}`, width: Math.round(vw), height: Math.round(vh), class: 'picture graph', role: 'img', 'aria-labelledby': 'graph-title graph-desc' });
  svg.append(s('title', { id: 'graph-title' }, opts.title || t('graph.picture_title')));
  svg.append(s('desc', { id: 'graph-desc' }, opts.desc || ''));
  svg.append(s('defs', null, s('marker', { id: 'garrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
    s('path', { d: 'M0 0L10 5L0 10z', class: 'arrowhead' }))));
  const eg = s('g', { class: 'edges' });
  for (const e of data.edges || []) {
    const a = byId.get(e.src); const b = byId.get(e.dst);
    if (a === undefined || b === undefined || a === b) continue;
    const dx = P[b].x - P[a].x; const dy = P[b].y - P[a].y;
    const d = Math.sqrt(dx * dx + dy * dy) || 1;
    const rb = nodes[b].kind === 'project' ? 11 : 10;
    const ra = nodes[a].distance === 0 ? 16 : 10;
    eg.append(s('line', { x1: P[a].x + (dx / d) * (ra + 2), y1: P[a].y + (dy / d) * (ra + 2), x2: P[b].x - (dx / d) * (rb + 2), y2: P[b].y - (dy / d) * (rb + 2), class: `edge ${e.kind}`, 'marker-end': e.kind === 'follow' || e.kind === 'block' ? 'url(#garrow)' : null }));
  }
  const ng = s('g', { class: 'nodes' });
  const labelAll = nodes.length <= 40;
  nodes.forEach((n, i) => {
    const isProject = n.kind === 'project';
    const unheld = !isProject && n.log_held === false; // only known as a key someone follows
    const plain = nameOf(n.name, n.id);
    const name = plain + (unheld ? ` (${t('person.log_not_held')})` : '');
    const shape = isProject
      ? s('rect', { x: -10, y: -10, width: 20, height: 20, rx: 4 })
      : s('circle', { r: n.distance === 0 ? 16 : 10 });
    const label = labelAll || n.distance <= 1 ? s('text', { y: (n.distance === 0 ? 16 : 10) + 15, 'text-anchor': 'middle', class: 'name' }, clip(plain, 16)) : null;
    const g = s('g', { class: ['node', `d${Math.min(n.distance ?? 1, 3)}`, n.self ? 'self' : '', isProject ? 'project' : '', unheld ? 'unheld' : '', n.id === data.center ? 'center' : ''], transform: `translate(${P[i].x.toFixed(1)} ${P[i].y.toFixed(1)})` },
      s('title', null, name), shape, label);
    const href = isProject ? `#/project/${n.id}` : `#/person/${n.id}`;
    ng.append(s('a', { href, 'aria-label': t(isProject ? 'graph.node_project' : 'graph.node_person', { name, d: n.distance ?? '?' }) }, g));
  });
  svg.append(eg, ng);
  return svg;
}
