import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
