// Swagger UI over the gateway's own OpenAPI document, from the same origin. In a file of its own,
// not inline, so the page's Content-Security-Policy can allow scripts from 'self' only.
globalThis.ui = globalThis.SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // Swagger UI otherwise sends the document to validator.swagger.io for a badge.
  validatorUrl: null,
  presets: [globalThis.SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
