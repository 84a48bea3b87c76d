import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { startHarness, type Harness } from '../support/harness';

const STRICT_CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self';frame-ancestors 'none';base-uri 'self';form-action 'self';object-src 'none'";
const INDEX = '<!doctype html><html><head><script type="module" src="/dashboard/assets/index-B7x1Qa9c.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = 'console.log("dashboard");';

let h: Harness;
let dir: string;
let built: supertest.Agent;
let unbuilt: supertest.Agent;

beforeAll(async () => {
  h = await startHarness();
  // A fake `vite build` output, in a directory beside a file that must never be served.
  dir = mkdtempSync(path.join(tmpdir(), 'kartu-web-'));
  writeFileSync(path.join(dir, 'secret.txt'), 'not for the web');
  const webRoot = path.join(dir, 'web');
  mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
  writeFileSync(path.join(webRoot, 'index.html'), INDEX);
  writeFileSync(path.join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(path.join(webRoot, 'assets', 'index-B7x1Qa9c.js'), SCRIPT);
  writeFileSync(path.join(webRoot, 'assets', 'index-Cq2m0DkZ.css'), 'body{margin:0}');
  built = supertest.agent(createApp(h.kartu, { webRoot }));
  unbuilt = supertest.agent(createApp(h.kartu, { webRoot: path.join(dir, 'never-built') }));
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard build served at /dashboard', () => {
  it.each(['/dashboard', '/dashboard/', '/dashboard/cards', '/dashboard/cards/5b0e6d1c-1f43-4f7a-9a55-0c2f7f1c0a11?tab=limits', '/dashboard/index.html'])(
    '%s answers index.html, revalidated, under the strict CSP',
    async (url) => {
      const res = await built.get(url);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toBe(INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    },
  );

  it('serves hashed assets for a year, immutable', async () => {
    const js = await built.get('/dashboard/assets/index-B7x1Qa9c.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(js.text).toBe(SCRIPT);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await built.get('/dashboard/assets/index-Cq2m0DkZ.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('serves the files beside index.html (public/) revalidated', async () => {
    const res = await built.get('/dashboard/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it.each(['/dashboard/assets/index-OLDHASH.js', '/dashboard/assets', '/dashboard/assets/', '/dashboard/assets/nested/missing.css'])('%s: a missing asset is a JSON 404, not index.html', async (url) => {
    const res = await built.get(url);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ responseCode: '4040000', responseMessage: 'Requested Service Not Found' });
    expect(res.headers['cache-control'] ?? '').not.toMatch(/immutable/);
  });

  it.each(['/dashboard/..%2Fsecret.txt', '/dashboard/assets/..%2F..%2Fsecret.txt', '/dashboard/%2e%2e/secret.txt'])('%s never reaches outside the build', async (url) => {
    const res = await built.get(url);
    expect(res.text).not.toContain('not for the web');
  });

  it('answers only GET and HEAD; other methods are the JSON 404', async () => {
    const head = await built.head('/dashboard/cards');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toMatch(/^text\/html/);
    const post = await built.post('/dashboard/cards').send({});
    expect(post.status).toBe(404);
    expect(post.body).toEqual({ responseCode: '4040000', responseMessage: 'Requested Service Not Found' });
  });

  it('redirects / to /dashboard/', async () => {
    const res = await built.get('/');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/dashboard/');
  });

  it('leaves the API and its JSON 404s alone', async () => {
    const unknownAdmin = await built.get('/admin/v1/no-such-route');
    expect(unknownAdmin.status).toBe(404);
    expect(unknownAdmin.headers['content-type']).toMatch(/^application\/json/);
    expect(unknownAdmin.body.responseCode).toMatch(/^404/);
    const unknown = await built.get('/dashboards');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ responseCode: '4040000', responseMessage: 'Requested Service Not Found' });
    const me = await built.get('/admin/v1/me');
    expect(me.status).toBe(401);
    expect(me.body.responseCode).toBe('4010000');
  });

  it('keeps Swagger UI at /docs under its own CSP', async () => {
    const docs = await built.get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-security-policy']).not.toBe(STRICT_CSP);
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    const bundle = await built.get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
  });
});

describe('before the dashboard is built', () => {
  it.each(['/dashboard', '/dashboard/', '/dashboard/cards', '/dashboard/assets/index-B7x1Qa9c.js'])('%s answers 503 saying to run npm run build', async (url) => {
    const res = await unbuilt.get(url);
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toBe('The dashboard is not built: run `npm run build`, then restart Kartu.\n');
    expect(res.headers['content-security-policy']).toBe(STRICT_CSP);
  });

  it('the API still answers', async () => {
    const res = await unbuilt.get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});
