import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../../src/platform/http';
import { ApiDocs, documentedErrors } from '../../src/platform/openapi';

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

describe('documentedErrors', () => {
  const base = { path: '/things', tag: 'Cards', summary: 'Things', description: 'Gets things.' };

  it('gives an admin GET validation, the session errors and the 5xx', () => {
    expect(documentedErrors('/admin/v1', { ...base, security: ['adminSession'] })).toEqual(['InvalidFieldFormat', 'Unauthorized', 'FeatureNotAllowed', 'GeneralError', 'ServiceUnavailable']);
  });

  it('adds what the shape implies and the codes the description names', () => {
    const names = documentedErrors('/snap/v1.0', { ...base, path: '/things/:id', description: 'Moves a thing: 403xx15 when it cannot move.', security: ['snapB2B'] });
    expect(names).toEqual(expect.arrayContaining(['NotFound', 'NotPermitted', 'Conflict', 'InvalidToken', 'TooManyRequests']));
    expect(names).not.toContain('PayloadTooLarge');
    expect(documentedErrors('/snap/v1.0', { ...base, tag: 'Sandbox utilities' })).toContain('FeatureNotAllowed');
  });

  it('gives the network API its 91 instead of 503xx00', () => {
    const names = documentedErrors('/network/v1', { ...base, security: ['networkHmac'] });
    expect(names).toContain('IssuerUnavailable');
    expect(names).not.toContain('ServiceUnavailable');
  });
});
