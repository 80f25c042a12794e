/* title.js: the title view (contract item 2, docs/dashboard.md): the shot timeline,
 * the candidates considered, the chosen variants in every shape with why, and the
 * cast with their faces. The dashboard's title page renders the model it fetches;
 * `keyart analyze --report` embeds the same model in report.html with this file, and
 * the bottom of this file renders it there (no server, images as data: URIs). */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

KA.SHAPES = ['16x9', '2x3', '1x1'];

KA.variantAlt = function (v, shape) {
  const what = `${KA.words(v.scene_type)} scene, ${KA.words(v.composition)}`;
  return `variant ${v.variant_number}${shape ? ` (${shape} crop)` : ''}: ${what}`;
};

function duration(m) {
  const last = m.shots && m.shots.length ? m.shots[m.shots.length - 1].end_s : 0;
  return Math.max((m.title && m.title.duration_s) || 0, last, 0.001);
}

function transitionText(t) {
  return t === 'start' ? 'the start' : `a ${KA.words(t)}`;
}

/* The shots as an SVG band: one group per shot, its boundary marked by how it
 * begins (cut: a line; fade: a dark wedge; dissolve: a hatched span), and the
 * candidates as ticks below it (the chosen ones taller, with their number). */
KA.shotTimeline = function (m) {
  const S = KA.svg, W = 1000, H = 74, total = duration(m), fps = (m.title && m.title.fps) || 0;
  const x = (s) => (W * s) / total;
  const svg = S('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'timeline',
                         'data-testid': 'shot-timeline', preserveAspectRatio: 'none' });
  svg.append(S('title', {}, `Timeline of ${m.shots.length} shots over ${KA.num(total, 1)} s`));
  for (const s of m.shots) {
    const t = s.transition_in || 'cut';
    const g = S('g', { 'data-testid': 'shot', 'data-transition': t,
                       class: `shot t-${t} ${s.index % 2 ? 'odd' : 'even'}` });
    g.append(S('title', {}, `shot ${s.index + 1}: ${KA.num(s.start_s)}–${KA.num(s.end_s)} s, ` +
                            `after ${transitionText(t)}`));
    g.append(S('rect', { x: x(s.start_s), y: 4, width: Math.max(x(s.end_s) - x(s.start_s), 0.5),
                         height: 40, class: 'span' }));
    /* a gradual transition is drawn over the frames it took, at least 8 units wide */
    const x0 = x(s.start_s), sp = s.transition_span;
    let a = x0 - 6, b = x0 + 6;
    if (sp && fps) { a = x(sp[0] / fps); b = Math.max(x((sp[1] + 1) / fps), a + 8); }
    if (t === 'cut') g.append(S('line', { x1: x0, x2: x0, y1: 0, y2: 48, class: 'mark cut' }));
    if (t === 'fade')
      g.append(S('polygon', { points: `${a},4 ${b},4 ${(a + b) / 2},44`, class: 'mark fade' }));
    if (t === 'dissolve')
      g.append(S('rect', { x: a, y: 4, width: b - a, height: 40, class: 'mark dissolve' }));
    svg.append(g);
  }
  for (const c of m.candidates || []) {
    const chosen = c.variant_number !== null && c.variant_number !== undefined;
    svg.append(S('line', { x1: x(c.time_s), x2: x(c.time_s), y1: 50, y2: chosen ? 66 : 56,
                           class: chosen ? 'cand chosen' : 'cand' }));
    if (chosen)
      svg.append(S('text', { x: x(c.time_s) + 2, y: 73, class: 'cand-label' }, c.variant_number));
  }
  return svg;
};

function shotTable(m) {
  const h = KA.h;
  return h('details', {}, h('summary', {}, `Shot list (${m.shots.length})`),
    h('table.data', {},
      h('thead', {}, h('tr', {}, ['Shot', 'Start (s)', 'End (s)', 'Begins with'].map((c) =>
        h('th', { scope: 'col' }, c)))),
      h('tbody', {}, m.shots.map((s) => h('tr', {},
        h('td', {}, s.index + 1), h('td', {}, KA.num(s.start_s)), h('td', {}, KA.num(s.end_s)),
        h('td', {}, KA.words(s.transition_in)))))));
}

function legend() {
  const h = KA.h;
  return h('ul.legend', {}, [['cut', 'cut'], ['fade', 'fade'], ['dissolve', 'dissolve'],
                             ['chosen', 'candidate chosen as a variant']].map(([k, t]) =>
    h('li', {}, h(`span.swatch.key-${k}`, { 'aria-hidden': 'true' }), t)));
}

function partsTable(v) {
  const h = KA.h, parts = (v.reason && v.reason.quality_parts) || {};
  const rows = Object.entries(parts).filter(([, p]) => p && typeof p === 'object');
  if (!rows.length) return null;
  return h('table.data.parts', {},
    h('caption', {}, 'Quality score breakdown'),
    h('thead', {}, h('tr', {}, ['Part', 'Value', 'Weight', 'Adds'].map((c) =>
      h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map(([name, p]) => h('tr', {},
      h('th', { scope: 'row' }, KA.words(name)), h('td', {}, KA.num(p.value)),
      h('td', {}, KA.num(p.weight)),
      h('td', {}, h('meter', { min: 0, max: 0.4, value: p.contribution || 0,
                               'aria-label': `${name} adds ${KA.num(p.contribution, 3)}` }),
        ' ', KA.num(p.contribution, 3))))));
}

function facts(pairs) {
  const h = KA.h;
  return h('dl.facts', {}, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function controls(v, opts) {
  if (!opts.onControl) return null;
  const h = KA.h, n = v.variant_number;
  const pin = h('button', { type: 'button', 'data-testid': 'pin-button', 'data-variant': n,
                            'aria-pressed': v.pinned ? 'true' : 'false',
                            onclick: () => opts.onControl(v.pinned ? 'unpin' : 'pin', v) },
                v.pinned ? `Unpin variant ${n}` : `Pin variant ${n} as default`);
  const ex = h('button', { type: 'button', 'data-testid': 'exclude-button', 'data-variant': n,
                           'aria-pressed': v.excluded ? 'true' : 'false',
                           onclick: () => opts.onControl(v.excluded ? 'include' : 'exclude', v) },
               v.excluded ? `Include variant ${n}` : `Exclude variant ${n}`);
  return h('div.actions', {}, pin, ex);
}

KA.variantCard = function (v, opts) {
  const h = KA.h, u = v.urls || {}, r = v.reason || {}, n = v.variant_number;
  const chars = (v.characters || []).join(', ') || 'none named';
  return h('article.variant', { 'data-testid': 'variant', 'data-variant': n,
                                'aria-labelledby': `variant-${n}` },
    h('h3', { id: `variant-${n}` }, `Variant ${n}`,
      v.pinned ? h('span.badge.pinned', {}, 'pinned') : null,
      v.excluded ? h('span.badge.excluded', {}, 'excluded') : null),
    u.full ? h('img.full', { src: u.full, alt: KA.variantAlt(v), loading: 'lazy' }) : null,
    h('ul.shapes', { 'aria-label': `variant ${n} in each shape` }, KA.SHAPES.map((s) =>
      u[s] ? h('li', {}, h('figure', {}, h(`img.shape-${s}`, { src: u[s], alt: KA.variantAlt(v, s),
                                                                loading: 'lazy' }),
                          h('figcaption', {}, s))) : null)),
    facts([['Scene type', KA.words(v.scene_type)], ['Composition', KA.words(v.composition)],
           ['Characters', chars], ['Time', `${KA.num(v.time_s)} s (shot ${(v.shot ?? -1) + 1})`],
           ['Slot', KA.words(r.slot)], ['Quality', KA.num(v.quality_score)],
           ['Appeal', v.appeal ? KA.num(v.appeal.score) : null],
           ['Relevance', KA.num(r.relevance)], ['Diversity penalty', KA.num(r.diversity_penalty)],
           ['Score', KA.num(r.score)]]),
    partsTable(v),
    r.text ? h('p.reason', {}, h('strong', {}, 'Why: '), r.text) : null,
    controls(v, opts));
};

function candidateList(m) {
  const h = KA.h, cands = m.candidates || [];
  return h('table.data.cands', {},
    h('caption', {}, `${cands.length} candidate frames considered`),
    h('thead', {}, h('tr', {}, ['Frame', '#', 'Time (s)', 'Shot', 'Quality', 'Appeal', 'Chosen']
      .map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, cands.map((c) => h('tr', { class: c.variant_number ? 'chosen' : null },
      h('td', {}, c.image ? h('img.thumb', { src: c.image, loading: 'lazy',
                                             alt: `candidate ${c.index} at ${KA.num(c.time_s)} s` })
                          : '–'),
      h('td', {}, c.index), h('td', {}, KA.num(c.time_s)), h('td', {}, (c.shot ?? -1) + 1),
      h('td', {}, KA.num(c.quality_score)), h('td', {}, KA.num(c.appeal)),
      h('td', {}, c.variant_number ? `variant ${c.variant_number}` : '')))));
}

/* Where a face can be seen: its candidate frame, or else the chosen variant's picture
 * of that frame, placed at the content area it was cut from. */
function faceSource(m, f) {
  const t = m.title || {}, a = t.content_area;
  const cand = (m.candidates || []).find((c) => c.index === f.candidate_index);
  const full = { x: 0, y: 0, w: t.width || 1, h: t.height || 1 };
  const v = cand && cand.variant_number &&
    (m.variants || []).find((x) => x.variant_number === cand.variant_number);
  const vsrc = v && v.urls ? v.urls.full : null;
  const src = f.image || (cand && cand.image) || vsrc;
  if (!src) return null;
  /* a variant's picture is the frame without its bars */
  return { src, place: src === vsrc && a && a.w ? a : full };
}

/* A face's box, [x, y, w, h] as every box in docs/json.md ({x, y, w, h} is read too). */
function boxOf(f) {
  const b = f.box;
  if (Array.isArray(b) && b.length === 4) return { x: b[0], y: b[1], w: b[2], h: b[3] };
  return b && typeof b === 'object' ? b : null;
}

/* A face cut from its picture by the SVG's viewBox (with a margin), so that neither a
 * server nor a canvas has to crop it. */
function faceView(who, f, at) {
  const b = boxOf(f), p = at.place, label = `${who} at ${KA.num(f.time_s, 1)} s`;
  const pad = Math.max(b.w, b.h) * 0.25, side = Math.max(b.w, b.h) + 2 * pad;
  /* centred on the face, moved inside the picture when it would show past an edge */
  const inside = (v, lo, len) => Math.max(lo, Math.min(v, lo + len - side));
  const vx = inside(b.x + b.w / 2 - side / 2, p.x, p.w), vy = inside(b.y + b.h / 2 - side / 2, p.y, p.h);
  const svg = KA.svg('svg', { viewBox: `${vx} ${vy} ${side} ${side}`, role: 'img',
                              'aria-label': label, class: 'face-img' },
    KA.svg('image', { href: at.src, x: p.x, y: p.y, width: p.w, height: p.h,
                      preserveAspectRatio: 'none' }));
  return KA.h('li.face', {}, svg, KA.h('span', {}, `${KA.num(f.time_s, 1)} s`));
}

function castMember(m, c, role) {
  const h = KA.h, shown = [], others = [];
  for (const f of c.faces || []) {
    const b = boxOf(f), at = b && b.w > 0 ? faceSource(m, f) : null;
    if (at && shown.length < 12) shown.push(faceView(c.name, f, at));
    else others.push(`${KA.num(f.time_s, 1)} s`);
  }
  return h('li', {},
    h('h3', {}, c.name, ' ', h('span.role', {}, `(${KA.words(role)})`)),
    shown.length ? h('ul.faces', { 'aria-label': `faces of ${c.name}` }, shown) : null,
    others.length ? h('p.small', {}, `${shown.length ? 'Also seen' : 'Seen'} at ${others.join(', ')}`) : null);
}

function castList(m) {
  const cast = m.cast || [], known = (m.title && m.title.characters) || [];
  if (!cast.length) return KA.h('p', {}, 'No characters were found.');
  const role = (c) => (c.role && c.role !== 'unknown' ? c.role
    : (known.find((k) => k.name === c.name) || {}).role || c.role);
  return KA.h('ul.cast', {}, cast.map((c) => castMember(m, c, role(c))));
}

function pinnedText(m) {
  const id = m.controls && m.controls.pinned;
  if (!id) return 'none: the policies choose';
  const v = (m.variants || []).find((x) => x.variant_id === id);
  return v ? `variant ${v.variant_number}, shown to everyone` : id;
}

function summary(m, live) {
  const t = m.title || {};
  return facts([['Genre', t.genre], ['Duration', t.duration_s ? `${KA.num(t.duration_s, 1)} s` : null],
                ['Shots', (m.shots || []).length], ['Candidates', (m.candidates || []).length],
                ['Variants', (m.variants || []).length],
                ['Pinned', live ? pinnedText(m) : null]]);
}

/* Renders model m into root. opts.onControl(action, variant): the buttons' handler
 * (the dashboard); without it (the offline report) there are no buttons. */
KA.renderTitle = function (m, root, opts = {}) {
  const h = KA.h;
  root.replaceChildren(h('div.title-page', { 'data-testid': 'title-page' },
    h('h1', {}, m.title_id || (m.title && m.title.title_id)),
    summary(m, !!opts.onControl),
    h('section', { 'aria-labelledby': 'h-shots' },
      h('h2', { id: 'h-shots' }, 'Shots'),
      m.shots ? [KA.shotTimeline(m), legend(), shotTable(m)]
              : h('p', {}, 'The shot list is not available from this server.')),
    h('section', { 'aria-labelledby': 'h-variants' },
      h('h2', { id: 'h-variants' }, 'Chosen variants'),
      h('div.variants', {}, (m.variants || []).map((v) => KA.variantCard(v, opts)))),
    m.cast ? h('section', { 'aria-labelledby': 'h-cast' },
      h('h2', { id: 'h-cast' }, 'Cast'), castList(m)) : null,
    m.candidates ? h('section', { 'aria-labelledby': 'h-cands' },
      h('h2', { id: 'h-cands' }, 'Candidates considered'), candidateList(m)) : null));
};

/* The offline report: the model is embedded in the page. */
(function () {
  const data = document.getElementById('keyart-model');
  if (!data) return;
  const root = document.getElementById('app');
  KA.renderTitle(JSON.parse(data.textContent), root, {});
  root.setAttribute('data-ready', 'true');
})();
})();
