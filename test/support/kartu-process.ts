import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Kartu } from '../../src/context';
import { createBusiness } from '../../src/modules/access/access.service';
import { networkSignature } from '../../src/modules/authorizations/network-auth';
import { createCardholder } from '../../src/modules/cards/cardholders.service';
import { issueCard, revealCard } from '../../src/modules/cards/cards.service';
import { accountId, postTransfer } from '../../src/modules/ledger/ledger.service';
import { inTransaction } from '../../src/platform/db';
import { freePort } from '../../src/platform/embedded-postgres';
import { authorizationBody as sharedAuthorizationBody } from './partner-fixtures';

/**
 * Real `kartu` processes for tests (the built dist, as deployed: `npm test` builds it in pretest),
 * the cards they are driven with, and a card network signing its calls over the wall clock.
 */

export const MAIN = path.resolve(__dirname, '../../dist/src/main.js');

export interface KartuProcess {
  child: ChildProcess;
  /** Everything it wrote on stdout and stderr. */
  output: string[];
  /** http://127.0.0.1:port, for `serve`. */
  base: string;
  port: number;
}

/** Starts `kartu <command>` (serve: on `port` or a free one, resolved once /readyz answers 200). */
export async function startKartu(command: 'serve' | 'worker', env: Record<string, string>, port?: number): Promise<KartuProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does it in pretest)`);
  const p = port ?? (await freePort());
  const output: string[] = [];
  const child = spawn(process.execPath, [MAIN, command], { env: { ...process.env, ...env, PORT: String(p) }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const started = { child, output, base: `http://127.0.0.1:${p}`, port: p };
  if (command === 'serve') await waitReady(started);
  return started;
}

export async function waitReady({ base, output, child }: KartuProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`kartu exited with ${child.exitCode}:\n${output.join('')}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`kartu serve on ${base} did not become ready:\n${output.join('')}`);
}

/** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
export async function stopKartu(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface Card {
  id: string;
  number: string;
  cvv: string;
  expiry: string;
}

/** A business funded with `funds` (IDR, from the platform bank), a cardholder and `cards` virtual cards with the given spend controls. */
export async function fundedCards(k: Kartu, funds: bigint, cards: number, spendControls?: unknown): Promise<{ businessId: string; cards: Card[] }> {
  const { businessId } = await createBusiness(k, { name: `Test ${randomBytes(2).toString('hex')}` });
  const caller = { businessId, actorType: 'operator' as const, actorId: 'test' };
  await inTransaction(k.db, async (tx) =>
    postTransfer(tx, {
      businessId,
      debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'),
      creditAccountId: await accountId(tx, businessId, 'funding', 'IDR'),
      amount: funds,
      currency: 'IDR',
      kind: 'funding',
    }),
  );
  const holder = await createCardholder(k, caller, { name: 'Siti Rahayu', email: `siti.${randomUUID().slice(0, 8)}@example.com` });
  const out: Card[] = [];
  for (let i = 0; i < cards; i++) {
    const card = await issueCard(k, caller, {
      partnerReferenceNo: `card-${i}-${randomBytes(3).toString('hex')}`,
      cardholderId: holder.id,
      type: 'VIRTUAL',
      ...(spendControls ? { spendControls: spendControls as never } : {}),
    });
    const revealed = await revealCard(k, caller, card.id);
    out.push({ id: card.id, number: revealed.number, cvv: revealed.cvv, expiry: revealed.expiry });
  }
  return { businessId, cards: out };
}

/** The body of an authorization of `amount` IDR minor units on `card` at Kopi Kenangan. */
export function authorizationBody(id: string, card: Card, amount: number): string {
  return JSON.stringify(sharedAuthorizationBody(card, { id, amount }));
}

/** A card network calling a running Kartu over HTTP, signing each call over the wall clock. */
export class NetworkClient {
  constructor(readonly network: { networkId: string; secret: string }) {}

  /** The headers of a signed call carrying `body`. */
  headers(body: string): Record<string, string> {
    const timestamp = new Date().toISOString();
    return { 'Content-Type': 'application/json', 'X-Network-Id': this.network.networkId, 'X-Timestamp': timestamp, 'X-Signature': networkSignature(this.network.secret, timestamp, body) };
  }

  post(base: string, path: string, body: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${base}/network/v1${path}`, { method: 'POST', headers: this.headers(body), body, signal });
  }
}
