/* preview.js: the viewer preview: pick a user, see the row of artwork that user would
 * get now and the policy's reasons (GET /v1/users/{user}/preview, which records
 * nothing). */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

function previewCard(it) {
  const h = KA.h;
  return h('li.preview-card', {},
    it.image ? h('img', { src: it.image, loading: 'lazy',
                          alt: `${it.title_id}, variant ${it.variant_number}: ${KA.words(it.scene_type)} scene, ${KA.words(it.composition)}` })
             : null,
    h('h3', {}, h('a', { href: `#/titles/${KA.enc(it.title_id)}` }, it.title_id)),
    h('p.small', {}, `variant ${it.variant_number} · policy ${it.policy} · p ${KA.num(it.propensity)}`,
      it.experiment ? ` · ${it.experiment}/${it.arm}` : ''),
    h('ul.reasons', {}, (it.reasons || []).map((r) => h('li', {}, r))));
}

/* The profile's weight and the scene types it leans to (docs/json.md: profile). */
function profileText(raw) {
  const prof = raw && (raw.profile || raw);
  if (!prof) return KA.h('p', {}, 'No profile yet: a new user, served as anyone would be.');
  const top = Object.entries(prof.scene_types || {}).filter(([, v]) => typeof v === 'number')
    .sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k]) => KA.words(k));
  return KA.h('p', {}, `Profile: events weighing ${KA.num(prof.event_weight, 1)}`,
              top.length ? `; leans to ${top.join(', ')} scenes.` : '.');
}

KA.preview = async function (root, params) {
  const h = KA.h, user = params.get('user') || '';
  const input = h('input', { id: 'user', name: 'user', value: user, list: 'users', required: true,
                             autocomplete: 'off' });
  const users = h('datalist', { id: 'users' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h('form.inline', {}, h('label', { for: 'user' }, 'User'), input, users,
                 h('button.primary', { type: 'submit' }, 'Show their row'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/preview?user=${KA.enc(input.value.trim())}`;
  });
  root.replaceChildren(h('h1', {}, 'Viewer preview'),
    h('p', {}, 'The row of artwork a user would get now; nothing is recorded.'), form, out);
  KA.get('/v1/users?limit=200').then((p) => {
    users.replaceChildren(...p.users.map((u) => h('option', { value: u.user ?? u.id ?? u })));
  }).catch(() => {});           /* suggestions only: needs the token */
  if (!user) return;
  const p = await KA.get(`/v1/users/${KA.enc(user)}/preview?limit=20`);
  out.replaceChildren(h('h2', {}, `What ${user} sees`), profileText(p.profile),
    h('ul.row', { 'data-testid': 'preview-row' }, p.row.map(previewCard)));
  KA.announce(`Row for ${user}: ${p.row.length} titles`);
};
})();
