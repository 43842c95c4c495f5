// Starts Swagger UI on /docs (a file, not inline script: the CSP allows only our own scripts).
const root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({ url: root.dataset.openapi, dom_id: "#swagger-ui", deepLinking: true });
