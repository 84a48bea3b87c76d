import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { RouteNotFound } from './errors';

/**
 * The dashboard's CSP: everything from Kartu's origin, nothing inline (Vite bundles every script
 * and style into files). Swagger UI at /docs keeps helmet's looser default; this is for /dashboard.
 */
export const DASHBOARD_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'object-src': ["'none'"],
};

export const NOT_BUILT_MESSAGE = 'The dashboard is not built: run `npm run build`, then restart Kartu.\n';

/** Where `vite build` puts the dashboard: dist/web at the repository root (from src/ and dist/src/ alike). */
export function defaultWebRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

/**
 * Serves the single-page app built into `webRoot` at /dashboard: hashed assets cached for a year,
 * anything else from the build (index.html, public files) revalidated, and every other GET under
 * /dashboard answered index.html for the app's router. An asset that is not there is a 404, never
 * index.html (a stale page asking for an old hash must not get HTML as its script). While nothing
 * is built, /dashboard answers 503 with what to do.
 */
export function serveDashboard(app: Express, webRoot: string): void {
  const index = path.join(webRoot, 'index.html');
  const built: RequestHandler = (_req, res, next) => {
    if (existsSync(index)) return next();
    res.status(503).type('text/plain').send(NOT_BUILT_MESSAGE);
  };
  // Directories are not redirected to a trailing slash: /dashboard is the app, like /dashboard/.
  const revalidate = { index: false, redirect: false, setHeaders: (res: express.Response) => res.setHeader('Cache-Control', 'no-cache') } as const;
  app.use('/dashboard', helmet({ contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP } }), built);
  app.use('/dashboard/assets', express.static(path.join(webRoot, 'assets'), { index: false, redirect: false, immutable: true, maxAge: '365d' }), () => {
    throw new RouteNotFound();
  });
  app.use('/dashboard', express.static(webRoot, revalidate));
  app.get('/dashboard{/*splat}', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, { cacheControl: false }, (err) => {
      if (err) next(err);
    });
  });
}
