// Starts ReDoc on /redoc (a file, not inline script: the CSP allows only our own scripts).
const root = document.getElementById("redoc");
// Its search runs in a worker made from a blob: URL, which our CSP (script-src 'self') refuses.
Redoc.init(root.dataset.openapi, { disableSearch: true }, root);
