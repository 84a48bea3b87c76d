import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdkGeneratedDir, sdkGeneratedFiles } from '../../scripts/openapi-document';
import { generateTypes, schemaType } from '../../sdk/scripts/generate';

// The CI drift check: the SDK's checked-in document and types are what the server produces now.
describe('the SDK generated files', () => {
  it('match the server (run `npm run sdk:generate` when this fails)', async () => {
    const files = await sdkGeneratedFiles();
    expect(Object.keys(files).sort()).toEqual(['event-types.ts', 'openapi.json', 'types.ts']);
    for (const [name, text] of Object.entries(files)) {
      const checkedIn = readFileSync(path.join(sdkGeneratedDir(), name), 'utf8');
      expect(checkedIn === text, `sdk/src/generated/${name} differs from what the server produces: run \`npm run sdk:generate\``).toBe(true);
    }
  });

  it('hold the partner paths only', async () => {
    const doc = JSON.parse((await sdkGeneratedFiles())['openapi.json']!) as { paths: Record<string, unknown> };
    const paths = Object.keys(doc.paths);
    expect(paths).toContain('/snap/v1.0/cards');
    expect(paths.filter((p) => !p.startsWith('/snap/v1.0/'))).toEqual([]);
  });
});

describe('the type generator', () => {
  it('writes objects, optional properties, enums, const, unions, nullable, records and $refs', () => {
    expect(schemaType({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } }, required: ['a'] }, 0)).toBe('{\n  a: string;\n  b?: number;\n}');
    expect(schemaType({ type: 'string', enum: ['X', 'Y'] }, 0)).toBe('"X" | "Y"');
    expect(schemaType({ const: 'only' }, 0)).toBe('"only"');
    expect(schemaType({ anyOf: [{ type: 'string' }, { type: 'null' }] }, 0)).toBe('string | null');
    expect(schemaType({ type: ['number', 'null'] }, 0)).toBe('number | null');
    expect(schemaType({ type: 'string', nullable: true }, 0)).toBe('string | null');
    expect(schemaType({ type: 'object', additionalProperties: { type: 'boolean' } }, 0)).toBe('Record<string, boolean>');
    expect(schemaType({ type: 'array', items: { $ref: '#/components/schemas/Card' } }, 0)).toBe("Array<components['schemas']['Card']>");
    expect(() => schemaType({ $ref: 'https://elsewhere/x.json' }, 0)).toThrow(/unsupported \$ref/);
  });

  it('keys paths by path and method with path parameters, query, body and the success answer (no headers)', () => {
    const text = generateTypes({
      paths: {
        '/snap/v1.0/things/{id}': {
          post: {
            parameters: [
              { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'pageSize', in: 'query', schema: { type: 'integer' } },
              { name: 'X-TIMESTAMP', in: 'header', required: true, schema: { type: 'string' } },
            ],
            requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { n: { type: 'number' } } } } } },
            responses: { '201': { content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } } } }, default: {} },
          },
        },
      },
    });
    expect(text).toContain(
      "'/snap/v1.0/things/{id}': {\n    post: {\n      pathParams: {\n        id: string;\n      };\n      query: {\n        pageSize?: number;\n      };\n      requestBody: {\n        n?: number;\n      };\n      response: {\n        ok: boolean;\n      };",
    );
    expect(text).not.toContain('X-TIMESTAMP');
  });
});
