/**
 * The authorization engine without HTTP: 32 concurrent callers of `authorize()` against a fresh
 * database for BENCH_DURATION seconds (200 cards on one funding account). Prints authorizations per
 * second and the Node CPU per authorization, to separate the engine's cost from the HTTP route's
 * (`npm run bench`). `npm run build && node dist/bench/authorize-direct.js`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config';
import type { Kartu } from '../src/context';
import { kartuDataSource } from '../src/database';
import { createBusiness, createNetwork } from '../src/modules/access/access.service';
import { authorize } from '../src/modules/authorizations/authorize';
import { createCardholder } from '../src/modules/cards/cardholders.service';
import { issueCard, revealCard } from '../src/modules/cards/cards.service';
import { accountId, postTransfer } from '../src/modules/ledger/ledger.service';
import { systemClock } from '../src/platform/clock';
import { SecretBox } from '../src/platform/crypto';
import { inTransaction, migrate } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';

async function main() {
  const dbName = `kartu_direct_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const config = loadConfig({ ...process.env, DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${dbName}`, KARTU_MASTER_KEY: randomBytes(32).toString('base64'), KARTU_LOG_LEVEL: 'warn' });
  const db = kartuDataSource(config.databaseUrl!, 20);
  await db.initialize();
  await migrate(db);
  const k: Kartu = { config, clock: systemClock, db, logger: createLogger('warn'), secrets: new SecretBox(config.masterKeys, 'secrets') };
  const partner = await createBusiness(k, { name: 'd' });
  const caller = { businessId: partner.businessId, actorType: 'operator' as const, actorId: 'bench' };
  await inTransaction(k.db, async (tx) => postTransfer(tx, { businessId: partner.businessId, debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'), creditAccountId: await accountId(tx, partner.businessId, 'funding', 'IDR'), amount: 10n ** 16n, currency: 'IDR', kind: 'funding' }));
  const holder = await createCardholder(k, caller, { name: 'B', email: 'b@example.com' });
  const cards: Array<{ number: string; cvv: string; expiry: string }> = [];
  for (let i = 0; i < 200; i++) {
    const card = await issueCard(k, caller, { partnerReferenceNo: `b-${i}`, cardholderId: holder.id, type: 'VIRTUAL' });
    const r = await revealCard(k, caller, card.id);
    cards.push({ number: r.number, cvv: r.cvv, expiry: r.expiry });
  }
  const network = await createNetwork(k, 'n');
  const seconds = Number(process.env.BENCH_DURATION ?? 10);
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (Date.now() < end) {
      const body = { id: randomUUID(), card: cards[Math.floor(Math.random() * cards.length)]!, amount: 100 * (1 + Math.floor(Math.random() * 100000)), currency: 'IDR' as const, merchant: { id: 'M1', name: 'Kopi', mcc: '5814', city: 'Jakarta', country: 'ID' }, pos: { entryMode: 'contactless' as const, cardPresent: true }, partialAllowed: false };
      await authorize(k, network.networkId, body, Buffer.from(JSON.stringify(body)));
      done++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  console.log(`direct: ${(done / seconds).toFixed(0)} auth/s, node CPU ${(((cpu.user + cpu.system) / 1000) / done).toFixed(3)} ms per authorization`);
  await db.destroy();
  await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
  await admin.end();
  process.exit(0);
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
