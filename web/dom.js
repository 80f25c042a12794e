/* dom.js: the small helpers every page uses, the offline report included: building
 * elements, formatting numbers, announcing results in the live region. */
'use strict';
var KA = window.KA || {};
window.KA = KA;

/* h('a.link', {href: '#/'}, 'text', child, ...): an element; attributes starting with
 * "on" are listeners; null children are skipped. No innerHTML anywhere: the text a
 * server sends is never markup. */
KA.h = function (tag, attrs, ...kids) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name);
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  KA.append(el, kids);
  return el;
};

KA.append = function (el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
};

const SVG_NS = 'http://www.w3.org/2000/svg';
KA.svg = function (tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
};

KA.num = function (x, digits = 2) {
  return typeof x === 'number' && isFinite(x) ? x.toFixed(digits) : '–';
};
KA.pct = function (x, digits = 1) {
  return typeof x === 'number' && isFinite(x) ? (100 * x).toFixed(digits) + ' %' : '–';
};
KA.words = function (s) {
  return s ? String(s).replace(/_/g, ' ') : 'unknown';
};

/* Results of actions are read out by screen readers and shown at the top. */
KA.announce = function (msg, bad) {
  const el = document.getElementById('status');
  if (!el) return;
  el.textContent = msg;
  el.classList.toggle('bad', !!bad);
};
