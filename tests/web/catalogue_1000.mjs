// catalogue_1000.mjs: the catalogue page with 1,001 titles (make_catalogue.sh) in
// headless chromium: its first page, "Show more" with the keyboard, a search; and how
// long the page takes to load and become interactive, measured in the browser
// (Navigation Timing and the page's own ka-ready mark) and printed, not asserted
// (bench/bench_dashboard.sh records it). Environment: WEB_URL; WEB_RUNS (loads to
// time, 3); WEB_TIMING_OUT: a file for the timings as JSON.
import fs from 'node:fs';
import { api, check, checkEq, done, fail, launch, ready, shot, watch } from './lib.mjs';

const URL = process.env.WEB_URL, RUNS = Number(process.env.WEB_RUNS || 3);
const { ctx, close } = await launch();
const page = await ctx.newPage();
const errors = watch(page);

// One cold load of the catalogue: ms from navigation start to DOMContentLoaded, to
// the first page of titles rendered (ka-ready-1), and to the search box answering
// input (interactive: a task queued after ready runs).
async function timeLoad() {
  await page.goto('about:blank');
  await page.goto(`${URL}/#/`);
  await ready(page);
  return page.evaluate(async () => {
    const nav = performance.getEntriesByType('navigation')[0];
    const mark = performance.getEntriesByName('ka-ready-1')[0];
    const api = performance.getEntriesByType('resource').find((r) => r.name.includes('/v1/titles'));
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 0));
    return { dom_ms: nav.domContentLoadedEventEnd, ready_ms: mark ? mark.startTime : null,
             interactive_ms: mark ? mark.startTime + (performance.now() - t0) : null,
             titles_request_ms: api ? api.duration : null,
             rows: document.querySelectorAll('[data-testid=title-row]').length };
  });
}

try {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeLoad());
  const med = (k) => Math.round(10 * runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]) / 10;
  const timing = { titles: 1001, runs: RUNS, ready_ms: med('ready_ms'), interactive_ms: med('interactive_ms'),
                   dom_ms: med('dom_ms'), titles_request_ms: med('titles_request_ms') };
  console.log(`timing: catalogue of 1001 titles, median of ${RUNS} loads: DOM ${timing.dom_ms.toFixed(0)} ms, ` +
              `first page rendered ${timing.ready_ms.toFixed(0)} ms, interactive ${timing.interactive_ms.toFixed(0)} ms, ` +
              `GET /v1/titles?limit=50 ${timing.titles_request_ms.toFixed(1)} ms`);
  if (process.env.WEB_TIMING_OUT) fs.writeFileSync(process.env.WEB_TIMING_OUT, JSON.stringify(timing) + '\n');
  checkEq('the first page shows 50 titles', 50, runs[0].rows);
  check('the count says how many there are', /50 of 1001 titles/.test(await page.textContent('#cat-count')),
        await page.textContent('#cat-count'));
  await shot(page, 'catalogue-1000', false);

  const page2 = (await api(URL, 'GET', (await api(URL, 'GET', '/v1/titles?limit=50')).data.next)).data;
  const more = page.locator('button', { hasText: 'Show more titles' });
  await more.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=title-row]').length === 100);
  checkEq('Enter on "Show more" adds the next 50', 100, await page.locator('[data-testid=title-row]').count());
  checkEq('and focus moves to the first new title', page2.titles[0].title_id,
          await page.evaluate(() => document.activeElement.textContent));

  await page.fill('#q', '-009');
  await page.waitForFunction(() => /of 100 titles/.test(document.getElementById('cat-count').textContent), null,
                             { timeout: 15000 }).catch(() => {});
  checkEq('a search finds its 100 titles (-00900..-00999), a page at a time', ['50 of 100 titles shown', 50],
          [await page.textContent('#cat-count'), await page.locator('[data-testid=title-row]').count()]);
  checkEq('no errors in the console', [], errors);
} catch (e) {
  fail(`catalogue_1000: ${e.message.split('\n')[0]}`);
} finally {
  await close();
}
done('catalogue_1000.mjs');
