import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { Kartu } from '../../context';
import { parseCsv, csvLine } from '../../platform/csv';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat, KartuError } from '../../platform/errors';
import { parseInput } from '../../platform/validation';
import type { Caller } from '../access/caller';
import { Card } from './card.entity';
import { Cardholder } from './cardholder.entity';
import { cardCreate, cardholderCreate } from './cards.schemas';
import { createCardholderIn } from './cardholders.service';
import { issueCardIn } from './cards.service';

/** The columns of a bulk-issuance file; a header row names them (order free, unknown columns refused). */
export const IMPORT_COLUMNS = [
  'partnerReferenceNo',
  'type',
  'name',
  'email',
  'phoneNo',
  'employeeId',
  'dateOfBirth',
  'currency',
  'spendControls',
  'metadata',
  'shippingName',
  'shippingLine1',
  'shippingLine2',
  'shippingCity',
  'shippingState',
  'shippingPostalCode',
  'shippingCountry',
] as const;
const REQUIRED = ['partnerReferenceNo', 'type', 'name', 'email'];

export type RowStatus = 'created' | 'exists' | 'error';
export interface ImportSummary {
  rows: number;
  created: number;
  exists: number;
  errors: number;
  resultsFile: string;
}

/**
 * Bulk issuance: one cardholder (reused by employeeId when it exists) and one card per row, each row
 * in its own transaction, so a bad row is reported and leaves nothing behind. Idempotent on
 * partnerReferenceNo: a rerun (after a crash or with fixed rows) skips cards that exist and issues
 * the rest. A per-row result line is appended to the results file as each row finishes.
 */
export async function importCards(
  k: Kartu,
  opts: { businessId: string; file: string; resultsFile?: string; onProgress?: (done: number, total: number, errors: number) => void },
): Promise<ImportSummary> {
  const table = parseCsv(readFileSync(opts.file, 'utf8'));
  const [header, ...rows] = table;
  if (!header) throw new Error(`${opts.file} is empty`);
  const unknown = header.filter((h) => !(IMPORT_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) throw new Error(`unknown column(s): ${unknown.join(', ')} (known: ${IMPORT_COLUMNS.join(', ')})`);
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) throw new Error(`missing column(s): ${missing.join(', ')}`);
  if (!(await k.db.query('SELECT 1 FROM businesses WHERE id = $1', [opts.businessId]).catch(() => [])).length) {
    throw new Error(`no business ${opts.businessId}`);
  }

  const caller: Caller = { businessId: opts.businessId, actorType: 'operator', actorId: 'cli:cards-import' };
  const resultsFile = opts.resultsFile ?? `${opts.file}.results.csv`;
  writeFileSync(resultsFile, csvLine(['row', 'partnerReferenceNo', 'status', 'cardId', 'cardholderId', 'error']));
  const summary: ImportSummary = { rows: rows.length, created: 0, exists: 0, errors: 0, resultsFile };
  for (let i = 0; i < rows.length; i++) {
    const cells = rows[i]!;
    const record = Object.fromEntries(header.map((h, c) => [h, (cells[c] ?? '').trim()]).filter(([, v]) => v !== ''));
    let result: { status: RowStatus; cardId?: string; cardholderId?: string; error?: string };
    try {
      result = await importRow(k, caller, record);
    } catch (err) {
      result = { status: 'error', error: err instanceof KartuError ? `${err.message}` : `Row failed: ${(err as Error).message}` };
    }
    summary[result.status === 'error' ? 'errors' : result.status]++;
    appendFileSync(resultsFile, csvLine([i + 2, record.partnerReferenceNo, result.status, result.cardId, result.cardholderId, result.error]));
    opts.onProgress?.(i + 1, rows.length, summary.errors);
  }
  return summary;
}

async function importRow(k: Kartu, caller: Caller, r: Record<string, string>) {
  const json = (column: string) => {
    if (r[column] === undefined) return undefined;
    try {
      return JSON.parse(r[column]!);
    } catch {
      throw new InvalidFieldFormat(column, 'not JSON');
    }
  };
  const holderInput = parseInput(cardholderCreate, {
    name: r.name,
    email: r.email,
    phoneNo: r.phoneNo,
    employeeId: r.employeeId,
    dateOfBirth: r.dateOfBirth,
  });
  const shipping =
    r.type === 'PHYSICAL' || r.shippingLine1
      ? {
          name: r.shippingName ?? r.name,
          address: { line1: r.shippingLine1, line2: r.shippingLine2, city: r.shippingCity, state: r.shippingState, postalCode: r.shippingPostalCode, country: r.shippingCountry },
        }
      : undefined;
  // The cardholder id is not known yet: validate the card with a placeholder, then issue with the real one.
  const placeholder = '00000000-0000-4000-8000-000000000000';
  const cardInput = parseInput(cardCreate, {
    partnerReferenceNo: r.partnerReferenceNo,
    cardholderId: placeholder,
    type: r.type,
    currency: r.currency,
    spendControls: json('spendControls'),
    metadata: json('metadata'),
    shipping,
  });
  return inTransaction(k.db, async (tx) => {
    const existing = await tx.findOne(Card, { where: { businessId: caller.businessId, partnerReferenceNo: cardInput.partnerReferenceNo } });
    if (existing) return { status: 'exists' as const, cardId: existing.id, cardholderId: existing.cardholderId };
    const holder = holderInput.employeeId
      ? await tx.findOne(Cardholder, { where: { businessId: caller.businessId, employeeId: holderInput.employeeId } })
      : null;
    const cardholderId = holder?.id ?? (await createCardholderIn(tx, caller, holderInput)).id;
    const card = await issueCardIn(tx, k, caller, { ...cardInput, cardholderId });
    return { status: 'created' as const, cardId: card.id, cardholderId };
  });
}
