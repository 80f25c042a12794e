/* catalogue.js: every title with its default artwork, genre, number of variants and
 * live CTR, a page of 50 at a time (GET /v1/titles?limit=&after=&q=) so that 1,000
 * titles cost what 50 do; a search box filters by title id. */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

KA.PAGE = 50;

function titleRow(t) {
  const h = KA.h, dv = t.default_variant, img = dv && dv.urls ? dv.urls['16x9'] : null;
  const nv = t.n_variants ?? t.variants;
  const ctr = t.ctr === null || t.ctr === undefined ? 'no impressions yet'
    : `${KA.pct(t.ctr, 2)} (${t.clicks} of ${t.impressions})`;
  return h('li.title-row', { 'data-testid': 'title-row', 'data-title': t.title_id },
    img ? h('img', { src: img, loading: 'lazy', width: 160, height: 90,
                     alt: `${t.title_id}: default artwork, variant ${dv.variant_number}` })
        : h('div.noimg', { 'aria-hidden': 'true' }),
    h('div.info', {},
      h('h2', {}, h('a', { href: `#/titles/${KA.enc(t.title_id)}` }, t.title_id)),
      h('dl.facts.inline', {},
        h('dt', {}, 'Genre'), h('dd', {}, t.genre || 'unknown'),
        h('dt', {}, 'Variants'), h('dd', {}, nv ?? '–'),
        h('dt', {}, 'CTR'), h('dd', {}, ctr),
        t.pinned ? [h('dt', {}, 'Pinned'), h('dd', {}, `variant ${dv ? dv.variant_number : ''}`)]
                 : null)));
}

KA.catalogue = async function (root, params) {
  const h = KA.h, q = params.get('q') || '';
  const list = h('ul.titles', { 'data-testid': 'catalogue', 'aria-labelledby': 'h-cat' });
  const count = h('p.count', { id: 'cat-count' });
  const more = h('button', { type: 'button', hidden: true }, 'Show more titles');
  const search = h('input', { id: 'q', type: 'search', name: 'q', value: q,
                              'aria-describedby': 'cat-count' });
  let next = null, seq = 0, shown = 0;

  async function load(path, replace) {
    const mine = ++seq;
    const page = await KA.get(path);
    if (mine !== seq) return;        /* a newer search has started */
    if (replace) { list.replaceChildren(); shown = 0; }
    const frag = document.createDocumentFragment();
    for (const t of page.titles) frag.append(titleRow(t));
    list.append(frag);
    shown += page.titles.length;
    next = page.next;
    more.hidden = !next;
    const total = page.total ?? (next ? `${shown}+` : shown);
    count.textContent = `${shown} of ${total} titles shown`;
  }
  const first = (text) => `/v1/titles?limit=${KA.PAGE}${text ? `&q=${KA.enc(text)}` : ''}`;

  let timer = 0;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      history.replaceState(null, '', search.value ? `#/?q=${KA.enc(search.value)}` : '#/');
      load(first(search.value), true)
        .then(() => KA.announce(count.textContent))
        .catch((e) => KA.announce(e.message, true));
    }, 200);
  });
  more.addEventListener('click', () => {
    if (!next) return;
    const at = list.children.length;
    load(next, false).then(() => {
      const a = list.children[at] && list.children[at].querySelector('a');
      if (a) a.focus();          /* keyboard users land on the first new title */
      KA.announce(count.textContent);
    }).catch((e) => KA.announce(e.message, true));
  });

  root.replaceChildren(
    h('h1', { id: 'h-cat' }, 'Catalogue'),
    h('form.search', { role: 'search', onsubmit: (e) => e.preventDefault() },
      h('label', { for: 'q' }, 'Search titles'), search),
    count, list, more);
  await load(first(q), true);
};
})();
