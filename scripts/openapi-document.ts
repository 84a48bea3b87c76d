import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { generateEventTypes, generateTypes, partnerDocument, type OpenApiDocument } from '../sdk/scripts/generate';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { kartuDataSource } from '../src/database';
import { systemClock } from '../src/platform/clock';
import { SecretBox } from '../src/platform/crypto';
import { EVENT_TYPES } from '../src/modules/events/event-types';
import { createLogger } from '../src/platform/logger';

/**
 * The server's OpenAPI document, as GET /openapi.json serves it, built without a database: route
 * registration queries nothing, so the DataSource is constructed and never initialized, and there
 * is no Redis. The config is fixed (not the environment's), so the document is the same everywhere.
 */
export async function openApiDocument(): Promise<object> {
  const config = loadConfig({ KARTU_ENV: 'sandbox', KARTU_MASTER_KEY: Buffer.alloc(32).toString('base64'), DATABASE_URL: 'postgres://unused@127.0.0.1:1/unused' });
  const db = kartuDataSource(config.databaseUrl!);
  const logger = createLogger('silent');
  const app = createApp({ config, clock: systemClock, db, logger, secrets: new SecretBox(config.masterKeys, 'secrets') });
  const server = http.createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`);
    if (!res.ok) throw new Error(`/openapi.json answered ${res.status}`);
    return (await res.json()) as object;
  } finally {
    app.adminStream.close();
    server.close();
  }
}

/** The SDK's checked-in files (sdk/src/generated) as the server produces them now: the document, its types and the event types. */
export async function sdkGeneratedFiles(): Promise<Record<string, string>> {
  const doc = partnerDocument((await openApiDocument()) as OpenApiDocument);
  return { 'openapi.json': JSON.stringify(doc, null, 2) + '\n', 'types.ts': generateTypes(doc), 'event-types.ts': generateEventTypes(EVENT_TYPES) };
}

/** sdk/src/generated of this checkout, from scripts/ (vitest) and dist/scripts/ (npm run sdk:generate) alike. */
export function sdkGeneratedDir(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'sdk', 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no sdk/ above ${__dirname}`);
    dir = parent;
  }
  return path.join(dir, 'sdk', 'src', 'generated');
}

if (require.main === module) {
  void sdkGeneratedFiles().then((files) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(sdkGeneratedDir(), name), text);
  });
}
