import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../src/platform/http';
import { ApiDocs } from '../../src/platform/openapi';

const route = (operationId: string, path = '/things') => ({
  method: 'get' as const,
  path,
  service: '91',
  tag: 'Cards',
  summary: 'A thing',
  operationId,
  description: 'Gets things.',
  handler: () => ({}),
});

type Doc = { paths: Record<string, Record<string, { operationId: string }>> };

describe('ApiDocs operation ids', () => {
  it('refuses a second operation with the same id, naming both', () => {
    const docs = new ApiDocs();
    new ApiRouter('/snap/v1.0', docs).route(route('listThings'));
    expect(() => new ApiRouter('/snap/v1.0', docs).route(route('listThings', '/other-things'))).toThrow(/duplicate operationId listThings \(GET \/snap\/v1.0\/other-things\)/);
  });

  it("prefixes the admin router's ids, so a module on both routers gives two ids", () => {
    const docs = new ApiDocs();
    new ApiRouter('/snap/v1.0', docs).route(route('listThings'));
    const admin = new ApiRouter('/admin/v1', docs, 'admin');
    admin.route(route('listThings'));
    admin.route(route('adminListOthers', '/others'));
    const paths = (docs.document() as Doc).paths;
    expect(paths['/snap/v1.0/things']!.get!.operationId).toBe('listThings');
    expect(paths['/admin/v1/things']!.get!.operationId).toBe('adminListThings');
    // An id that already carries the prefix is not prefixed twice.
    expect(paths['/admin/v1/others']!.get!.operationId).toBe('adminListOthers');
  });
});
