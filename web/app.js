/* app.js: the dashboard's router (hash routes: #/, #/titles/{id}, #/experiments,
 * #/experiments/new, #/experiments/{name}, #/preview?user=U), the token field, and
 * the title page's editor controls. */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

KA.titlePage = async function (root, id) {
  let model;
  try {
    model = await KA.get(`/v1/titles/${KA.enc(id)}/analysis`);
  } catch (e) {
    /* a server without the analysis route still has the title and its variants */
    if (e.status !== 404 || !/no such resource/.test(e.message)) throw e;
    const t = await KA.get(`/v1/titles/${KA.enc(id)}`);
    model = { title_id: id, title: t.title, variants: t.variants };
  }
  const onControl = async (action, v) => {
    try {
      await KA.post(`/v1/titles/${KA.enc(id)}/variants/${KA.enc(v.variant_id)}/${action}`);
      await KA.titlePage(root, id);
      KA.announce(`Variant ${v.variant_number}: ${action === 'pin' ? 'pinned as default'
        : action === 'unpin' ? 'unpinned' : action === 'exclude' ? 'excluded' : 'included again'}`);
      const sel = `[data-variant="${v.variant_number}"][data-testid="${/pin/.test(action) ? 'pin' : 'exclude'}-button"]`;
      const b = root.querySelector(sel);
      if (b) b.focus();
    } catch (e) { KA.announce(e.message, true); }
  };
  KA.renderTitle(model, root, { onControl });
};

function route() {
  const raw = location.hash.replace(/^#/, '') || '/';
  if (!raw.startsWith('/')) return null;     /* an in-page anchor, not a page */
  const [path, query] = raw.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (!parts.length) return ['Catalogue', (r) => KA.catalogue(r, params)];
  if (parts[0] === 'titles' && parts[1]) return [parts[1], (r) => KA.titlePage(r, parts[1])];
  if (parts[0] === 'experiments' && parts[1] === 'new') return ['New experiment', (r) => KA.experimentNew(r)];
  if (parts[0] === 'experiments' && parts[1])
    return [`Experiment ${parts[1]}`, (r) => KA.experimentReport(r, parts[1], params)];
  if (parts[0] === 'experiments') return ['Experiments', (r) => KA.experiments(r)];
  if (parts[0] === 'preview') return ['Viewer preview', (r) => KA.preview(r, params)];
  return ['Not found', async (r) => r.replaceChildren(KA.h('h1', {}, 'Not found'),
    KA.h('p', {}, KA.h('a', { href: '#/' }, 'Back to the catalogue')))];
}

let navigations = 0;
async function show() {
  const root = document.getElementById('app');
  const r = route();
  if (!r) return;
  const [name, render] = r;
  document.title = `${name} · keyart`;
  root.removeAttribute('data-ready');
  if (navigations) KA.announce('');   /* an old page's result would mislead */
  try {
    await render(root);
  } catch (e) {
    root.replaceChildren(KA.h('h1', {}, 'Something went wrong'), KA.h('p.error', {}, e.message));
    KA.announce(e.message, true);
  }
  root.setAttribute('data-ready', 'true');
  if (navigations++) root.focus();   /* after a click, start reading the new page */
  const section = `#/${(location.hash.split('/')[1] || '').replace(/\?.*/, '')}`;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  performance.mark(`ka-ready-${navigations}`);
}

document.getElementById('token').value = KA.token();
document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem('keyart.token', document.getElementById('token').value);
  KA.announce('Token saved');
});
/* the skip link moves focus to the page without changing the route */
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  document.getElementById('app').focus();
});
window.addEventListener('hashchange', show);
show();
})();
