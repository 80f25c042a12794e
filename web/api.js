/* api.js: the dashboard's calls to `keyart serve` (docs/dashboard.md): JSON in and
 * out, the bearer token the user saved, errors as exceptions with the server's
 * message. */
'use strict';
/* each file keeps its helpers to itself: only KA.* is shared */
(function () {

KA.token = function () {
  try { return localStorage.getItem('keyart.token') || ''; } catch (e) { return ''; }
};

KA.ApiError = class extends Error {
  constructor(status, message) { super(message); this.status = status; }
};

KA.call = async function (method, path, body) {
  const headers = { Accept: 'application/json' };
  const tok = KA.token();
  if (tok) headers.Authorization = 'Bearer ' + tok;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    const msg = data && data.error && data.error.message ? data.error.message : res.statusText;
    throw new KA.ApiError(res.status, `${method} ${path}: ${res.status} ${msg}`);
  }
  return data;
};
KA.get = (path) => KA.call('GET', path);
KA.post = (path, body) => KA.call('POST', path, body === undefined ? {} : body);

KA.enc = encodeURIComponent;
})();
