/* app.js: the dashboard. */
'use strict';
