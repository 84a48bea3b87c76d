import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/platform/csv';
import { importCards } from '../../src/modules/cards/card-import';
import { startHarness, TestPartner, type Harness } from '../support/harness';

let h: Harness;
let businessId: string;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  businessId = (await TestPartner.create(h)).creds.businessId;
  dir = mkdtempSync(path.join(tmpdir(), 'kartu-import-'));
});
afterAll(() => h.close());

const HEADER = 'partnerReferenceNo,type,name,email,phoneNo,employeeId,currency,spendControls,shippingLine1,shippingCity,shippingPostalCode,shippingCountry';
const rows = {
  virtual: 'imp-1,VIRTUAL,Budi Santoso,budi@example.com,6281234567890,E1,,"{""blockedCategories"":[""gambling""]}",,,,',
  physical: 'imp-2,PHYSICAL,Siti Rahma,siti@example.com,,E2,,,"Jl. Thamrin 2, Lt. 5",Jakarta,10230,ID',
  noShipping: 'imp-3,PHYSICAL,No Address,noaddr@example.com,,E3,,,,,,',
  sameHolder: 'imp-4,VIRTUAL,Budi Santoso,budi@example.com,,E1,,,,,,',
  // Valid cardholder, but the limit's currency is not the card's: fails inside the row's transaction.
  wrongCurrency: 'imp-5,VIRTUAL,Dewi,dewi@example.com,,E5,IDR,"{""spendingLimits"":[{""amount"":{""value"":""10.00"",""currency"":""USD""},""interval"":""daily""}]}",,,,',
  badEmail: 'imp-6,VIRTUAL,Oops,not-an-email,,E6,,,,,,',
};

function file(name: string, lines: string[]): string {
  const f = path.join(dir, name);
  writeFileSync(f, [HEADER, ...lines].join('\r\n') + '\r\n');
  return f;
}

const count = async (sql: string) => Number((await h.kartu.db.query(sql, [businessId]))[0].count);

describe('kartu cards import', () => {
  it('issues a card per row, reuses cardholders by employeeId, reports bad rows and leaves nothing of them', async () => {
    const f = file('batch.csv', Object.values(rows));
    const progress: number[] = [];
    const summary = await importCards(h.kartu, { businessId, file: f, onProgress: (done) => progress.push(done) });
    expect(summary).toMatchObject({ rows: 6, created: 3, exists: 0, errors: 3 });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);

    const results = parseCsv(readFileSync(summary.resultsFile, 'utf8'));
    expect(results[0]).toEqual(['row', 'partnerReferenceNo', 'status', 'cardId', 'cardholderId', 'error']);
    const byRef = Object.fromEntries(results.slice(1).map((r) => [r[1], r]));
    expect(byRef['imp-1']![2]).toBe('created');
    expect(byRef['imp-2']![2]).toBe('created');
    expect(byRef['imp-3']).toMatchObject({ 2: 'error', 5: 'Invalid Mandatory Field shipping.address.line1' });
    expect(byRef['imp-4']![4]).toBe(byRef['imp-1']![4]);
    expect(byRef['imp-5']![2]).toBe('error');
    expect(byRef['imp-5']![5]).toContain('spendControls.spendingLimits.0.amount.currency');
    expect(byRef['imp-6']![5]).toContain('email');

    expect(await count('SELECT count(*) FROM cards WHERE business_id = $1')).toBe(3);
    // Budi (E1) and Siti (E2): the failed rows created no cardholder, not even Dewi whose card failed.
    expect(await count('SELECT count(*) FROM cardholders WHERE business_id = $1')).toBe(2);
    expect(await count("SELECT count(*) FROM outbox_events WHERE business_id = $1 AND type = 'card.created'")).toBe(3);
    const [physical] = await h.kartu.db.query("SELECT status, shipping FROM cards WHERE partner_reference_no = 'imp-2'");
    expect(physical.status).toBe('INACTIVE');
    expect(physical.shipping.address.line1).toBe('Jl. Thamrin 2, Lt. 5');
  });

  it('is idempotent: a rerun with fixed rows issues only what is missing', async () => {
    const fixed = rows.noShipping.replace(',,,,,,', ',,,Jl. Merdeka 3,Bandung,40111,ID');
    const f = file('rerun.csv', [rows.virtual, rows.physical, fixed, rows.sameHolder]);
    const summary = await importCards(h.kartu, { businessId, file: f });
    expect(summary).toMatchObject({ rows: 4, created: 1, exists: 3, errors: 0 });
    expect(await count('SELECT count(*) FROM cards WHERE business_id = $1')).toBe(4);
  });

  it('refuses a file with unknown or missing columns before touching anything', async () => {
    const unknown = path.join(dir, 'unknown.csv');
    writeFileSync(unknown, 'partnerReferenceNo,type,name,email,pan\nx,VIRTUAL,A,a@example.com,4000000000000002\n');
    await expect(importCards(h.kartu, { businessId, file: unknown })).rejects.toThrow(/unknown column\(s\): pan/);
    const missing = path.join(dir, 'missing.csv');
    writeFileSync(missing, 'partnerReferenceNo,type,name\nx,VIRTUAL,A\n');
    await expect(importCards(h.kartu, { businessId, file: missing })).rejects.toThrow(/missing column\(s\): email/);
    await expect(importCards(h.kartu, { businessId: '00000000-0000-4000-8000-000000000001', file: file('nob.csv', [rows.virtual]) })).rejects.toThrow(/no business/);
  });

  it('runs from the CLI with a progress report and exit code 2 when rows fail', async () => {
    const f = file('cli.csv', [rows.badEmail, 'imp-9,VIRTUAL,Cli,cli@example.com,,,,,,,,']);
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: h.kartu.config.databaseUrl, KARTU_MASTER_KEY: h.kartu.config.masterKeys[0]!.toString('base64'), KARTU_HOME: dir };
    const cli = path.resolve(__dirname, '../../dist/src/main.js');
    const result = await run(process.execPath, [cli, 'cards', 'import', f, '--business', businessId, '--json'], { env }).catch((e) => e);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ rows: 2, created: 1, errors: 1 });
    expect(result.stderr).toContain('2/2 rows, 1 errors');
  });
});
