/* experiments.js: the experiments' list, the form that creates one (arms that show a
 * variant or let a policy choose, their traffic split, the metric to read), start and
 * stop, and the report: per-arm metrics with intervals, chance to beat control, the
 * sample-ratio check, and charts of cumulative CTR and daily impressions. */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

KA.METRICS = ['ctr', 'take_rate', 'completion_rate', 'skip_rate', 'dwell_s'];
const METRIC_NAMES = { ctr: 'CTR', take_rate: 'take rate', completion_rate: 'completion rate',
                       skip_rate: 'skip rate', dwell_s: 'dwell time' };
const metricName = (m) => METRIC_NAMES[m] || KA.words(m);

KA.experiments = async function (root) {
  const h = KA.h, page = await KA.get('/v1/experiments?limit=100');
  const rows = page.experiments.map((x) => h('tr', {},
    h('th', { scope: 'row' }, h('a', { href: `#/experiments/${KA.enc(x.name)}` }, x.name)),
    h('td', {}, x.status), h('td', {}, ((x.config && x.config.arms) || []).map((a) => a.name).join(', ')),
    h('td', {}, x.started_at ? new Date(x.started_at * 1000).toISOString().slice(0, 16).replace('T', ' ') : '–')));
  root.replaceChildren(h('h1', {}, 'Experiments'),
    h('p', {}, h('a.button', { href: '#/experiments/new' }, 'New experiment')),
    rows.length ? h('table.data', {}, h('caption', {}, `${rows.length} experiments`),
      h('thead', {}, h('tr', {}, ['Name', 'Status', 'Arms', 'Started (UTC)'].map((c) =>
        h('th', { scope: 'col' }, c)))), h('tbody', {}, rows))
      : h('p', {}, 'No experiments yet.'),
    page.next ? h('p', {}, 'More experiments exist than are shown here.') : null);
};

/* ---- the create form ---- */

function field(id, label, input, hint) {
  input.id = id;
  return KA.h('div.field', {}, KA.h('label', { for: id }, label), input,
              hint ? KA.h('small', { id: `${id}-hint` }, hint) : null);
}

function armRow(k, policies) {
  const h = KA.h, fs = h('fieldset.arm', { 'data-arm': k });
  const kind = h('select', { name: 'kind' }, h('option', { value: 'policy' }, 'a policy chooses'),
                 h('option', { value: 'variant' }, 'a fixed variant'));
  const policy = h('select', { name: 'policy' },
    policies.map((p) => h('option', { value: p.name }, `${p.name}${p.description ? ' – ' + p.description : ''}`)));
  const variant = h('input', { name: 'variant', type: 'number', min: 1, max: 99, value: k + 1 });
  const pf = field(`arm${k}-policy`, 'Policy', policy), vf = field(`arm${k}-variant`, 'Variant number', variant);
  vf.hidden = true;
  kind.addEventListener('change', () => { pf.hidden = kind.value !== 'policy'; vf.hidden = !pf.hidden; });
  fs.append(h('legend', {}, k === 0 ? `Arm ${k + 1} (control)` : `Arm ${k + 1}`),
    field(`arm${k}-name`, 'Name', h('input', { name: 'name', required: true, value: k === 0 ? 'control' : `arm${k + 1}`,
                                               pattern: '[\\w.\\-]+' })),
    field(`arm${k}-kind`, 'Shows', kind), pf, vf,
    field(`arm${k}-weight`, 'Traffic share', h('input', { name: 'weight', type: 'number', min: 0, step: 'any', value: 1 }),
          'relative weight: 1 and 1 split traffic half and half'));
  return fs;
}

function armsOf(form) {
  return [...form.querySelectorAll('fieldset.arm')].map((fs) => {
    const v = (n) => fs.querySelector(`[name=${n}]`).value;
    const arm = { name: v('name'), weight: Number(v('weight')) };
    if (v('kind') === 'policy') arm.policy = v('policy');
    else arm.variant_number = Number(v('variant'));
    return arm;
  });
}

KA.experimentNew = async function (root) {
  const h = KA.h;
  let policies = [];
  try { policies = (await KA.get('/v1/policies')).policies; } catch (e) {
    policies = [{ name: 'thompson' }, { name: 'epsilon' }, { name: 'default' }];
  }
  const arms = h('div.arms', {}, armRow(0, policies), armRow(1, policies));
  const metric = h('select', { name: 'metric' }, KA.METRICS.map((m) => h('option', { value: m }, metricName(m))));
  const form = h('form.exp', { 'data-testid': 'experiment-form', novalidate: false },
    field('exp-name', 'Name', h('input', { name: 'name', required: true, pattern: '[\\w.\\-]+' }),
          'letters, digits, dot, dash, underscore'),
    field('exp-titles', 'Titles (comma separated; empty: every title)', h('input', { name: 'titles' })),
    field('exp-metric', 'Metric the report leads with', metric),
    arms,
    h('p', {}, h('button', { type: 'button', onclick: () => {
      const k = arms.children.length;
      if (k < 32) { arms.append(armRow(k, policies)); arms.lastChild.querySelector('input').focus(); }
    } }, 'Add an arm')),
    h('p', {}, h('button.primary', { type: 'submit' }, 'Create experiment')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = form.querySelector('[name=name]').value.trim();
    const titles = form.querySelector('[name=titles]').value.split(',').map((s) => s.trim()).filter(Boolean);
    const body = { name, arms: armsOf(form), metric: metric.value };
    if (titles.length) body.titles = titles;
    try {
      await KA.post('/v1/experiments', body);
      KA.announce(`Experiment ${name} created`);
      location.hash = `#/experiments/${KA.enc(name)}`;
    } catch (err) { KA.announce(err.message, true); }
  });
  root.replaceChildren(h('h1', {}, 'New experiment'), form);
};

/* ---- the report ---- */

function ci(iv, f) {
  return iv && iv.lo !== null && iv.hi !== null ? `[${f(iv.lo)}, ${f(iv.hi)}]` : '–';
}

function metricFmt(metric) {
  return metric === 'dwell_s' ? (x) => `${KA.num(x, 1)} s` : (x) => KA.pct(x, 2);
}

function armTable(rep, metric) {
  const h = KA.h, f = metricFmt(metric);
  return h('table.data', {},
    h('caption', {}, `Arms by ${metricName(metric)} (control: ${rep.control})`),
    h('thead', {}, h('tr', {}, ['Arm', 'Users', 'Impressions', metricName(metric), 'Difference',
      '95 % interval', 'Relative', 'Chance to beat control', 'p'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rep.arms.map((a, k) => {
      const vs = a.vs_control && a.vs_control[metric];
      return h('tr', { 'data-testid': 'arm-row', 'data-arm': a.name },
        h('th', { scope: 'row' }, h(`span.swatch.arm-${k % KA.ARM_CLASSES}`, { 'aria-hidden': 'true' }), a.name),
        h('td', {}, a.users ?? '–'), h('td', {}, a.impressions),
        h('td', {}, f(a.metrics[metric])),
        h('td', {}, vs ? f(vs.diff) : a.name === rep.control ? 'control' : '–'),
        h('td', {}, vs ? ci(vs.diff_ci, f) : '–'),
        h('td', {}, vs ? `${KA.pct(vs.rel, 1)} ${ci(vs.rel_ci, (x) => KA.pct(x, 1))}` : '–'),
        h('td', {}, vs ? KA.pct(vs.chance_to_beat, 1) : '–'),
        h('td', {}, vs ? KA.num(vs.p, 3) : '–'));
    })));
}

function allMetrics(rep) {
  const h = KA.h;
  return h('details', {}, h('summary', {}, 'Every metric per arm'),
    h('table.data', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Arm'),
        KA.METRICS.map((m) => h('th', { scope: 'col' }, metricName(m))))),
      h('tbody', {}, rep.arms.map((a) => h('tr', {}, h('th', { scope: 'row' }, a.name),
        KA.METRICS.map((m) => h('td', {}, metricFmt(m)(a.metrics[m]))))))));
}

function srm(rep) {
  const s = rep.srm || {}, h = KA.h;
  return h('p', { class: s.mismatch ? 'srm bad' : 'srm ok' }, h('strong', {}, 'Sample ratio check: '),
    s.mismatch ? 'MISMATCH — the arms did not get the traffic split asked for; do not trust this result. '
               : 'the arms got the traffic split asked for. ',
    `chi² ${KA.num(s.chi2, 2)}, p ${KA.num(s.p, 4)}`);
}

/* Cumulative CTR per arm after each day, and impressions per arm per day. */
KA.dailySeries = function (daily, arms) {
  const days = daily.days.map((d) => d.day);
  const cum = {}, ctr = [], imp = [];
  for (const a of arms) { cum[a] = { i: 0, c: 0 }; ctr.push({ name: a, values: [] }); imp.push({ name: a, values: [] }); }
  for (const d of daily.days) {
    arms.forEach((a, k) => {
      const x = (d.arms && d.arms[a]) || { impressions: 0, clicks: 0 };
      cum[a].i += x.impressions || 0;
      cum[a].c += x.clicks || 0;
      ctr[k].values.push(cum[a].i ? cum[a].c / cum[a].i : null);
      imp[k].values.push(x.impressions || 0);
    });
  }
  return { days, ctr, imp };
};

function charts(daily, arms) {
  const h = KA.h;
  if (!daily || !daily.days || !daily.days.length)
    return h('p', {}, 'No events yet: the charts appear once the arms have impressions.');
  const s = KA.dailySeries(daily, arms);
  return [
    h('figure.chart-box', {}, h('figcaption', {}, 'Cumulative CTR per arm, by UTC day'),
      KA.lineChart('Cumulative CTR per arm', s.days, s.ctr, (x) => KA.pct(x, 1)), KA.legend(arms)),
    h('figure.chart-box', {}, h('figcaption', {}, 'Impressions per arm per UTC day'),
      KA.barChart('Daily impressions per arm', s.days, s.imp, (x) => String(Math.round(x))), KA.legend(arms)),
    h('details', {}, h('summary', {}, 'The numbers behind the charts'),
      h('table.data', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'),
        arms.map((a) => [h('th', { scope: 'col' }, `${a} impressions`), h('th', { scope: 'col' }, `${a} cumulative CTR`)]))),
        h('tbody', {}, s.days.map((d, i) => h('tr', {}, h('th', { scope: 'row' }, d),
          arms.map((a, k) => [h('td', {}, s.imp[k].values[i]), h('td', {}, KA.pct(s.ctr[k].values[i], 2))]))))))];
}

KA.experimentReport = async function (root, name, params) {
  const h = KA.h, base = `/v1/experiments/${KA.enc(name)}`;
  const [x, daily] = await Promise.all([KA.get(`${base}/report`),
    KA.get(`${base}/daily`).catch(() => null)]);
  const rep = x.report, armNames = rep.arms.map((a) => a.name);
  let metric = params.get('metric') || (x.config && x.config.metric) || 'ctr';
  if (!KA.METRICS.includes(metric)) metric = 'ctr';
  const act = (verb) => async () => {
    try {
      await KA.post(`${base}/${verb}`);
      KA.announce(`Experiment ${name}: ${verb === 'start' ? 'started' : 'stopped'}`);
      await KA.experimentReport(root, name, params);
      const b = root.querySelector('.actions button');
      if (b) b.focus();
    } catch (e) { KA.announce(e.message, true); }
  };
  const pick = h('select', { id: 'metric' }, KA.METRICS.map((m) =>
    h('option', { value: m, selected: m === metric }, metricName(m))));
  const table = h('div', {}, armTable(rep, metric));
  pick.addEventListener('change', () => {
    metric = pick.value;
    table.replaceChildren(armTable(rep, metric));
  });
  root.replaceChildren(h('div', { 'data-testid': 'experiment-report' },
    h('h1', {}, `Experiment ${name}`),
    h('p', {}, 'Status: ', h('strong.exp-status', {}, x.status)),
    h('div.actions', {},
      x.status !== 'running' ? h('button.primary', { type: 'button', onclick: act('start') }, 'Start') : null,
      x.status === 'running' ? h('button', { type: 'button', onclick: act('stop') }, 'Stop') : null),
    h('h2', {}, 'Results'),
    srm(rep),
    h('div.field', {}, h('label', { for: 'metric' }, 'Metric'), pick),
    table,
    allMetrics(rep),
    h('h2', {}, 'Over time'),
    charts(daily, armNames)));
};
})();
