import { readFileSync } from 'node:fs';
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { retryingLostConnections } from '../../platform/db';
import { Conflict, KartuError, NotFound, ServiceUnavailable } from '../../platform/errors';
import iso4217 from '../../platform/iso-4217.json';
import { countNetworkAuthorization, networkMessages } from '../../platform/metrics';
import { parseInput } from '../../platform/validation';
import { authorize, inquireBalance } from '../authorizations/authorize';
import { authorizationRequest, clearingRequest, reversalRequest } from '../authorizations/authorizations.schemas';
import { clear, reversalStanding, reverse } from '../authorizations/authorizations.service';
import { decodeIso8583, encodeIso8583, responseMtiOf, type Iso8583Message } from './iso8583-codec';
import { Iso8583FormatError, Iso8583FrameTooLong } from './iso8583-errors';
import { frameIso8583, Iso8583Framer } from './iso8583-framer';
import { findIso8583SpecFile, loadIso8583Spec, type Iso8583Spec } from './iso8583-spec';

/**
 * The ISO 8583 gateway (docs/iso8583.md): a TCP (or TLS) listener for one card network, beside the
 * JSON network API and on the same decision path. Each connection's byte stream is cut into frames
 * (2-byte length prefix), each frame decoded with the spec and answered on its own: 0800 network
 * management, 0100 authorizations through `authorize` (the micro-batched engine of
 * `POST /network/v1/authorizations`), 0400/0420 reversals through `reverse` (`POST /network/v1/reversals`).
 * Frames of one connection are handled concurrently and answered as each is decided (networks match
 * answers by DE11/DE37, not by order). An answer is written only after its decision is durable; a
 * connection that dies meanwhile loses only the answer, and the network's repeat of the message gets
 * the first answer (idempotent on DE32 + DE37 + DE11 + DE7).
 *
 * Nothing here logs a data element's value: DE2, DE35 and DE52 never reach a log line, and the other
 * elements are left out too (only MTI, reason, element number and the remote address are logged).
 */

type AuthorizationBody = z.infer<typeof authorizationRequest>;

export interface Iso8583GatewayOptions {
  port: number;
  host: string;
  /** The network every connection belongs to (a networks row, ACTIVE). */
  networkId: string;
  /** Spec name (rules/iso8583/<name>.json) or a loaded spec. */
  spec: string | Iso8583Spec;
  tls?: { certFile: string; keyFile: string };
}

export interface Iso8583Gateway {
  readonly port: number;
  /** Stops accepting, waits (at most `graceMs`) for messages being decided to be answered, then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

/** ISO 4217 numeric (DE49) → alpha, from the one currency table. */
const ALPHA_OF_NUMERIC: ReadonlyMap<string, string> = new Map(Object.entries(iso4217.currencies).map(([alpha, c]) => [c.numeric, alpha]));
/** ISO 4217 alpha → numeric (DE54's currency). */
const NUMERIC_OF_ALPHA: ReadonlyMap<string, string> = new Map(Object.entries(iso4217.currencies).map(([alpha, c]) => [alpha, c.numeric]));

/** DE22 positions 1–2 (PAN entry mode) → the JSON API's pos.entryMode. */
const ENTRY_MODES: Record<string, { entryMode: NonNullable<AuthorizationBody['pos']>['entryMode']; cardPresent: boolean }> = {
  '01': { entryMode: 'manual', cardPresent: false },
  '02': { entryMode: 'magstripe', cardPresent: true },
  '90': { entryMode: 'magstripe', cardPresent: true },
  '05': { entryMode: 'chip', cardPresent: true },
  '07': { entryMode: 'contactless', cardPresent: true },
  '91': { entryMode: 'contactless', cardPresent: true },
  '10': { entryMode: 'credential_on_file', cardPresent: false },
  '81': { entryMode: 'ecommerce', cardPresent: false },
};

/** Elements a response echoes from its request, when present (never DE2, DE14, DE35, DE52). */
const ECHOED = [3, 4, 7, 11, 12, 13, 32, 33, 37, 41, 42, 49, 90];
/** DE70 codes answered: sign-on, sign-off, echo test. */
const NETWORK_MANAGEMENT = new Set(['001', '002', '301']);

/**
 * The longest frame accepted: far above the largest message of an ASCII 1987 dialect (a few
 * hundred bytes; DE48 at most 999). A prefix announcing more is lost framing: the connection closes.
 */
export const ISO8583_MAX_FRAME = 8192;

/** Answers: what a message's handling ends with (the response to write, or nothing). */
type Answer = Iso8583Message | null;

/** Starts the listener; resolves once it listens. Refuses to start on an unknown or inactive network or a bad spec file. */
export async function startIso8583Gateway(k: Kartu, o: Iso8583GatewayOptions): Promise<Iso8583Gateway> {
  const spec = typeof o.spec === 'string' ? loadIso8583Spec(findIso8583SpecFile(o.spec)) : o.spec;
  const [network]: Array<{ status: string }> = await retryingLostConnections(() => k.db.query('SELECT status FROM networks WHERE id = $1', [o.networkId]));
  if (!network || network.status !== 'ACTIVE') throw new Error(`ISO 8583 gateway: network ${o.networkId} is unknown or not ACTIVE (kartu networks create)`);
  const sockets = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  let closing = false;

  const onConnection = (socket: Socket) => {
    if (closing) return void socket.destroy();
    sockets.add(socket);
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const framer = new Iso8583Framer(ISO8583_MAX_FRAME);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    socket.on('error', (err) => k.logger.info({ remote, code: (err as NodeJS.ErrnoException).code }, 'iso8583: connection error'));
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      // Shutting down: no new message is started (its network retries it elsewhere); those started are answered.
      if (closing) return;
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        // Framing is lost (a prefix beyond the largest frame): nothing after it can be read.
        k.logger.warn({ remote, reason: err instanceof Iso8583FrameTooLong ? 'frame_too_long' : 'framing' }, 'iso8583: framing lost, closing the connection');
        socket.removeAllListeners('data');
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        const work = handleFrame(k, spec, o.networkId, frame, remote)
          .then((answer) => {
            if (answer && !socket.destroyed && socket.writable) socket.write(frameIso8583(encodeIso8583(spec, answer)));
          })
          .catch((err: unknown) => k.logger.error({ remote, err: err instanceof Error ? err.name : 'unknown' }, 'iso8583: message not answered'));
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      }
    });
  };

  const server: Server = o.tls
    ? tls.createServer({ cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile) }, onConnection)
    : net.createServer(onConnection);
  // A failed TLS handshake, or a client gone before it finished: that connection only.
  server.on('tlsClientError', (err: Error) => k.logger.info({ code: (err as NodeJS.ErrnoException).code }, 'iso8583: TLS handshake failed'));
  server.on('error', (err) => k.logger.error({ code: (err as NodeJS.ErrnoException).code }, 'iso8583: listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  k.logger.info({ port, host: o.host, tls: Boolean(o.tls), spec: spec.name }, 'ISO 8583 gateway listening');
  return {
    port,
    async close(graceMs = 10_000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

/** Decodes and answers one frame; never throws for what the frame contains. */
export async function handleFrame(k: Kartu, spec: Iso8583Spec, networkId: string, frame: Buffer, remote = ''): Promise<Answer> {
  let message: Iso8583Message;
  try {
    message = decodeIso8583(spec, frame);
  } catch (err) {
    if (!(err instanceof Iso8583FormatError)) throw err;
    const responseMti = err.mti === null ? null : responseMtiOf(err.mti);
    k.logger.warn({ remote, mti: err.mti, reason: err.reason, field: err.field, offset: err.offset }, 'iso8583: malformed message');
    if (!responseMti || !spec.messageTypes.has(responseMti)) return null;
    return formatErrorAnswer(spec, responseMti, frame);
  }
  const responseMti = responseMtiOf(message.mti);
  if (!responseMti || !spec.messageTypes.has(responseMti)) {
    // A response or anything else the issuer is not asked: nothing to answer.
    k.logger.info({ remote, mti: message.mti }, 'iso8583: message with no response type ignored');
    return null;
  }
  switch (message.mti) {
    case '0800':
      return networkManagement(message, responseMti);
    case '0100':
      return /^31/.test(str(message, 3) ?? '') ? balanceInquiry(k, message, responseMti) : authorization(k, networkId, message, responseMti);
    case '0200':
      return financial(k, networkId, message, responseMti);
    case '0400':
    case '0420':
      return reversal(k, networkId, message, responseMti);
    default:
      // 0120 advice is not built: answered, never silently approved.
      return respond(message, responseMti, '12');
  }
}

function str(m: Iso8583Message, de: number): string | undefined {
  const v = m.fields.get(de);
  return typeof v === 'string' ? v : undefined;
}

function respond(request: Iso8583Message, mti: string, code: string, extra: Array<[number, string]> = []): Iso8583Message {
  const fields = new Map<number, string>();
  for (const de of ECHOED) {
    const v = str(request, de);
    if (v !== undefined) fields.set(de, v);
  }
  fields.set(39, code);
  for (const [de, v] of extra) fields.set(de, v);
  return { mti, fields: new Map([...fields].sort(([a], [b]) => a - b)) };
}

/**
 * A format error's answer: DE39 30, echoing DE7, DE11, DE32, DE37 and DE41 when they could be read
 * before the problem (an echoed value the response cannot carry is left out).
 */
function formatErrorAnswer(spec: Iso8583Spec, mti: string, frame: Buffer): Iso8583Message {
  const fields = new Map<number, string>([[39, '30']]);
  const leading = readableElements(spec, frame);
  for (const de of [7, 11, 32, 37, 41]) {
    const v = leading.get(de);
    if (v !== undefined) fields.set(de, v);
  }
  const answer = { mti, fields: new Map([...fields].sort(([a], [b]) => a - b)) };
  try {
    encodeIso8583(spec, answer);
    return answer;
  } catch {
    return { mti, fields: new Map([[39, '30']]) };
  }
}

/**
 * The elements of a malformed frame that can be read, walking the ASCII dialect element by element
 * and stopping where lengths can no longer be known (a bad length prefix, the end of the frame;
 * binary bitmaps or elements: nothing). A fixed element with bad characters is skipped over. Only the few elements a format error echoes are kept.
 */
function readableElements(spec: Iso8583Spec, frame: Buffer): Map<number, string> {
  const out = new Map<number, string>();
  try {
    const text = frame.toString('latin1');
    if (spec.bitmapEncoding !== 'ascii-hex') return out;
    let offset = 4;
    const primary = text.slice(offset, offset + 16);
    if (!/^[0-9A-Fa-f]{16}$/.test(primary)) return out;
    let bits = BigInt(`0x${primary}`).toString(2).padStart(64, '0');
    offset += 16;
    if (bits[0] === '1') {
      const secondary = text.slice(offset, offset + 16);
      if (!/^[0-9A-Fa-f]{16}$/.test(secondary)) return out;
      bits += BigInt(`0x${secondary}`).toString(2).padStart(64, '0');
      offset += 16;
    }
    for (let de = 2; de <= bits.length; de++) {
      if (bits[de - 1] !== '1') continue;
      const f = spec.fields.get(de);
      if (!f || f.encoding === 'binary') return out;
      let length: number;
      if (f.length === 'fixed') length = f.size;
      else {
        const digits = f.length === 'LLVAR' ? 2 : 3;
        const prefix = text.slice(offset, offset + digits);
        if (!/^\d+$/.test(prefix) || prefix.length !== digits) return out;
        length = Number(prefix);
        if (length > f.max) return out;
        offset += digits;
      }
      const chars = f.type === 'b' ? length * 2 : length;
      if (offset + chars > text.length) return out;
      const value = text.slice(offset, offset + chars);
      // A bad value of known length (non-numeric where numeric) does not stop the walk; it is just not kept.
      const readable = f.type === 'n' ? /^\d*$/.test(value) : /^[\x20-\x7e]*$/.test(value);
      if (readable && [7, 11, 32, 37, 41].includes(de)) out.set(de, value);
      offset += chars;
    }
  } catch {
    // Whatever was read so far.
  }
  return out;
}

function networkManagement(m: Iso8583Message, mti: string): Iso8583Message {
  const code = str(m, 70);
  // 001 sign-on, 002 sign-off, 301 echo: the gateway keeps no session state, so each is acknowledged.
  const answer = respond(m, mti, code !== undefined && NETWORK_MANAGEMENT.has(code) ? '00' : '12');
  if (code !== undefined) answer.fields.set(70, code);
  return answer;
}

/** The network message id of an ISO 8583 message: DE32 + DE37 + DE11 + DE7 (unique per acquirer per the standard). */
export function iso8583MessageId(acquirer: string, rrn: string, stan: string, transmitted: string): string {
  return `iso8583:${acquirer.replace(/^0+(?=\d)/, '')}:${rrn.trim()}:${stan}:${transmitted}`;
}

/** The card of a message: DE2 and DE14 (YYMM), or else from DE35. */
function cardElementsOf(m: Iso8583Message): { pan?: string; expiry?: string } {
  let pan = str(m, 2);
  let expiry = str(m, 14);
  const track2 = str(m, 35);
  if (track2) {
    const [t2pan, rest] = track2.split(/[=D]/);
    pan ??= t2pan;
    if (expiry === undefined && rest && rest.length >= 4) expiry = rest.slice(0, 4);
  }
  return { pan, expiry };
}

/**
 * DE54 (ISO 8583:1987 additional amounts) of one amount: account type 2 (DE3 positions 3–4, the
 * "from" account), amount type 2 (`02` available balance), currency 3 (ISO 4217 numeric), sign
 * `C` (credit, zero or more) or `D` (debit, below zero), amount 12 in minor units.
 */
export function additionalAmount(accountType: string, amountType: string, currencyNumeric: string, amount: bigint): string {
  const sign = amount < 0n ? 'D' : 'C';
  const magnitude = amount < 0n ? -amount : amount;
  return `${accountType}${amountType}${currencyNumeric}${sign}${magnitude.toString().padStart(12, '0')}`;
}

/**
 * A balance inquiry (0100, DE3 `31xxxx`): the same required elements and PIN refusal as an
 * authorization, the card read and checked as `authorize` checks it (`inquireBalance`), and, when
 * it may be used, DE39 00 with the funding account's available balance in DE54. No authorization
 * is recorded and nothing changes, so a repeat is answered the balance of the moment.
 */
async function balanceInquiry(k: Kartu, m: Iso8583Message, mti: string): Promise<Iso8583Message> {
  if (!str(m, 7) || !str(m, 11) || !str(m, 32) || !str(m, 37)) return respond(m, mti, '30');
  if (m.fields.has(52)) return respond(m, mti, '55');
  const { pan, expiry } = cardElementsOf(m);
  if (!pan || !/^\d{12,19}$/.test(pan) || (expiry !== undefined && !/^\d{4}$/.test(expiry))) return respond(m, mti, '30');
  try {
    const answer = await inquireBalance(k, { number: pan, ...(expiry ? { expiry: `${expiry.slice(2, 4)}${expiry.slice(0, 2)}` } : {}) });
    networkMessages.inc({ message: 'balance_inquiry', outcome: answer.responseCode });
    if (!('available' in answer)) return respond(m, mti, answer.responseCode);
    const numeric = NUMERIC_OF_ALPHA.get(answer.currency);
    if (!numeric) return respond(m, mti, '96');
    const accountType = (str(m, 3) ?? '310000').slice(2, 4);
    return respond(m, mti, '00', [[54, additionalAmount(accountType, '02', numeric, answer.available)]]);
  } catch (err) {
    const code = refusalCode(err);
    networkMessages.inc({ message: 'balance_inquiry', outcome: code });
    if (code === '96') k.logger.error({ mti: m.mti, err: err instanceof Error ? err.name : 'unknown' }, 'iso8583: balance inquiry failed');
    return respond(m, mti, code);
  }
}

/** The JSON API's body for a 0100, or the DE39 to answer instead. */
export function authorizationBodyOf(m: Iso8583Message): { body: AuthorizationBody } | { code: string } {
  const de7 = str(m, 7);
  const de11 = str(m, 11);
  const de32 = str(m, 32);
  const de37 = str(m, 37);
  if (!de7 || !de11 || !de32 || !de37) return { code: '30' };
  // A PIN block cannot be verified yet (no PIN key is configurable): 55, never an approval that
  // skipped the PIN the cardholder entered.
  if (m.fields.has(52)) return { code: '55' };
  const processing = str(m, 3) ?? '000000';
  // Purchase (00) and cash (01) from the default account; refunds, balance inquiries and the rest are not built.
  if (!/^0[01]00/.test(processing)) return { code: '12' };
  const { pan, expiry } = cardElementsOf(m);
  const de4 = str(m, 4);
  const currency = ALPHA_OF_NUMERIC.get(str(m, 49) ?? '');
  const de43 = str(m, 43) ?? '';
  const mode = ENTRY_MODES[(str(m, 22) ?? '').slice(0, 2)];
  if (!pan || !de4 || !currency) return { code: '30' };
  const body: AuthorizationBody = {
    id: iso8583MessageId(de32, de37, de11, de7),
    card: { number: pan, ...(expiry ? { expiry: `${expiry.slice(2, 4)}${expiry.slice(0, 2)}` } : {}) },
    amount: Number(de4),
    currency,
    merchant: {
      id: (str(m, 42) ?? '').trim(),
      name: de43.slice(0, 25).trim(),
      mcc: str(m, 18) ?? '',
      ...(de43.slice(25, 38).trim() ? { city: de43.slice(25, 38).trim() } : {}),
      country: de43.slice(38, 40),
    },
    ...(mode ? { pos: { entryMode: mode.entryMode, cardPresent: mode.cardPresent } } : {}),
  };
  return { body };
}

/** DE39 of a refusal (an error, not a decision). */
function refusalCode(err: unknown): string {
  if (err instanceof ServiceUnavailable) return '91';
  if (err instanceof Conflict) return '94';
  if (err instanceof NotFound) return '25';
  if (err instanceof KartuError && err.status === 400) return '30';
  return '96';
}

async function authorization(k: Kartu, networkId: string, m: Iso8583Message, mti: string): Promise<Iso8583Message> {
  const mapped = authorizationBodyOf(m);
  if ('code' in mapped) return respond(m, mti, mapped.code);
  try {
    const body = parseInput(authorizationRequest, mapped.body);
    // The request hash of the idempotency check: the mapped body, so a repeat of the same message matches.
    const decided = await authorize(k, networkId, body, Buffer.from(JSON.stringify(body)));
    countNetworkAuthorization(decided.decision, decided.responseCode);
    const extra: Array<[number, string]> = [];
    if (decided.authorizationCode) extra.push([38, decided.authorizationCode]);
    if (decided.decision === 'partial') extra.push([4, String(decided.approvedAmount).padStart(12, '0')]);
    return respond(m, mti, decided.responseCode, extra);
  } catch (err) {
    const code = refusalCode(err);
    countNetworkAuthorization(err instanceof ServiceUnavailable ? 'unavailable' : 'refused', code);
    if (code === '96') k.logger.error({ mti: m.mti, err: err instanceof Error ? err.name : 'unknown' }, 'iso8583: authorization failed');
    return respond(m, mti, code);
  }
}

/** The clearing id of a 0200: derived from its message id, so a repeat clears under the same id. */
export function financialClearingId(messageId: string): string {
  return `${messageId}:clear`;
}

/**
 * A 0200 (a single-message purchase): the same `authorize` as a 0100, then, when approved, the same
 * clearing as `POST /network/v1/clearings` for the approved amount under a clearing id derived from
 * the message id. Both steps are idempotent, so a repeat (same DE32 + DE37 + DE11 + DE7) gets the
 * first decision and completes a clearing a crash left undone, never clearing twice.
 */
async function financial(k: Kartu, networkId: string, m: Iso8583Message, mti: string): Promise<Iso8583Message> {
  const mapped = authorizationBodyOf(m);
  if ('code' in mapped) return respond(m, mti, mapped.code);
  try {
    const body = parseInput(authorizationRequest, mapped.body);
    const decided = await authorize(k, networkId, body, Buffer.from(JSON.stringify(body)));
    countNetworkAuthorization(decided.decision, decided.responseCode);
    if (decided.decision !== 'approved' && decided.decision !== 'partial') return respond(m, mti, decided.responseCode);
    const clearing = parseInput(clearingRequest, {
      id: financialClearingId(body.id),
      authorizationId: body.id,
      amount: decided.approvedAmount,
      currency: body.currency,
      merchant: body.merchant,
    });
    await clear(k, networkId, clearing, Buffer.from(JSON.stringify(clearing)));
    networkMessages.inc({ message: 'clearing', outcome: 'accepted' });
    const extra: Array<[number, string]> = [];
    if (decided.authorizationCode) extra.push([38, decided.authorizationCode]);
    if (decided.decision === 'partial') extra.push([4, String(decided.approvedAmount).padStart(12, '0')]);
    return respond(m, mti, decided.responseCode, extra);
  } catch (err) {
    const code = refusalCode(err);
    networkMessages.inc({ message: 'clearing', outcome: code });
    if (code === '96') k.logger.error({ mti: m.mti, err: err instanceof Error ? err.name : 'unknown' }, 'iso8583: financial message failed');
    return respond(m, mti, code);
  }
}

/**
 * DE90 (42 digits): original MTI 4, STAN 6, DE7 10, DE32 11 (right-justified, zero-filled), DE33 11.
 * The original authorization is the one of that DE32 + DE11 + DE7, with the reversal's own DE37
 * (a reversal carries its original's RRN).
 */
export function originalMessageIdOf(m: Iso8583Message): string | null {
  const de90 = str(m, 90);
  const rrn = str(m, 37);
  if (!de90 || de90.length !== 42 || !rrn) return null;
  return iso8583MessageId(de90.slice(20, 31), rrn, de90.slice(4, 10), de90.slice(10, 20));
}

/**
 * What a reversal releases, from its DE4 (docs/iso8583.md): absent, zero, or the original's amount:
 * everything still held (undefined, a full reversal); less: DE4 is the replacement amount, what stays
 * held, so the open amount minus DE4 is released. A DE39 instead: 25 when the original is not
 * found, 13 when DE4 is above it or above what is still held, 00 when DE4 is exactly what is held
 * (nothing to release), and 00 for a reversal already accepted (its repeat: nothing released twice).
 */
async function releasedAmountOf(k: Kartu, networkId: string, id: string, original: string, de4: string | undefined): Promise<number | undefined | string> {
  const standing = await reversalStanding(k, networkId, id, original);
  // Only an accepted reversal is stored: the repeat gets its answer, 00.
  if (standing?.repeated) return '00';
  if (de4 === undefined || BigInt(de4) === 0n) return undefined;
  if (!standing) return '25';
  // Money as bigint; the JSON body's amount is a number (at most 1e15, exact).
  const replacement = BigInt(de4);
  if (replacement === standing.approved) return undefined;
  if (replacement > standing.approved) return '13';
  if (replacement === standing.open) return '00';
  return replacement < standing.open ? Number(standing.open - replacement) : '13';
}

async function reversal(k: Kartu, networkId: string, m: Iso8583Message, mti: string): Promise<Iso8583Message> {
  const de7 = str(m, 7);
  const de11 = str(m, 11);
  const de32 = str(m, 32);
  const de37 = str(m, 37);
  const original = originalMessageIdOf(m);
  if (!de7 || !de11 || !de32 || !de37 || !original) return respond(m, mti, '30');
  const id = iso8583MessageId(de32, de37, de11, de7);
  try {
    const amount = await releasedAmountOf(k, networkId, id, original, str(m, 4));
    if (typeof amount === 'string') return respond(m, mti, amount);
    const body = parseInput(reversalRequest, { id, authorizationId: original, ...(amount === undefined ? {} : { amount }) });
    await reverse(k, networkId, body, Buffer.from(JSON.stringify(body)));
    networkMessages.inc({ message: 'reversal', outcome: 'accepted' });
    return respond(m, mti, '00');
  } catch (err) {
    const code = refusalCode(err);
    networkMessages.inc({ message: 'reversal', outcome: code });
    if (code === '96') k.logger.error({ mti: m.mti, err: err instanceof Error ? err.name : 'unknown' }, 'iso8583: reversal failed');
    return respond(m, mti, code);
  }
}
