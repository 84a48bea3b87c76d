/**
 * `npm run bench`: starts `kartu serve` on a fresh database, then drives it with autocannon —
 * `/healthz` first (the ceiling of this process), then signed SNAP partner calls (each with a new
 * X-EXTERNAL-ID and signature) — and prints rps, p50/p99 and the ratio to /healthz.
 * Not part of `npm test`. BENCH_DURATION (s) and BENCH_CONNECTIONS tune it.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { kartuDataSource } from '../src/database';
import { createBusiness } from '../src/modules/access/access.service';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign } from '../src/modules/access/snap-signature';
import { systemClock } from '../src/platform/clock';
import { SecretBox } from '../src/platform/crypto';
import { migrate } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';
import { formatSnapTimestamp } from '../src/platform/snap-time';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const serverUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const port = Number(process.env.BENCH_PORT ?? 3100);

async function main(): Promise<void> {
  const dbName = `kartu_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(serverUrl);
  dbUrl.pathname = `/${dbName}`;
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    KARTU_MASTER_KEY: randomBytes(32).toString('base64'),
    KARTU_LOG_LEVEL: 'warn',
    KARTU_RATE_LIMIT_PER_SECOND: '100000',
    PORT: String(port),
  };
  const config = loadConfig(env);
  const db = kartuDataSource(config.databaseUrl!, 2);
  await db.initialize();
  await migrate(db);
  const kartu = { config, clock: systemClock, db, logger: createLogger('warn'), secrets: new SecretBox(config.masterKeys, 'secrets') };
  const partner = await createBusiness(kartu, { name: 'Bench' });
  await db.destroy();

  const server = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.resolve(__dirname, '../src/main.js'), 'serve'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(base);
    const healthz = await cannon({ url: `${base}/healthz` });

    const ts = formatSnapTimestamp(new Date());
    const tokenRes = await fetch(`${base}/snap/v1.0/access-token/b2b`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CLIENT-KEY': partner.clientKey, 'X-TIMESTAMP': ts, 'X-SIGNATURE': signAccessTokenRequest(partner.privateKeyPem!, partner.clientKey, ts) },
      body: JSON.stringify({ grantType: 'client_credentials' }),
    });
    const { accessToken } = (await tokenRes.json()) as { accessToken: string };
    const pathname = '/snap/v1.0/balance-inquiry';
    const body = '{}';
    const signed = await cannon({
      url: base,
      requests: [
        {
          method: 'POST',
          path: pathname,
          body,
          setupRequest: (req) => {
        const timestamp = formatSnapTimestamp(new Date());
        return {
          ...req,
          headers: {
            'Content-Type': 'application/json',
            Authorization: `Bearer ${accessToken}`,
            'X-TIMESTAMP': timestamp,
            'X-SIGNATURE': signSymmetric(partner.clientSecret, symmetricStringToSign('POST', pathname, accessToken, body, timestamp)),
            'X-PARTNER-ID': partner.partnerId,
            'X-EXTERNAL-ID': randomUUID().replaceAll('-', ''),
            'CHANNEL-ID': partner.channelId,
              },
            };
          },
        },
      ],
    });
    const row = (name: string, r: autocannon.Result) =>
      `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} rps   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
    console.log(`\nKartu bench: ${connections} connections, ${duration} s each, one api process`);
    console.log(row('GET /healthz', healthz));
    console.log(row('POST balance-inquiry (signed SNAP)', signed));
    console.log(`ratio signed / healthz: ${(signed.requests.average / healthz.requests.average).toFixed(2)}`);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit');
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ connections, duration, ...opts });
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
