// /api/v1/docs: Swagger UI (vendored) reads the portal's OpenAPI document. Here rather
// than inline: the CSP allows scripts from the portal's own files only.
(function () {
  "use strict";
  window.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
    window.SwaggerUIBundle({
      url: root.getAttribute("data-spec-url"),
      domNode: root,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      deepLinking: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      // No call to the public validator (validator.swagger.io): offline intranets.
      validatorUrl: null,
      // "Try it out" sends the Bearer token the reader types in "Authorize", kept for
      // this page only (never in the browser's storage).
      persistAuthorization: false,
      tryItOutEnabled: false
    });
  });
})();
