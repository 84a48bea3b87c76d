import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import type { Kartu } from '../../src/context';
import { rekeySecrets } from '../../src/modules/access/access.service';
import { rekeyCards } from '../../src/modules/cards/cards.service';
import { isLuhnValid, vaultOf } from '../../src/modules/cards/pan-vault';
import { keyIdOf, SecretBox } from '../../src/platform/crypto';
import { startHarness, TestPartner, type Harness } from '../support/harness';

const PG_DUMP = process.env.PG_DUMP ?? '/usr/lib/postgresql/15/bin/pg_dump';
const CARD_COUNT = 20;
const TYPES = ['VIRTUAL', 'PHYSICAL', 'SINGLE_USE', 'MERCHANT_LOCKED'] as const;

interface Revealed {
  id: string;
  type: (typeof TYPES)[number];
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  number: string;
  cvv: string;
  expiry: string;
}

let h: Harness;
let partner: TestPartner;
let cardholderId: string;
let logsStart: number;
let logsEnd: number;
const cards: Revealed[] = [];

const SHIPPING = { name: 'Siti Rahma', address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '10210', country: 'ID' } };

async function dumpDatabase(): Promise<string> {
  const { stdout } = await promisify(execFile)(PG_DUMP, ['--no-owner', '--no-privileges', h.kartu.config.databaseUrl!], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** The PAN as printed in the clear, grouped or not, and every 12-digit run of it (a partial PAN). */
function panForms(pan: string): string[] {
  const groups = pan.match(/.{4}/g)!;
  const windows = Array.from({ length: pan.length - 11 }, (_, i) => pan.slice(i, i + 12));
  return [pan, groups.join(' '), groups.join('-'), ...windows];
}

/** Every (key, value) pair at any depth of a parsed JSON value. */
function* entries(value: unknown, key = ''): Generator<[string, unknown]> {
  if (Array.isArray(value)) for (const v of value) yield* entries(v, key);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      yield [k, v];
      yield* entries(v, k);
    }
  }
}

/** The rows of `COPY public.<table> (...) FROM stdin;` in a plain-format dump, as column → text. */
function copyRows(dump: string, table: string): Array<Record<string, string>> {
  const lines = dump.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`COPY public.${table} (`));
  if (start < 0) throw new Error(`no COPY block for ${table} in the dump`);
  const columns = /\(([^)]*)\)/.exec(lines[start]!)![1]!.split(',').map((c) => c.trim());
  const rows: Array<Record<string, string>> = [];
  for (let i = start + 1; lines[i] !== '\\.'; i++) {
    const fields = lines[i]!.split('\t');
    expect(fields).toHaveLength(columns.length);
    rows.push(Object.fromEntries(columns.map((c, j) => [c, fields[j]!])));
  }
  return rows;
}

beforeAll(async () => {
  h = await startHarness();
  partner = await TestPartner.create(h, { name: 'Vault Co' });
  logsStart = h.logs.length;

  const holder = await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Siti Rahma', email: 'siti@example.com', phoneNo: '6281234567890' }));
  expect(holder.status, JSON.stringify(holder.body)).toBe(200);
  cardholderId = holder.body.cardholder.id;

  for (let i = 0; i < CARD_COUNT; i++) {
    const type = TYPES[i % TYPES.length]!;
    const body = { partnerReferenceNo: `vault-${i}`, cardholderId, type, ...(type === 'PHYSICAL' ? { shipping: SHIPPING } : {}) };
    const issued = await partner.call('POST', '/snap/v1.0/cards', JSON.stringify(body));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(issued.body.responseCode).toBe('2009000');
    const card = issued.body.card;
    const revealed = await partner.call('POST', `/snap/v1.0/cards/${card.id}/reveal`);
    expect(revealed.status, JSON.stringify(revealed.body)).toBe(200);
    expect(revealed.body.responseCode).toBe('2009300');
    cards.push({ id: card.id, type, last4: card.last4, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear, ...revealed.body.card });
  }
  logsEnd = h.logs.length;
});
afterAll(() => h.close());

describe('issued and revealed cards', () => {
  it('reveal returns a distinct, Luhn-valid 16-digit PAN under the BIN matching last4, a 3-digit CVV and MMYY expiry', () => {
    expect(cards).toHaveLength(CARD_COUNT);
    for (const c of cards) {
      expect(c.number).toMatch(/^\d{16}$/);
      expect(c.number.startsWith(h.kartu.config.cardBin)).toBe(true);
      expect(isLuhnValid(c.number)).toBe(true);
      expect(c.number.slice(-4)).toBe(c.last4);
      expect(c.cvv).toMatch(/^\d{3}$/);
      expect(c.expiry).toBe(String(c.expiryMonth).padStart(2, '0') + String(c.expiryYear % 100).padStart(2, '0'));
    }
    expect(new Set(cards.map((c) => c.number)).size).toBe(CARD_COUNT);
  });

  it('revealing again gives the same number and CVV (derived, not random)', async () => {
    for (const c of cards.slice(0, 4)) {
      const again = await partner.call('POST', `/snap/v1.0/cards/${c.id}/reveal`);
      expect(again.status).toBe(200);
      expect(again.body.card).toEqual({ id: c.id, last4: c.last4, number: c.number, cvv: c.cvv, expiry: c.expiry });
    }
  });

  it('no other card response carries the PAN or the CVV', async () => {
    const list = await partner.call('GET', '/snap/v1.0/cards?pageSize=100');
    expect(list.status).toBe(200);
    expect(list.body.cards).toHaveLength(CARD_COUNT);
    const one = await partner.call('GET', `/snap/v1.0/cards/${cards[0]!.id}`);
    expect(one.status).toBe(200);
    for (const res of [list, one]) {
      const text = JSON.stringify(res.body);
      for (const c of cards) for (const form of panForms(c.number)) expect(text).not.toContain(form);
      for (const [key] of entries(res.body)) expect(key).not.toMatch(/cvv|cvc|^number$|^pan$/i);
    }
  });
});

describe('(a) the database dump', () => {
  let dump: string;

  beforeAll(async () => {
    dump = await dumpDatabase();
  });

  it('holds the cards (ids and envelopes) but no PAN in any form', () => {
    const rows: Array<{ id: string; pan_enc: string }> = [];
    for (const row of copyRows(dump, 'cards')) rows.push({ id: row.id!, pan_enc: row.pan_enc! });
    expect(rows.map((r) => r.id).sort()).toEqual(cards.map((c) => c.id).sort());
    for (const r of rows) expect(r.pan_enc).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    for (const c of cards) {
      for (const form of panForms(c.number)) expect(dump.includes(form), `PAN form of card ${c.id} in the dump`).toBe(false);
    }
  });

  it('has no CVV column or key anywhere, and no CVV stored with the card, its audit entries or its events', () => {
    // "cvv" as a name of its own (a column, a JSON key), not three letters inside random base64
    // (ciphertexts and hashes contain "CVV" by chance in about one dump of five).
    expect(dump.match(/(?<![A-Za-z0-9+/_-])cvv(?![A-Za-z0-9+/-]|_key_id)/gi) ?? []).toEqual([]);
    const cardRows = copyRows(dump, 'cards');
    const auditRows = copyRows(dump, 'audit_log');
    const eventRows = copyRows(dump, 'outbox_events');
    for (const c of cards) {
      const row = cardRows.find((r) => r.id === c.id)!;
      for (const [column, value] of Object.entries(row)) expect(value, `cards.${column}`).not.toBe(c.cvv);
      const related = [
        ...auditRows.filter((r) => r.target_id === c.id).map((r) => r.details!),
        ...eventRows.filter((r) => r.data!.includes(c.id)).map((r) => r.data!),
      ];
      expect(related.length).toBeGreaterThanOrEqual(3); // card.created + card.revealed audit entries, card.created event
      for (const json of related) {
        for (const [key, value] of entries(JSON.parse(json))) {
          expect(key).not.toMatch(/cvv|cvc|^number$|^pan$/i);
          expect(value).not.toBe(c.cvv);
        }
      }
    }
    // The reveal audit entries exist, one per card (plus the repeats of the test above), and say nothing secret.
    const reveals = auditRows.filter((r) => r.action === 'card.revealed');
    expect(reveals.length).toBe(CARD_COUNT + 4);
    for (const r of reveals) expect(r.details).toBe('{}');
  });

  it('holds no client secret, access token or private key', () => {
    expect(dump).not.toContain(partner.creds.clientSecret);
    expect(dump).not.toContain(partner.accessToken!);
    const keyBody = partner.creds.privateKeyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of keyBody) expect(dump).not.toContain(line);
    // The client secret is there only as an envelope.
    const client = copyRows(dump, 'api_clients').find((r) => r.client_key === partner.creds.clientKey)!;
    expect(client.secret_enc).toMatch(/^v1\./);
  });
});

describe('(b) log output during issuance and reveal', () => {
  const lines = () => h.logs.slice(logsStart, logsEnd);

  it('has a request line for every issuance and every reveal', () => {
    const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const c of cards) {
      const reveal = parsed.filter((l) => l.msg === 'request' && l.method === 'POST' && l.path === `/snap/v1.0/cards/${c.id}/reveal`);
      expect(reveal, `reveal log line of ${c.id}`).toHaveLength(1);
      expect(reveal[0]).toMatchObject({ status: 200, responseCode: '2009300' });
      expect(reveal[0]!.reqId).toEqual(expect.any(String));
    }
    const issues = parsed.filter((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/snap/v1.0/cards');
    expect(issues).toHaveLength(CARD_COUNT);
    for (const l of issues) expect(l).toMatchObject({ status: 200, responseCode: '2009000' });
  });

  it('each reveal log line is tied to its audit entry by request id', async () => {
    const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const c of cards) {
      const line = parsed.find((l) => l.msg === 'request' && l.path === `/snap/v1.0/cards/${c.id}/reveal`)!;
      const audit: Array<{ request_id: string; actor_type: string; actor_id: string }> = await h.kartu.db.query(
        "SELECT request_id, actor_type, actor_id FROM audit_log WHERE action = 'card.revealed' AND target_id = $1 AND request_id = $2",
        [c.id, line.reqId],
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor_type).toBe('partner');
    }
  });

  it('contains no PAN in any form and no CVV in a cvv context', () => {
    const all = lines();
    expect(all.length).toBeGreaterThanOrEqual(2 * CARD_COUNT);
    const text = all.join('\n');
    for (const c of cards) {
      for (const form of panForms(c.number)) expect(text.includes(form), `PAN of ${c.id} in the logs`).toBe(false);
      expect(text).not.toMatch(new RegExp(`cvv2?\\W{0,4}${c.cvv}\\b`, 'i'));
    }
    for (const line of all) {
      for (const [key, value] of entries(JSON.parse(line))) {
        if (/cvv|cvc/i.test(key)) expect(value).toBe('[REDACTED]');
      }
    }
  });
});

describe('(c) master-key rotation', () => {
  const newKey = randomBytes(32);
  let k2: Kartu;
  let before: Array<{ id: string; pan_enc: string; pan_fingerprint: string; cvv_key_id: string }>;

  beforeAll(async () => {
    before = await h.kartu.db.query('SELECT id, pan_enc, pan_fingerprint, cvv_key_id FROM cards ORDER BY id');
    const config = { ...h.kartu.config, masterKeys: [newKey, ...h.kartu.config.masterKeys] };
    k2 = { ...h.kartu, config, secrets: new SecretBox(config.masterKeys, 'secrets') };
  });

  it('rekeyCards re-encrypts every PAN under the new key and replaces every fingerprint; CVV key ids stay', async () => {
    const oldKeyId = keyIdOf(h.kartu.config.masterKeys[0]!);
    const newKeyId = keyIdOf(newKey);
    expect(before).toHaveLength(CARD_COUNT);
    for (const r of before) expect(r.pan_enc.split('.')[1]).toBe(oldKeyId);

    // Between rotation and re-keying, lookups by number still work through the old key's fingerprint.
    for (const c of cards) {
      const found: Array<{ id: string }> = await h.kartu.db.query('SELECT id FROM cards WHERE pan_fingerprint = ANY($1)', [vaultOf(k2).fingerprintCandidates(c.number)]);
      expect(found.map((r) => r.id)).toEqual([c.id]);
    }

    // A batch size that does not divide the count, so the batching loop runs to a partial batch.
    expect(await rekeyCards(k2, 7)).toBe(CARD_COUNT);

    const after: typeof before = await h.kartu.db.query('SELECT id, pan_enc, pan_fingerprint, cvv_key_id FROM cards ORDER BY id');
    expect(after.map((r) => r.id)).toEqual(before.map((r) => r.id));
    const oldFingerprints = new Set(before.map((r) => r.pan_fingerprint));
    for (const [i, r] of after.entries()) {
      expect(r.pan_enc.split('.')[1]).toBe(newKeyId);
      expect(r.pan_enc).not.toBe(before[i]!.pan_enc);
      expect(r.pan_fingerprint).not.toBe(before[i]!.pan_fingerprint);
      expect(oldFingerprints.has(r.pan_fingerprint)).toBe(false);
      expect(r.cvv_key_id).toBe(before[i]!.cvv_key_id);
      expect(r.cvv_key_id).toBe(oldKeyId);
    }
    const [{ stale }]: Array<{ stale: number }> = await h.kartu.db.query("SELECT count(*)::int AS stale FROM cards WHERE split_part(pan_enc, '.', 2) <> $1", [newKeyId]);
    expect(stale).toBe(0);
  });

  it('rekeySecrets re-encrypts the API client secret under the new key', async () => {
    const [{ networks }]: Array<{ networks: number }> = await h.kartu.db.query('SELECT count(*)::int AS networks FROM networks');
    expect(await rekeySecrets(k2)).toEqual({ apiClients: 1, networks });
    const rows: Array<{ secret_enc: string }> = await h.kartu.db.query('SELECT secret_enc FROM api_clients');
    for (const r of rows) expect(r.secret_enc.split('.')[1]).toBe(keyIdOf(newKey));
  });

  it('fingerprintCandidates still finds each card by its number, and only that card', async () => {
    const vault = vaultOf(k2);
    expect(vault.activeKeyId).toBe(keyIdOf(newKey));
    for (const c of cards) {
      const candidates = vault.fingerprintCandidates(c.number);
      expect(candidates).toHaveLength(2);
      const found: Array<{ id: string }> = await h.kartu.db.query('SELECT id FROM cards WHERE pan_fingerprint = ANY($1)', [candidates]);
      expect(found.map((r) => r.id)).toEqual([c.id]);
      // It matches through the new fingerprint, not the stale one.
      const [{ fp }]: Array<{ fp: string }> = await h.kartu.db.query('SELECT pan_fingerprint AS fp FROM cards WHERE id = $1', [c.id]);
      expect(fp).toBe(vault.fingerprint(c.number));
    }
  });

  it('reveal through an app on the rotated keys gives the same number and the same CVV', async () => {
    const app2 = createApp(k2);
    const h2: Harness = { ...h, kartu: k2, app: app2, http: () => supertest.agent(app2) };
    const partner2 = new TestPartner(h2, partner.creds);
    for (const c of cards) {
      const res = await partner2.call('POST', `/snap/v1.0/cards/${c.id}/reveal`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.card).toEqual({ id: c.id, last4: c.last4, number: c.number, cvv: c.cvv, expiry: c.expiry });
    }

    // A card issued after the rotation uses the new key for its PAN and its CVV, and reveals too.
    const issued = await partner2.call('POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: 'vault-after-rotation', cardholderId, type: 'VIRTUAL' }));
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const [row]: Array<{ pan_enc: string; cvv_key_id: string }> = await h.kartu.db.query('SELECT pan_enc, cvv_key_id FROM cards WHERE id = $1', [issued.body.card.id]);
    expect(row!.pan_enc.split('.')[1]).toBe(keyIdOf(newKey));
    expect(row!.cvv_key_id).toBe(keyIdOf(newKey));
    const fresh = await partner2.call('POST', `/snap/v1.0/cards/${issued.body.card.id}/reveal`);
    expect(fresh.status).toBe(200);
    expect(isLuhnValid(fresh.body.card.number)).toBe(true);
    expect(fresh.body.card.number.slice(-4)).toBe(issued.body.card.last4);
  });

  it('running rekeyCards and rekeySecrets again changes nothing', async () => {
    const snapshot = await h.kartu.db.query('SELECT id, pan_enc, pan_fingerprint FROM cards ORDER BY id');
    expect(await rekeyCards(k2)).toBe(0);
    expect(await rekeySecrets(k2)).toEqual({ apiClients: 0, networks: 0 });
    expect(await h.kartu.db.query('SELECT id, pan_enc, pan_fingerprint FROM cards ORDER BY id')).toEqual(snapshot);
  });

  it('the dump after rotation still holds no PAN', async () => {
    const dump = await dumpDatabase();
    for (const c of cards) for (const form of panForms(c.number)) expect(dump.includes(form)).toBe(false);
    expect(dump).not.toContain(partner.creds.clientSecret);
  });
});
