import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIso8583, encodeIso8583, type Iso8583Message } from '../../src/modules/iso8583/iso8583-codec';
import { frameIso8583, Iso8583Framer } from '../../src/modules/iso8583/iso8583-framer';
import { authorize } from '../../src/modules/authorizations/authorize';
import { additionalAmount, authorizationBodyOf, handleFrame, startIso8583Gateway, type Iso8583Gateway } from '../../src/modules/iso8583/iso8583-gateway';
import { findIso8583SpecFile, loadIso8583Spec } from '../../src/modules/iso8583/iso8583-spec';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { balances, business, expectSnap, issueCard, type Biz, type IssuedCard } from '../support/partner-fixtures';

/**
 * The ISO 8583 gateway end to end: a real listener on an ephemeral port, a real PostgreSQL, a card
 * issued over SNAP, and a client speaking framed ISO 8583 over TCP.
 */

const spec = loadIso8583Spec(findIso8583SpecFile('kartu-1987-ascii'));
let h: Harness;
let network: TestNetwork;
let gateway: Iso8583Gateway;
let biz: Biz;
let card: IssuedCard;

beforeAll(async () => {
  h = await startHarness();
  network = await TestNetwork.create(h);
  gateway = await startIso8583Gateway(h.kartu, { port: 0, host: '127.0.0.1', networkId: network.networkId, spec });
  biz = await business(h, 1_000_000n);
  card = await issueCard(biz);
}, 30_000);
afterAll(async () => {
  // No card number in any log line (DE2, DE35 are never logged).
  expect(h.logs.join('\n')).not.toContain(card.number);
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
  await gateway?.close(1000);
  await h?.close();
});

/** A client connection: send messages or raw bytes, wait for the answer of a STAN. */
class Client {
  private readonly framer = new Iso8583Framer();
  private readonly answers: Iso8583Message[] = [];
  private waiting: Array<() => void> = [];
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      for (const frame of this.framer.push(chunk)) this.answers.push(decodeIso8583(spec, frame));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }
  private wake() {
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }
  static connect(): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = net.connect(gateway.port, '127.0.0.1', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }
  send(m: Iso8583Message) {
    this.socket.write(frameIso8583(encodeIso8583(spec, m)));
  }
  raw(bytes: Buffer) {
    this.socket.write(bytes);
  }
  async answerOf(stan: string | null, timeoutMs = 5000): Promise<Iso8583Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.answers.findIndex((a) => stan === null || a.fields.get(11) === stan);
      if (i >= 0) return this.answers.splice(i, 1)[0]!;
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error(`no answer for STAN ${stan}`);
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  close() {
    this.socket.destroy();
  }
}

let stanSeq = 100000;
const nextStan = () => String(++stanSeq);
const DE7 = '1204040510';
const merchant43 = `${'KOPI KENANGAN SUDIRMAN'.padEnd(25)}${'JAKARTA'.padEnd(13)}ID`;

function auth0100(o: { pan?: string; amount?: number; stan?: string; rrn?: string; expiryYYMM?: string } = {}): Iso8583Message {
  const stan = o.stan ?? nextStan();
  const expiry = o.expiryYYMM ?? `${card.expiry.slice(2, 4)}${card.expiry.slice(0, 2)}`;
  return {
    mti: '0100',
    fields: new Map<number, string>([
      [2, o.pan ?? card.number],
      [3, '000000'],
      [4, String(o.amount ?? 12550).padStart(12, '0')],
      [7, DE7],
      [11, stan],
      [14, expiry],
      [18, '5812'],
      [22, '051'],
      [32, '400123'],
      [37, o.rrn ?? `63381${stan}0`],
      [41, 'TERM0001'],
      [42, 'MERCHANT0000001'],
      [43, merchant43],
      [49, '360'],
    ]),
  };
}

const countAuthorizations = async (messageId: string) =>
  Number((await h.kartu.db.query('SELECT count(*)::int AS n FROM authorizations WHERE network_message_id = $1', [messageId]))[0].n);

describe('ISO 8583 gateway', () => {
  it('answers sign-on, echo and sign-off with DE39 00, echoing DE7, DE11 and DE70', async () => {
    const c = await Client.connect();
    for (const code of ['001', '301', '002']) {
      const stan = nextStan();
      c.send({ mti: '0800', fields: new Map([[7, DE7], [11, stan], [70, code]]) });
      const a = await c.answerOf(stan);
      expect(a.mti).toBe('0810');
      expect(a.fields.get(39)).toBe('00');
      expect(a.fields.get(7)).toBe(DE7);
      expect(a.fields.get(70)).toBe(code);
    }
    c.close();
  });

  it('approves a 0100 with DE38 and a hold; the same message again gets the same answer and changes nothing', async () => {
    const c = await Client.connect();
    const before = await balances(biz);
    const request = auth0100({ amount: 12550 });
    const stan = request.fields.get(11) as string;
    c.send(request);
    const a = await c.answerOf(stan);
    expect(a.mti).toBe('0110');
    expect(a.fields.get(39)).toBe('00');
    expect(a.fields.get(38)).toMatch(/^[0-9A-F]{6}$/);
    expect(a.fields.get(4)).toBe('000000012550');
    for (const de of [7, 11, 37, 41, 42]) expect(a.fields.get(de)).toBe(request.fields.get(de));
    expect(a.fields.has(2)).toBe(false);
    const after = await balances(biz);
    expect(after.hold - before.hold).toBe(12550n);

    c.send(request);
    const again = await c.answerOf(stan);
    expect(again.fields.get(39)).toBe('00');
    expect(again.fields.get(38)).toBe(a.fields.get(38));
    expect((await balances(biz)).hold).toBe(after.hold);
    expect(await countAuthorizations(`iso8583:400123:${request.fields.get(37)}:${stan}:${DE7}`)).toBe(1);
    c.close();
  });

  it('declines a 0100 beyond the funds with DE39 51 and no DE38, and an unknown card with 14', async () => {
    const c = await Client.connect();
    const big = auth0100({ amount: 900_000_000 });
    c.send(big);
    const a = await c.answerOf(big.fields.get(11) as string);
    expect(a.fields.get(39)).toBe('51');
    expect(a.fields.has(38)).toBe(false);
    const unknown = auth0100({ pan: '4000009999999999' });
    c.send(unknown);
    expect((await c.answerOf(unknown.fields.get(11) as string)).fields.get(39)).toBe('14');
    c.close();
  });

  it('refuses a 0100 carrying a PIN block (DE52) with 55 and holds nothing: no PIN key is configurable yet', async () => {
    const c = await Client.connect();
    const before = await balances(biz);
    const withPin = auth0100();
    withPin.fields.set(52, Buffer.from('0123456789abcdef', 'hex'));
    c.send(withPin);
    const a = await c.answerOf(withPin.fields.get(11) as string);
    expect(a.fields.get(39)).toBe('55');
    expect(a.fields.has(38)).toBe(false);
    expect((await balances(biz)).hold).toBe(before.hold);
    c.close();
  });

  it('reverses an authorization matched by DE90, in part (DE4 the replacement amount) and then in full', async () => {
    const c = await Client.connect();
    const original = auth0100({ amount: 20000 });
    const stan = original.fields.get(11) as string;
    c.send(original);
    expect((await c.answerOf(stan)).fields.get(39)).toBe('00');
    const held = (await balances(biz)).hold;
    const de90 = `0100${stan}${DE7}${'400123'.padStart(11, '0')}${'0'.repeat(11)}`;
    const reversal = (mti: string, amount?: number): Iso8583Message => {
      const s = nextStan();
      const fields = new Map<number, string>([
        [7, DE7],
        [11, s],
        [32, '400123'],
        [37, original.fields.get(37) as string],
        [90, de90],
      ]);
      if (amount !== undefined) fields.set(4, String(amount).padStart(12, '0'));
      return { mti, fields: new Map([...fields].sort(([x], [y]) => x - y)) };
    };
    const send = async (r: Iso8583Message) => {
      c.send(r);
      return c.answerOf(r.fields.get(11) as string);
    };
    const partial = reversal('0400', 15000);
    const p = await send(partial);
    expect(p.mti).toBe('0410');
    expect(p.fields.get(39)).toBe('00');
    expect((await balances(biz)).hold).toBe(held - 5000n);
    // Repeated: the first answer, nothing released twice.
    expect((await send(partial)).fields.get(39)).toBe('00');
    expect((await balances(biz)).hold).toBe(held - 5000n);
    // A second partial reversal: 10000 stays held.
    expect((await send(reversal('0400', 10000))).fields.get(39)).toBe('00');
    expect((await balances(biz)).hold).toBe(held - 10000n);
    // DE4 the original amount: a full reversal of what is left.
    const full = reversal('0420', 20000);
    const f = await send(full);
    expect(f.mti).toBe('0430');
    expect(f.fields.get(39)).toBe('00');
    expect((await balances(biz)).hold).toBe(held - 20000n);
    expect((await send(full)).fields.get(39)).toBe('00');
    expect((await balances(biz)).hold).toBe(held - 20000n);
    // An original that does not exist: 25.
    const unknown = reversal('0400');
    unknown.fields.set(90, `0100999999${DE7}${'400123'.padStart(11, '0')}${'0'.repeat(11)}`);
    expect((await send(unknown)).fields.get(39)).toBe('25');
    c.close();
  });

  it('answers a malformed message whose MTI can be read with DE39 30, echoing DE11', async () => {
    const c = await Client.connect();
    const good = encodeIso8583(spec, auth0100({ stan: '777001' })).toString('latin1');
    // DE4 made non-numeric: the offset of DE4 is after MTI 4, bitmap 16, DE2 2+16, DE3 6.
    const at = 4 + 16 + 2 + card.number.length + 6;
    const bad = Buffer.from(good.slice(0, at) + 'X' + good.slice(at + 1), 'latin1');
    c.raw(frameIso8583(bad));
    const a = await c.answerOf('777001');
    expect(a.mti).toBe('0110');
    expect(a.fields.get(39)).toBe('30');
    expect(h.logs.join('\n')).not.toContain(card.number);
    c.close();
  });

  it('survives garbage: drops or closes, and still serves a new connection', async () => {
    const c = await Client.connect();
    c.raw(frameIso8583(Buffer.from('\x00\xff garbage that is no message')));
    // Then a prefix announcing more than can ever come, followed by noise.
    c.raw(Buffer.from([0xff, 0xff, 1, 2, 3]));
    // Framing is lost: the gateway closes the connection.
    for (let i = 0; i < 100 && !c.closed; i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.closed).toBe(true);
    const d = await Client.connect();
    const stan = nextStan();
    d.send({ mti: '0800', fields: new Map([[7, DE7], [11, stan], [70, '301']]) });
    expect((await d.answerOf(stan)).fields.get(39)).toBe('00');
    d.close();
  });

  it('a connection dying before its answer loses nothing: the repeat on a new connection gets the first answer', async () => {
    const before = await balances(biz);
    const request = auth0100({ amount: 3000 });
    const stan = request.fields.get(11) as string;
    const c = await Client.connect();
    c.send(request);
    c.close();
    const messageId = `iso8583:400123:${request.fields.get(37)}:${stan}:${DE7}`;
    for (let i = 0; i < 100 && (await countAuthorizations(messageId)) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const d = await Client.connect();
    d.send(request);
    const a = await d.answerOf(stan);
    expect(a.fields.get(39)).toBe('00');
    expect(await countAuthorizations(messageId)).toBe(1);
    expect((await balances(biz)).hold - before.hold).toBe(3000n);
    d.close();
  });

  it('refuses to start for a network that does not exist', async () => {
    await expect(startIso8583Gateway(h.kartu, { port: 0, host: '127.0.0.1', networkId: '5b0e4c1e-8d4f-4a5e-9c6b-2f1d3a4b5c6d', spec })).rejects.toThrow(/unknown or not ACTIVE/);
  });

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasOpenssl)('speaks TLS with a certificate pair', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kartu-iso-tls-'));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const secure = await startIso8583Gateway(h.kartu, { port: 0, host: '127.0.0.1', networkId: network.networkId, spec, tls: { certFile, keyFile } });
    try {
      const socket = tls.connect({ port: secure.port, host: '127.0.0.1', rejectUnauthorized: false });
      const framer = new Iso8583Framer();
      const answer = new Promise<Iso8583Message>((resolve) => socket.on('data', (chunk) => framer.push(chunk).forEach((f) => resolve(decodeIso8583(spec, f)))));
      await new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
      socket.write(frameIso8583(encodeIso8583(spec, { mti: '0800', fields: new Map([[7, DE7], [11, '000001'], [70, '001']]) })));
      const a = await answer;
      expect(a.mti).toBe('0810');
      expect(a.fields.get(39)).toBe('00');
      socket.destroy();
    } finally {
      await secure.close(1000);
    }
  });

  it('answers random and mutated frames with nothing or an encodable response, never a throw; the listener keeps serving', async () => {
    const valid = encodeIso8583(spec, { mti: '0800', fields: new Map([[7, DE7], [11, '424242'], [70, '301']]) });
    const frames = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
        const b = Buffer.from(valid);
        b[at] = byte;
        return b;
      }),
      fc.nat({ max: valid.length }).map((cut) => valid.subarray(0, cut)),
    );
    await fc.assert(
      fc.asyncProperty(frames, async (frame) => {
        const answer = await handleFrame(h.kartu, spec, network.networkId, Buffer.from(frame));
        if (answer) expect(() => encodeIso8583(spec, answer)).not.toThrow();
      }),
      { numRuns: 300, seed: 21 },
    );
    const c = await Client.connect();
    c.raw(Buffer.concat(Array.from({ length: 20 }, (_, i) => frameIso8583(Buffer.from(`08${i}0zz`)))));
    const stan = nextStan();
    c.send({ mti: '0800', fields: new Map([[7, DE7], [11, stan], [70, '301']]) });
    expect((await c.answerOf(stan)).fields.get(39)).toBe('00');
    c.close();
  });

  const countClearings = async (messageId: string) =>
    Number((await h.kartu.db.query("SELECT count(*)::int AS n FROM network_messages WHERE kind = 'clearing' AND message_id = $1", [`${messageId}:clear`]))[0].n);
  const financial0200 = (o: Parameters<typeof auth0100>[0] = {}): Iso8583Message => ({ ...auth0100(o), mti: '0200' });
  const idOf = (m: Iso8583Message) => `iso8583:400123:${m.fields.get(37)}:${m.fields.get(11)}:${DE7}`;

  it('approves a 0200 and posts it at once (ledger down, no hold left); the same message again gets the same answer and clears once', async () => {
    const c = await Client.connect();
    const before = await balances(biz);
    const request = financial0200({ amount: 30000 });
    const stan = request.fields.get(11) as string;
    c.send(request);
    const a = await c.answerOf(stan);
    expect(a.mti).toBe('0210');
    expect(a.fields.get(39)).toBe('00');
    expect(a.fields.get(38)).toMatch(/^[0-9A-F]{6}$/);
    const after = await balances(biz);
    expect(before.ledger - after.ledger).toBe(30000n);
    expect(after.hold).toBe(before.hold);

    c.send(request);
    const again = await c.answerOf(stan);
    expect(again.mti).toBe('0210');
    expect(again.fields.get(39)).toBe('00');
    expect(again.fields.get(38)).toBe(a.fields.get(38));
    expect(await balances(biz)).toEqual(after);
    expect(await countAuthorizations(idOf(request))).toBe(1);
    expect(await countClearings(idOf(request))).toBe(1);
    c.close();
  });

  it('completes the clearing of a 0200 whose authorization was recorded before a crash, on its repeat', async () => {
    const request = financial0200({ amount: 4000 });
    const mapped = authorizationBodyOf(request);
    if (!('body' in mapped)) throw new Error('not mapped');
    // The authorization alone, as if the gateway died between authorize and clear.
    const first = await authorize(h.kartu, network.networkId, mapped.body, Buffer.from(JSON.stringify(mapped.body)));
    expect(first.decision).toBe('approved');
    const held = await balances(biz);
    expect(await countClearings(idOf(request))).toBe(0);
    const c = await Client.connect();
    c.send(request);
    const a = await c.answerOf(request.fields.get(11) as string);
    expect(a.fields.get(39)).toBe('00');
    expect(a.fields.get(38)).toBe(first.authorizationCode);
    const after = await balances(biz);
    expect(held.ledger - after.ledger).toBe(4000n);
    expect(held.hold - after.hold).toBe(4000n);
    expect(await countClearings(idOf(request))).toBe(1);
    c.close();
  });

  it('declines a 0200 beyond the funds with DE39 51 and posts nothing', async () => {
    const c = await Client.connect();
    const before = await balances(biz);
    const request = financial0200({ amount: 900_000_000 });
    c.send(request);
    const a = await c.answerOf(request.fields.get(11) as string);
    expect(a.mti).toBe('0210');
    expect(a.fields.get(39)).toBe('51');
    expect(a.fields.has(38)).toBe(false);
    expect(await balances(biz)).toEqual(before);
    expect(await countClearings(idOf(request))).toBe(0);
    c.close();
  });

  const inquiry0100 = (o: Parameters<typeof auth0100>[0] & { de3?: string } = {}): Iso8583Message => {
    const m = auth0100(o);
    m.fields.set(3, o.de3 ?? '310000');
    m.fields.delete(4);
    return m;
  };

  it('answers a balance inquiry (0100, DE3 31) with DE39 00 and the available balance in DE54, recording nothing', async () => {
    const c = await Client.connect();
    const before = await balances(biz);
    const request = inquiry0100({ de3: '311000' });
    c.send(request);
    const a = await c.answerOf(request.fields.get(11) as string);
    expect(a.mti).toBe('0110');
    expect(a.fields.get(39)).toBe('00');
    expect(a.fields.has(38)).toBe(false);
    // Account type 10 (from DE3), amount type 02 available, IDR 360, credit, 12 digits.
    expect(a.fields.get(54)).toBe(`1002360C${before.available.toString().padStart(12, '0')}`);
    expect(await countAuthorizations(idOf(request))).toBe(0);
    expect(await balances(biz)).toEqual(before);
    c.close();
  });

  it('writes DE54 with the sign of the balance: C for zero or more, D below zero', () => {
    expect(additionalAmount('00', '02', '360', 0n)).toBe('0002360C000000000000');
    expect(additionalAmount('20', '02', '360', -150n)).toBe('2002360D000000000150');
  });

  it('answers a balance inquiry on an unknown card 14 and on a frozen card 62, as an authorization would, with no DE54', async () => {
    const c = await Client.connect();
    const unknown = inquiry0100({ pan: '4000009999999999' });
    c.send(unknown);
    const u = await c.answerOf(unknown.fields.get(11) as string);
    expect(u.fields.get(39)).toBe('14');
    expect(u.fields.has(54)).toBe(false);
    const other = await issueCard(biz);
    expectSnap(await biz.partner.call('PATCH', `/snap/v1.0/cards/${other.id}`, JSON.stringify({ status: 'FROZEN' })), '2009200');
    const frozen = inquiry0100({ pan: other.number, expiryYYMM: `${other.expiry.slice(2, 4)}${other.expiry.slice(0, 2)}` });
    c.send(frozen);
    const f = await c.answerOf(frozen.fields.get(11) as string);
    expect(f.fields.get(39)).toBe('62');
    expect(f.fields.has(54)).toBe(false);
    const expired = inquiry0100({ expiryYYMM: '2001' });
    c.send(expired);
    expect((await c.answerOf(expired.fields.get(11) as string)).fields.get(39)).toBe('54');
    c.close();
  });

  it('serves several connections at once', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => Client.connect()));
    const answers = await Promise.all(
      clients.map(async (c) => {
        const requests = [auth0100({ amount: 100 }), auth0100({ amount: 200 })];
        for (const r of requests) c.send(r);
        return Promise.all(requests.map((r) => c.answerOf(r.fields.get(11) as string)));
      }),
    );
    expect(answers.flat().map((a) => a.fields.get(39))).toEqual(Array(10).fill('00'));
    for (const c of clients) c.close();
  });
});
