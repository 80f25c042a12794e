// dashboard.mjs: the dashboard in headless chromium against a real `keyart serve`
// (started by dashboard.sh): catalogue, a title's shots and variants, pinning a
// variant and the API serving it, an experiment created, started and read, the
// viewer preview, keyboard navigation, a phone width; then the offline report.html
// opened from disk. Environment: WEB_URL, WEB_TOKEN, WEB_T1, WEB_T2 (two analysed
// titles), WEB_OUT1 (T1's analyze folder, written with --report), WEB_OUT2 (another
// folder with --report, of a clip with fades and dissolves).
import fs from 'node:fs';
import path from 'node:path';
import { a11yProblems, api, brokenImages, check, checkEq, done, fail, launch, pass, ready, shot, watch } from './lib.mjs';

const URL = process.env.WEB_URL, TOKEN = process.env.WEB_TOKEN;
const T1 = process.env.WEB_T1, T2 = process.env.WEB_T2, OUT1 = process.env.WEB_OUT1;
const meta = JSON.parse(fs.readFileSync(path.join(OUT1, 'metadata.json'), 'utf8'));
const shots = JSON.parse(fs.readFileSync(path.join(OUT1, 'shots.json'), 'utf8'));
const NV = meta.variants.length;

const { ctx, close } = await launch();
const page = await ctx.newPage();
const errors = watch(page);

async function catalogue() {
  await page.goto(`${URL}/`);
  await ready(page);
  const ids = await page.locator('[data-testid=title-row]').evaluateAll((rows) => rows.map((r) => r.dataset.title));
  checkEq('the catalogue lists both titles, by id', [T2, T1].sort(), ids);
  const alts = await page.locator('[data-testid=catalogue] img').evaluateAll((im) => im.map((i) => i.alt));
  check(`every artwork in the catalogue has alt text (${alts.length} images)`, alts.length === 2 && alts.every((a) => a.length > 10), JSON.stringify(alts));
  checkEq('broken catalogue images', [], await brokenImages(page, '[data-testid=catalogue] img'));
  checkEq('catalogue: headings, alt texts, labels, names, live region', [], await a11yProblems(page));
  await shot(page, 'catalogue');
  await page.fill('#q', T1.slice(0, 6));
  await page.waitForFunction((t) => document.querySelectorAll('[data-testid=title-row]').length === 1, T1);
  checkEq('searching narrows the catalogue to one title', [T1],
    await page.locator('[data-testid=title-row]').evaluateAll((rows) => rows.map((r) => r.dataset.title)));
  check('the search is announced in the live region', /1 of 1 titles/.test(await page.textContent('#status')));
}

// Tab from the top of the page to the title's link and open it with Enter.
async function keyboard() {
  await page.goto(`${URL}/#/`);
  await ready(page);
  const skipOk = await page.evaluate(() => { document.querySelector('.skip').click(); return location.hash; });
  checkEq('the skip link leaves the route alone', '#/', skipOk);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  let reached = false, outline = 'none';
  for (let i = 0; i < 20 && !reached; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(() => ({ text: document.activeElement.textContent,
      outline: getComputedStyle(document.activeElement).outlineStyle }));
    if (f.text === T1) { reached = true; outline = f.outline; }
  }
  check(`Tab reaches the link to ${T1}`, reached);
  check(`the focused link shows its focus (outline ${outline})`, outline !== 'none');
  await page.keyboard.press('Enter');
  await page.waitForFunction((t) => location.hash === `#/titles/${t}`, T1);
  await ready(page);
  pass('Enter on the link opens the title page');
}

async function titlePage() {
  await page.goto(`${URL}/#/titles/${T1}`);
  await ready(page);
  await page.waitForSelector('[data-testid=title-page]');
  checkEq('the title page shows every variant', NV, await page.locator('[data-testid=variant]').count());
  checkEq('the timeline shows every shot of shots.json', shots.length, await page.locator('[data-testid=shot]').count());
  const trans = await page.locator('[data-testid=shot]').evaluateAll((g) => g.map((x) => x.dataset.transition));
  checkEq('each shot is marked by how it begins', shots.map((s) => s.transition_in), trans);
  const [want, got] = await marks(page, shots);
  checkEq('the timeline draws a mark per cut, fade and dissolve', want, got);
  const alts = await page.locator('[data-testid=variant] img').evaluateAll((im) => im.map((i) => i.alt));
  check(`every variant image has alt text naming it (${alts.length})`,
        alts.length === 4 * NV && alts.every((a) => /^variant \d+( \(\w+ crop\))?: .+ scene, .+/.test(a)), alts[0]);
  checkEq('broken variant images', [], await brokenImages(page, '[data-testid=variant] img'));
  const reason = await page.locator('[data-testid=variant] .reason').first().textContent();
  check('a variant says why it was chosen', reason.includes(meta.variants[0].reason.text), reason);
  check('the cast section lists the characters', (await page.locator('.cast > li').count()) === (meta.title.characters || []).length);
  checkEq('title: headings, alt texts, labels, names, live region', [], await a11yProblems(page));
  await shot(page, 'title');
}

async function pin() {
  await page.fill('[data-testid=token-input]', TOKEN);
  await page.click('#token-form button');
  const n = NV >= 2 ? 2 : 1;
  const btn = page.locator(`[data-testid=pin-button][data-variant="${n}"]`);
  await btn.click();
  await page.waitForFunction((k) => /pinned as default/.test(document.getElementById('status').textContent), n, { timeout: 15000 })
    .catch(() => {});
  const status = await page.textContent('#status');
  check(`pinning variant ${n} is announced`, status.includes(`Variant ${n}: pinned`), status);
  check('the pinned variant carries the badge', await page.locator(`[data-testid=variant][data-variant="${n}"] .badge.pinned`).count() === 1);
  const focused = await page.evaluate(() => document.activeElement.dataset.testid);
  checkEq('focus stays on the pin button', 'pin-button', focused);
  const users = ['web-a', 'web-b', 'web-c'];
  const got = [];
  for (const u of users) got.push((await api(URL, 'GET', `/v1/artwork?user=${u}&title=${T1}`)).data);
  checkEq(`GET /v1/artwork serves the pinned variant to everyone`, users.map(() => [n, 'pinned']),
          got.map((a) => a && [a.variant_number, a.policy]));
  await shot(page, 'title-pinned', false);
  await page.locator(`[data-testid=pin-button][data-variant="${n}"]`).click();
  await page.waitForFunction((k) => /unpinned/.test(document.getElementById('status').textContent), n, { timeout: 15000 }).catch(() => {});
  const after = (await api(URL, 'GET', `/v1/titles/${T1}/analysis`)).data;
  checkEq('unpinned: the controls say so', null, after && after.controls ? after.controls.pinned : 'no controls');

  const x = meta.variants[NV - 1];
  await page.locator(`[data-testid=exclude-button][data-variant="${x.variant_number}"]`).click();
  await page.waitForFunction(() => /excluded/.test(document.getElementById('status').textContent), null, { timeout: 15000 }).catch(() => {});
  check(`excluding variant ${x.variant_number} shows its badge`,
        await page.locator(`[data-testid=variant][data-variant="${x.variant_number}"] .badge.excluded`).count() === 1);
  const ex = (await api(URL, 'GET', `/v1/titles/${T1}/analysis`)).data;
  checkEq('the API lists it as excluded', [x.variant_id], ex && ex.controls ? ex.controls.excluded : null);
  const seen = new Set();
  for (let i = 0; i < 20; i++) seen.add((await api(URL, 'GET', `/v1/artwork?user=ex${i}&title=${T1}`)).data.variant_id);
  check(`20 users are never served the excluded variant (${seen.size} variants served)`, !seen.has(x.variant_id));
  await page.locator(`[data-testid=exclude-button][data-variant="${x.variant_number}"]`).click();
  await page.waitForFunction(() => /included again/.test(document.getElementById('status').textContent), null, { timeout: 15000 }).catch(() => {});
  const inc = (await api(URL, 'GET', `/v1/titles/${T1}/analysis`)).data;
  checkEq('Include takes it back', [], inc && inc.controls ? inc.controls.excluded : null);
}

async function experiment() {
  await page.goto(`${URL}/#/experiments/new`);
  await ready(page);
  const form = page.locator('[data-testid=experiment-form]');
  await form.locator('#exp-name').fill('webexp');
  await form.locator('#exp-titles').fill(T1);
  await form.locator('#exp-metric').selectOption('take_rate');
  await form.locator('#arm0-kind').selectOption('variant');
  await form.locator('#arm0-variant').fill('1');
  await form.locator('#arm1-name').fill('ts');
  await form.locator('#arm1-kind').selectOption('policy');
  await form.locator('#arm1-policy').selectOption('thompson');
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select')]
    .filter((i) => !(i.labels && i.labels.length) && !i.getAttribute('aria-label')).map((i) => i.id || i.name));
  checkEq('every field of the form has a label', [], unlabelled);
  checkEq('experiment-new: headings, alt texts, labels, names, live region', [], await a11yProblems(page));
  await shot(page, 'experiment-new');
  await form.locator('button[type=submit]').click();
  await page.waitForFunction(() => location.hash === '#/experiments/webexp');
  await ready(page);
  await page.waitForSelector('[data-testid=experiment-report]');
  checkEq('the new experiment is a draft', 'draft', await page.textContent('.exp-status'));
  checkEq('the metric chosen is stored with the experiment', 'take_rate',
    (await api(URL, 'GET', '/v1/experiments/webexp')).data.config.metric);
  checkEq('the report leads with it', 'take_rate', await page.locator('#metric').inputValue());
  await page.click('text=Start');
  await page.waitForFunction(() => document.querySelector('.exp-status') && document.querySelector('.exp-status').textContent === 'running', null, { timeout: 15000 }).catch(() => {});
  checkEq('Start starts it', 'running', await page.textContent('.exp-status'));
  await traffic();
  await page.reload();
  await ready(page);
  const rows = await page.locator('[data-testid=arm-row]').evaluateAll((r) => r.map((x) => [x.dataset.arm, Number(x.children[2].textContent)]));
  checkEq('the report has a row per arm', ['control', 'ts'], rows.map((r) => r[0]).sort());
  check(`the arms have their impressions (${JSON.stringify(rows)})`, rows.every((r) => r[1] > 0));
  check('the sample-ratio check is shown', /Sample ratio check/.test(await page.textContent('.srm')));
  check('chance to beat control is shown for the other arm',
    /%/.test(await page.locator('[data-testid=arm-row][data-arm=ts] td').nth(6).textContent()));
  checkEq('two SVG charts (cumulative CTR, daily impressions)', 2, await page.locator('svg.chart').count());
  check('the CTR chart has a line per arm', (await page.locator('svg.chart').first().locator('polyline, circle').count()) >= 2);
  checkEq('experiment-report: headings, alt texts, labels, names, live region', [], await a11yProblems(page));
  await shot(page, 'experiment-report');
  await page.goto(`${URL}/#/experiments`);
  await ready(page);
  checkEq('the experiments list links to it, running', ['webexp', 'running'],
    await page.locator('a[href="#/experiments/webexp"]').evaluate((a) => [a.textContent, a.closest('tr').children[1].textContent]));
  checkEq('experiments: headings, alt texts, labels, names, live region', [], await a11yProblems(page));
  await shot(page, 'experiments');
}

// Selections and events for 60 users over the last three UTC days.
async function traffic() {
  const now = Math.floor(Date.now() / 1000), events = [];
  // the server reads experiments from the database every --refresh
  for (let i = 0; i < 150; i++) {
    const a = (await api(URL, 'GET', `/v1/artwork?user=probe&title=${T1}`)).data;
    if (a && a.experiment === 'webexp') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  for (let i = 0; i < 60; i++) {
    const a = (await api(URL, 'GET', `/v1/artwork?user=wu${i}&title=${T1}`)).data;
    if (!a || a.experiment !== 'webexp') continue;
    const ts = now - (i % 3) * 86400;
    const base = { user: a.user, title_id: T1, variant_number: a.variant_number, policy: a.policy,
                   propensity: a.propensity, experiment: a.experiment, arm: a.arm };
    events.push({ ...base, id: `wimp-${i}`, type: 'impression', ts });
    if (i % (a.arm === 'ts' ? 2 : 5) === 0) {
      events.push({ ...base, id: `wclk-${i}`, type: 'click', ts: ts + 1 });
      if (i % 4 === 0) events.push({ ...base, id: `wply-${i}`, type: 'play', ts: ts + 2 });
    }
  }
  const r = await api(URL, 'POST', '/v1/events', { events }, TOKEN);
  checkEq(`POST /v1/events with ${events.length} events`, 200, r.status);
}

async function preview() {
  await page.goto(`${URL}/#/preview`);
  await ready(page);
  await page.fill('#user', 'wu1');
  await page.click('form.inline button[type=submit]');
  await page.waitForSelector('[data-testid=preview-row]', { timeout: 15000 }).catch(() => {});
  await ready(page);
  const items = await page.locator('[data-testid=preview-row] > li').count();
  checkEq('the preview row has a card per title', 2, items);
  const reasons = await page.locator('[data-testid=preview-row] .reasons li').count();
  check(`the row says why (${reasons} reasons)`, reasons >= items);
  checkEq('preview: headings, alt texts, labels, names, live region', [], await a11yProblems(page));
  await shot(page, 'preview');
}

async function phone() {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const [name, hash] of [['phone-catalogue', '#/'], ['phone-title', `#/titles/${T1}`], ['phone-report', '#/experiments/webexp']]) {
    await page.goto(`${URL}/${hash}`);
    await ready(page);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    check(`${name}: nothing wider than a 360 px phone (${w} px)`, w <= 360);
    await shot(page, name);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// The timeline's marks by kind, and what shots.json says there should be.
async function marks(p, list) {
  const want = {}, got = {};
  for (const k of ['cut', 'fade', 'dissolve']) {
    want[k] = list.filter((s) => s.transition_in === k).length;
    got[k] = await p.locator(`[data-testid=shot-timeline] .mark.${k}`).count();
  }
  return [want, got];
}

// report.html from disk: no server, every variant and the timeline.
async function offline() {
  for (const [dir, name] of [[OUT1, 'report'], [process.env.WEB_OUT2, 'report-fades']]) {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
    const sh = JSON.parse(fs.readFileSync(path.join(dir, 'shots.json'), 'utf8'));
    const p = await ctx.newPage();
    const errs = watch(p), requests = [];
    p.on('request', (r) => requests.push(r.url()));
    await p.goto(`file://${path.resolve(dir, 'report.html')}`);
    await ready(p);
    const t = m.title.title_id;
    checkEq(`${t}: report.html shows every variant`, m.variants.length, await p.locator('[data-testid=variant]').count());
    checkEq(`${t}: report.html shows every shot on the timeline`, sh.length, await p.locator('[data-testid=shot]').count());
    const faces = (m.title.characters || []).length;
    const shown = await p.locator('svg.face-img').count();
    check(`${t}: the cast's faces are shown, cut from their frames (${shown}, ${faces} characters)`,
          faces === 0 || shown > 0);
    const [want, got] = await marks(p, sh);
    checkEq(`${t}: cuts, fades and dissolves each have their mark`, want, got);
    checkEq(`${t}: report.html: every picture is inlined and shows`, [], await brokenImages(p, 'img'));
    checkEq(`${t}: report.html asks nothing of a network`, [], requests.filter((u) => !/^(file|data):/.test(u)));
    checkEq(`${t}: report.html has no editor buttons`, 0, await p.locator('[data-testid=pin-button]').count());
    checkEq(`${t}: report.html: no errors in the console`, [], errs);
    checkEq(`${t}: report.html: headings, alt texts, names`, [], await a11yProblems(p));
    await shot(p, name);
    await p.close();
  }
}

try {
  for (const step of [catalogue, keyboard, titlePage, pin, experiment, preview, phone, offline]) {
    try { await step(); } catch (e) { fail(`${step.name}: ${e.message.split('\n')[0]}`); await shot(page, `failed-${step.name}`).catch(() => {}); }
  }
  checkEq('the dashboard logged no errors (CSP violations, failed requests, exceptions)', [], errors);
} finally {
  await close();
}
done('dashboard.mjs');
