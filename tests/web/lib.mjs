// lib.mjs: what the browser tests share: Debian's chromium through playwright-core
// (no browser download), checks that print one line each, screenshots into the
// artefacts folder, and the server's API for the checks the page cannot show.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';


export const CHROMIUM = process.env.KEYART_CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.KEYART_ARTIFACTS || path.join(os.tmpdir(), 'keyart-web-artifacts');
fs.mkdirSync(ARTIFACTS, { recursive: true });

let checks = 0, fails = 0;
const failed = [];
export function pass(desc) { checks++; console.log(`ok   - ${desc}`); }
export function fail(desc, ...why) {
  checks++; fails++; failed.push(desc);
  console.log(`FAIL - ${desc}`);
  for (const w of why) console.log(`       ${w}`);
}
export function check(desc, ok, ...why) { if (ok) pass(desc); else fail(desc, ...why); }
export function checkEq(desc, want, got) {
  const a = JSON.stringify(want), b = JSON.stringify(got);
  if (a === b) pass(`${desc} (${b.slice(0, 80)})`); else fail(desc, `expected ${a}`, `found    ${b}`);
}
export function done(name) {
  console.log(`---- ${name}: ${checks} checks, ${fails} failed`);
  if (fails) console.log(`failed checks:\n  - ${failed.join('\n  - ')}`);
  process.exitCode = fails || !checks ? 1 : 0;
}

// A fresh profile each run; the flags keep chromium off the (closed) network.
export async function launch(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyart-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, viewport: opts.viewport || { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async () => { await ctx.close(); fs.rmSync(dir, { recursive: true, force: true }); };
  return { ctx, close };
}

// Every console error and page error of page, for a check at the end (a CSP
// violation shows there).
export function watch(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

export async function shot(page, name, full = true) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: full });
  console.log(`       screenshot ${file}`);
  return file;
}

// The page's main view has rendered (app.js sets data-ready after each route).
export async function ready(page, timeout = 30000) {
  await page.waitForSelector('#app[data-ready]', { timeout });
}

export async function api(base, method, p, body, token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  return { status: res.status, data };
}

// Images in page that have not loaded (naturalWidth 0) after scrolling them in.
export async function brokenImages(page, sel) {
  await page.evaluate(async (s) => {
    for (const img of document.querySelectorAll(s)) { img.loading = 'eager'; }
  }, sel);
  await page.waitForFunction((s) => [...document.querySelectorAll(s)].every((i) => i.complete), sel,
                             { timeout: 20000 }).catch(() => {});
  return page.evaluate((s) => [...document.querySelectorAll(s)]
    .filter((i) => !i.naturalWidth).map((i) => i.getAttribute('src').slice(0, 60)), sel);
}

// What a page must hold for assistive technology: one h1 and no skipped heading level,
// alt text on every image, a label on every field, a name on every button and link,
// and one live region. Returns the problems found (an empty list when none).
export async function a11yProblems(page) {
  return page.evaluate(() => {
    const bad = [];
    const levels = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
    if (levels.filter((l) => l === 1).length !== 1) bad.push(`${levels.filter((l) => l === 1).length} h1`);
    levels.forEach((l, i) => { if (i && l > levels[i - 1] + 1) bad.push(`h${levels[i - 1]} then h${l}`); });
    for (const img of document.querySelectorAll('img'))
      if (!img.getAttribute('alt')) bad.push(`img without alt: ${img.src.slice(0, 40)}`);
    for (const el of document.querySelectorAll('input, select, textarea'))
      if (!(el.labels && el.labels.length) && !el.getAttribute('aria-label')) bad.push(`field without label: ${el.id || el.name}`);
    for (const el of document.querySelectorAll('button, a[href]'))
      if (!el.textContent.trim() && !el.getAttribute('aria-label')) bad.push(`${el.tagName} without a name`);
    for (const el of document.querySelectorAll('svg[role=img]'))
      if (!el.querySelector('title') && !el.getAttribute('aria-label')) bad.push('svg image without a title');
    if (document.querySelectorAll('[role=status], [aria-live]').length < 1) bad.push('no live region');
    return bad;
  });
}
