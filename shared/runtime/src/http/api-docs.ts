import path from 'node:path';
import type { Express } from 'express';

/** swagger-ui-dist's files: the package's own directory. */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js'];

/**
 * Swagger UI at /docs for the service's own OpenAPI document (/openapi.json), served by the
 * service itself from the swagger-ui-dist package: nothing is fetched from elsewhere.
 */
export function mountApiDocs(app: Express, title: string): void {
  const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${title} API</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="api-docs"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;
  const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#api-docs', deepLinking: true });\n`;
  app.get('/docs', (_req, res) => {
    res.type('html').send(page);
  });
  app.get('/docs/init.js', (_req, res) => {
    res.type('js').send(init);
  });
  // Only the two files the page loads: not the package's own index.html and examples.
  for (const file of SWAGGER_UI_FILES) {
    app.get(`/docs/assets/${file}`, (_req, res) => {
      res.sendFile(path.join(SWAGGER_UI_DIR, file), { maxAge: '1h' });
    });
  }
}
