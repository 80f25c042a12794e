/* charts.js: the experiment report's two charts, drawn as SVG with no library: lines
 * (cumulative CTR per arm per day) and grouped bars (impressions per arm per day).
 * Each chart has a title and a description for screen readers, and a table of the
 * same numbers sits beside it in the page. */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

KA.CHART = { w: 640, h: 240, left: 52, right: 12, top: 12, bottom: 36 };
KA.ARM_CLASSES = 6;             /* style.css colours .arm-0 .. .arm-5 */

/* Round steps for an axis from 0 to max. */
KA.ticks = function (max, n = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(v);
  if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
  return out;
};

function frame(title, desc, days, ticks, fmt) {
  const c = KA.CHART, S = KA.svg;
  const svg = S('svg', { viewBox: `0 0 ${c.w} ${c.h}`, role: 'img', class: 'chart',
                         'aria-labelledby': null });
  svg.append(S('title', {}, title), S('desc', {}, desc));
  const top = ticks[ticks.length - 1] || 1;
  const y = (v) => c.top + (c.h - c.top - c.bottom) * (1 - v / top);
  for (const t of ticks) {
    svg.append(S('line', { x1: c.left, x2: c.w - c.right, y1: y(t), y2: y(t), class: 'grid' }),
               S('text', { x: c.left - 6, y: y(t) + 4, class: 'axis', 'text-anchor': 'end' }, fmt(t)));
  }
  const n = Math.max(days.length, 1), band = (c.w - c.left - c.right) / n;
  const step = Math.ceil(n / 8);
  days.forEach((d, i) => {
    if (i % step === 0)
      svg.append(S('text', { x: c.left + band * (i + 0.5), y: c.h - c.bottom + 16,
                             class: 'axis', 'text-anchor': 'middle' }, d.slice(5)));
  });
  return { svg, y, band };
}

/* series: [{name, values: [number|null per day]}] */
KA.lineChart = function (title, days, series, fmt) {
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v !== null)));
  const f = frame(title, `${series.map((s) => s.name).join(', ')} over ${days.length} days`,
                  days, KA.ticks(max), fmt);
  const c = KA.CHART;
  series.forEach((s, k) => {
    const pts = [];
    s.values.forEach((v, i) => {
      if (v !== null) pts.push([c.left + f.band * (i + 0.5), f.y(v)]);
    });
    const cls = `arm-${k % KA.ARM_CLASSES}`;
    if (pts.length > 1)
      f.svg.append(KA.svg('polyline', { points: pts.map((p) => p.join(',')).join(' '),
                                        class: `line ${cls}` }));
    for (const [x, y] of pts)
      f.svg.append(KA.svg('circle', { cx: x, cy: y, r: 3, class: `dot ${cls}` }));
  });
  return f.svg;
};

KA.barChart = function (title, days, series, fmt) {
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  const f = frame(title, `${series.map((s) => s.name).join(', ')} over ${days.length} days`,
                  days, KA.ticks(max), fmt);
  const c = KA.CHART, bw = (f.band * 0.8) / Math.max(series.length, 1);
  series.forEach((s, k) => {
    s.values.forEach((v, i) => {
      const x = c.left + f.band * (i + 0.1) + bw * k;
      f.svg.append(KA.svg('rect', { x, y: f.y(v), width: Math.max(bw - 1, 1),
                                    height: f.y(0) - f.y(v), class: `bar arm-${k % KA.ARM_CLASSES}` }));
    });
  });
  return f.svg;
};

KA.legend = function (names) {
  return KA.h('ul.legend', {}, names.map((n, k) =>
    KA.h('li', {}, KA.h(`span.swatch.arm-${k % KA.ARM_CLASSES}`, { 'aria-hidden': 'true' }), n)));
};
})();
