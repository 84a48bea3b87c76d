import net from 'node:net';
import type { Kartu } from '../../context';
import iso4217 from '../../platform/iso-4217.json';
import { atRate, randomPurchase, simulatedCards } from '../authorizations/network-simulator';
import { decodeIso8583, encodeIso8583, type Iso8583Message } from './iso8583-codec';
import { frameIso8583, Iso8583Framer } from './iso8583-framer';
import type { Iso8583Spec } from './iso8583-spec';

export interface Iso8583SimulationOptions {
  host: string;
  port: number;
  spec: Iso8583Spec;
  businessId: string;
  /** Authorizations per second. */
  rate: number;
  durationSeconds: number;
  onTick?: (summary: Iso8583SimulationSummary) => void;
}

export interface Iso8583SimulationSummary {
  /** 0110 answers by DE39. */
  authorizations: Record<string, number>;
  reversals: number;
  errors: number;
}

/** The acquirer the simulator says it is (DE32). */
const ACQUIRER = '400000';
const NUMERIC_OF_ALPHA: ReadonlyMap<string, string> = new Map(Object.entries(iso4217.currencies).map(([alpha, c]) => [alpha, c.numeric]));

/** DE7 and the like: MMDDhhmmss in UTC. */
export function transmissionTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** One connection to the gateway: messages out, each answer matched to its request by DE11 (STAN). Also the bench's (bench/run.ts). */
export class Iso8583Connection {
  private readonly framer = new Iso8583Framer();
  private readonly pending = new Map<string, { resolve: (m: Iso8583Message) => void; reject: (e: Error) => void }>();
  private failure?: Error;

  private constructor(
    private readonly socket: net.Socket,
    private readonly spec: Iso8583Spec,
  ) {
    socket.on('data', (chunk) => {
      try {
        for (const frame of this.framer.push(chunk)) {
          const answer = decodeIso8583(spec, frame);
          const stan = answer.fields.get(11);
          const waiting = typeof stan === 'string' ? this.pending.get(stan) : undefined;
          if (waiting && typeof stan === 'string') {
            this.pending.delete(stan);
            waiting.resolve(answer);
          }
        }
      } catch (err) {
        this.fail(new Error(`the gateway sent an unreadable answer: ${(err as Error).message}`));
      }
    });
    socket.on('close', () => this.fail(new Error('the gateway closed the connection')));
    socket.on('error', (err) => this.fail(err));
  }

  static open(host: string, port: number, spec: Iso8583Spec): Promise<Iso8583Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.removeListener('error', refused);
        resolve(new Iso8583Connection(socket, spec));
      });
      const refused = (err: NodeJS.ErrnoException) => reject(new Error(`cannot reach the ISO 8583 gateway at ${host}:${port}: ${err.code ?? err.message}`));
      socket.once('error', refused);
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.pending.values()) w.reject(this.failure);
    this.pending.clear();
  }

  /** Whether the connection has failed (closed, reset, an unreadable answer): every later ask is refused. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Sends the message and waits (10 s at most) for the answer carrying its STAN. */
  ask(m: Iso8583Message): Promise<Iso8583Message> {
    if (this.failure) return Promise.reject(this.failure);
    const stan = m.fields.get(11) as string;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(stan);
        reject(new Error(`no answer to ${m.mti} STAN ${stan} within 10 s`));
      }, 10_000);
      this.pending.set(stan, {
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.socket.write(frameIso8583(encodeIso8583(this.spec, m)));
    });
  }

  close(): void {
    this.socket.end();
  }
}

/**
 * A 0100 purchase on the card (MMYY expiry) at the merchant, contactless, as this simulator's
 * acquirer: DE7 from `at`, DE11 `stan` (6 digits), DE37 DE7's MMDDhh and the STAN. A new STAN (or
 * second) is a new authorization; the same four (DE32, DE37, DE11, DE7) again is a repeat.
 */
export function authorizationRequest(
  card: { number: string; expiry: string; currency: string },
  merchant: { id: string; name: string; mcc: string; city: string; country: string },
  amount: number,
  stan: string,
  at: Date,
): Iso8583Message {
  const de7 = transmissionTime(at);
  return {
    mti: '0100',
    fields: new Map<number, string>([
      [2, card.number],
      [3, '000000'],
      [4, String(amount).padStart(12, '0')],
      [7, de7],
      [11, stan],
      // The card's MMYY as the network's YYMM.
      [14, `${card.expiry.slice(2, 4)}${card.expiry.slice(0, 2)}`],
      [18, merchant.mcc],
      [22, '071'],
      [32, ACQUIRER],
      [37, `${de7.slice(0, 6)}${stan}`],
      [41, 'SIMTERM1'],
      [42, merchant.id.padEnd(15)],
      [43, `${merchant.name.slice(0, 25).padEnd(25)}${merchant.city.slice(0, 13).padEnd(13)}${merchant.country}`],
      [49, NUMERIC_OF_ALPHA.get(card.currency)!],
    ]),
  };
}

/**
 * `kartu simulate --iso8583 HOST:PORT`: plays a card network against Kartu's ISO 8583 gateway
 * (docs/iso8583.md). It signs on (0800, DE70 001), sends 0100 authorizations on the business's
 * active cards at the chosen rate, reverses a fifth of the approvals in full (0400 with DE90), and
 * signs off. Clearings stay on the JSON network API, as networks send them in files. A refused
 * sign-on, or a gateway that cannot be reached, fails the run at once, saying why.
 */
export async function simulateIso8583(k: Kartu, o: Iso8583SimulationOptions): Promise<Iso8583SimulationSummary> {
  const cards = await simulatedCards(k, o.businessId);
  const connection = await Iso8583Connection.open(o.host, o.port, o.spec);
  const summary: Iso8583SimulationSummary = { authorizations: {}, reversals: 0, errors: 0 };
  let stanSeq = Math.floor(Math.random() * 900_000);
  const nextStan = () => String((stanSeq = (stanSeq + 1) % 1_000_000)).padStart(6, '0');
  const management = async (code: string) => {
    const stan = nextStan();
    const answer = await connection.ask({ mti: '0800', fields: new Map([[7, transmissionTime(new Date())], [11, stan], [70, code]]) });
    if (answer.fields.get(39) !== '00') throw new Error(`the gateway answered DE70 ${code} with DE39 ${String(answer.fields.get(39))}`);
  };
  try {
    await management('001');
    const one = async () => {
      const { card, merchant, amount } = randomPurchase(cards);
      const stan = nextStan();
      const request = authorizationRequest(card, merchant, amount, stan, new Date());
      const de7 = request.fields.get(7) as string;
      const rrn = request.fields.get(37) as string;
      const answer = await connection.ask(request);
      const code = String(answer.fields.get(39));
      summary.authorizations[code] = (summary.authorizations[code] ?? 0) + 1;
      if (code !== '00' || Math.random() >= 0.2) return;
      const reversalStan = nextStan();
      const reversal = await connection.ask({
        mti: '0400',
        fields: new Map<number, string>([
          [4, request.fields.get(4) as string],
          [7, transmissionTime(new Date())],
          [11, reversalStan],
          [32, ACQUIRER],
          [37, rrn],
          [49, request.fields.get(49) as string],
          [90, `0100${stan}${de7}${ACQUIRER.padStart(11, '0')}${'0'.repeat(11)}`],
        ]),
      });
      if (reversal.fields.get(39) === '00') summary.reversals++;
      else summary.errors++;
    };
    await atRate(o, one, summary);
    await management('002');
  } finally {
    connection.close();
  }
  return summary;
}
