// Starts ReDoc on /redoc (a file, not inline script: the CSP allows only our own scripts).
const root = document.getElementById("redoc");
Redoc.init(root.dataset.openapi, { disableSearch: false }, root);
