import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../src/platform/error-docs';
import { startHarness, type Harness } from '../support/harness';

type Operation = { operationId?: string; description?: string; tags?: string[]; security?: unknown[]; responses: Record<string, unknown> };
type Doc = { paths: Record<string, Record<string, Operation>>; [k: string]: unknown };

let h: Harness;
let doc: Doc;

beforeAll(async () => {
  h = await startHarness();
  doc = (await h.http().get('/openapi.json').expect(200)).body as Doc;
});
afterAll(() => h.close());

function operations(): Array<{ key: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, path, op })));
}

describe('the OpenAPI document', () => {
  it('gives every operation a unique camelCase operationId and a description', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(70);
    for (const { key, op } of ops) {
      expect(op.operationId, key).toMatch(/^[a-z][A-Za-z0-9]+$/);
      expect(op.description?.length ?? 0, key).toBeGreaterThan(20);
    }
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the partner and the admin twin of a shared route apart', () => {
    expect(doc.paths['/snap/v1.0/cards']!.post!.operationId).toBe('issueCard');
    expect(doc.paths['/admin/v1/cards']!.post!.operationId).toBe('adminIssueCard');
    expect(doc.paths['/snap/v1.0/policies/{id}']!.get!.operationId).toBe('getPolicy');
    expect(doc.paths['/admin/v1/policies/{id}']!.get!.operationId).toBe('adminGetPolicy');
    expect(doc.paths['/network/v1/authorizations']!.post!.operationId).toBe('authorizePurchase');
  });

  it('declares servers, the network signature scheme and security on every operation: none on the public ones', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: 'http://localhost:3000' })]);
    const schemes = (doc.components as { securitySchemes: Record<string, { type: string; in?: string; name?: string; description?: string }> }).securitySchemes;
    expect(schemes.networkHmac).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Signature' });
    expect(schemes.networkHmac!.description).toContain('HMAC-SHA256');
    for (const { key, path, op } of operations()) {
      expect(op.security, key).toBeDefined();
      if (path.startsWith('/network/v1/')) expect(op.security, key).toEqual([{ networkHmac: [] }]);
    }
    expect(doc.paths['/snap/v1.0/access-token/b2b']!.post!.security).toEqual([]);
    expect(doc.paths['/snap/v1.0/utilities/signature-auth']!.post!.security).toEqual([]);
    expect(doc.paths['/admin/v1/login']!.post!.security).toEqual([]);
    expect(doc.paths['/snap/v1.0/cards']!.post!.security).toEqual([{ snapB2B: [] }]);
    expect(doc.paths['/admin/v1/cards']!.post!.security).toEqual([{ adminSession: [] }]);
  });

  it('declares every tag it uses, partner first, then network, then admin, and groups them', () => {
    const tags = (doc.tags as Array<{ name: string; description?: string }>).map((t) => t.name);
    const used = new Set(operations().flatMap((o) => o.op.tags ?? []));
    for (const tag of used) expect(tags, tag).toContain(tag);
    expect(tags.indexOf('Cards')).toBeLessThan(tags.indexOf('Network'));
    expect(tags.indexOf('Network')).toBeLessThan(tags.indexOf('Admin cards'));
    expect(doc.paths['/admin/v1/cards']!.post!.tags).toEqual(['Admin cards']);
    const groups = doc['x-tagGroups'] as Array<{ name: string; tags: string[] }>;
    expect(groups.map((g) => g.name).slice(0, 3)).toEqual(['Partner API', 'Network API', 'Admin API']);
    expect(groups.flatMap((g) => g.tags).sort()).toEqual([...tags].sort());
    expect(groups.find((g) => g.name === 'Network API')!.tags).toEqual(['Network']);
    expect(groups.at(-1)).toEqual({ name: 'Operations', tags: ['Operations'] });
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/errors.json']) expect(doc.paths[path]!.get!.tags, path).toEqual(['Operations']);
  });

  /** The responseCodes an operation documents, by status (the `default` catch-all left out). */
  function documentedCodes(op: Operation): Record<string, string[]> {
    type Response = { content: { 'application/json': { schema: { properties: { responseCode: { enum: string[] } } }; examples?: Record<string, { value: { responseCode: string } }> } } };
    return Object.fromEntries(
      Object.entries(op.responses as Record<string, Response>)
        .filter(([status]) => /^[45]/.test(status))
        .map(([status, r]) => [status, r.content['application/json'].schema.properties.responseCode.enum]),
    );
  }

  it("documents each error status with the real codes of the route's service, from the error table", () => {
    expect(documentedCodes(doc.paths['/snap/v1.0/cards']!.post!)).toEqual({
      400: ['4009000', '4009001', '4009002'],
      401: ['4019000', '4019001'],
      403: ['4039001', '4039018'],
      404: ['4049011'],
      409: ['4099000', '4099001'],
      413: ['4139000'],
      415: ['4159000'],
      429: ['4299000'],
      500: ['5009000'],
      503: ['5039000'],
    });
    // An id in the path: 404xx01; the admin API has no X-EXTERNAL-ID (no 409xx00) and no rate limit.
    expect(documentedCodes(doc.paths['/admin/v1/cards/{cardId}']!.get!)).toEqual({ 400: ['4009101'], 401: ['4019100'], 403: ['4039101'], 404: ['4049101'], 500: ['5009100'], 503: ['5039100'] });
    // The networks hear 91 on a 503, with Retry-After.
    const network = doc.paths['/network/v1/authorizations']!.post!;
    expect(documentedCodes(network)[503]).toEqual(['91']);
    const decided = (network.responses[200] as { description: string }).description;
    for (const code of ['00', '10', '05', '14', '51', '54', '57', '59', '61', '62', '65', '82']) expect(decided).toContain(`\`${code}\``);
    expect(JSON.stringify(network.responses[503])).toContain('Retry-After');
    // Each example is one of the documented codes, and each error status explains its codes.
    for (const { key, op } of operations().filter((o) => !o.op.tags?.includes('Operations'))) {
      for (const [status, codes] of Object.entries(documentedCodes(op))) {
        const response = op.responses[status] as { description: string; content: { 'application/json': { examples: Record<string, { value: { responseCode: string } }> } } };
        const examples = Object.values(response.content['application/json'].examples).map((e) => e.value.responseCode);
        expect(examples.every((c) => codes.includes(c)), `${key} ${status}`).toBe(true);
        for (const code of codes) expect(response.description, `${key} ${status}`).toContain(code);
      }
    }
  });
});

describe('the error catalogue, served', () => {
  it('GET /docs/errors.json is the catalogue', async () => {
    const res = await h.http().get('/docs/errors.json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(errorCatalogue())));
  });

  it('GET /docs/errors is a page of every code, under the CSP, with no script and no inline style', async () => {
    const res = await h.http().get('/docs/errors').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).not.toMatch(/<script|<style|style=/i);
    for (const e of errorCatalogue().errors) expect(res.text).toContain(`<code>${e.responseCode}</code>`);
    for (const i of errorCatalogue().iso8583) expect(res.text).toContain(`<code>${i.code}</code>`);
    expect(res.text).toContain('Invalid Card/Account/Customer');
  });
});
