import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger';
import { requestContext } from '../../src/platform/request-context';

const PAN = '4111111111111111';
const PAN_SPACED = '4111 1111 1111 1111';
const PAN_DASHED = '5500-0000-0000-0004';
const PAN_19 = '6011000990139424123';

/** A logger writing into memory; `lines()` parses every JSON line written so far. */
function capture(level = 'info') {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger(level, sink);
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger: card numbers never reach a log line', () => {
  it('masks a 16-digit card number inside the message', () => {
    const log = capture();
    log.logger.info(`authorization for card ${PAN} declined`);
    expect(log.text()).not.toContain(PAN);
    const [line] = log.lines();
    expect(line!.msg).toBe('authorization for card [REDACTED] declined');
    expect(line!.level).toBe('info');
  });

  it('masks card numbers grouped by spaces or dashes, and 19-digit ones', () => {
    const log = capture();
    log.logger.info(`a ${PAN_SPACED} b ${PAN_DASHED} c ${PAN_19}`);
    const text = log.text();
    for (const pan of [PAN_SPACED, PAN_DASHED, PAN_19, '1111 1111', '0000-0004']) expect(text).not.toContain(pan);
  });

  it('masks a card number interpolated into the message (printf style)', () => {
    const log = capture();
    log.logger.info({ event: 'reveal' }, 'revealed %s for %s', PAN, 'ch_1');
    expect(log.text()).not.toContain(PAN);
    expect(log.lines()[0]!.msg).toBe('revealed [REDACTED] for ch_1');
  });

  it('masks card numbers in nested objects and arrays at any depth', () => {
    const log = capture();
    log.logger.info(
      {
        request: { body: { note: `pay with ${PAN}`, items: [PAN, { memo: `card ${PAN_DASHED}` }, [[`deep ${PAN_SPACED}`]]] } },
        list: [PAN_19],
      },
      'nested',
    );
    const text = log.text();
    for (const pan of [PAN, PAN_SPACED, PAN_DASHED, PAN_19]) expect(text).not.toContain(pan);
    const line = log.lines()[0] as { request: { body: { note: string; items: unknown[] } } };
    expect(line.request.body.note).toBe('pay with [REDACTED]');
    expect(line.request.body.items[0]).toBe('[REDACTED]');
  });

  it('masks a card number in an error message and stack', () => {
    const log = capture();
    log.logger.error({ err: new Error(`lookup failed for ${PAN}`) }, 'lookup failed');
    expect(log.text()).not.toContain(PAN);
    expect(log.text()).toContain('lookup failed for [REDACTED]');
  });

  it('masks a card number when an Error is logged on its own (its message becomes the line message)', () => {
    const log = capture();
    log.logger.error(new Error(`lookup failed for ${PAN}`));
    expect(log.text()).not.toContain(PAN);
    expect(log.lines()).toHaveLength(1);
    expect(log.lines()[0]).toMatchObject({ level: 'error', msg: 'lookup failed for [REDACTED]', err: { message: 'lookup failed for [REDACTED]' } });
  });

  it('masks a card number when an error is logged under err without a message', () => {
    const log = capture();
    log.logger.error({ err: new Error(`lookup failed for ${PAN}`) });
    expect(log.text()).not.toContain(PAN);
    expect(log.lines()).toHaveLength(1);
    expect(log.lines()[0]!.msg).toBe('lookup failed for [REDACTED]');
  });

  it('leaves short numbers alone: amounts, last4, MCCs, years', () => {
    const log = capture();
    log.logger.info({ amount: 150000, last4: '1111', mcc: '5814', note: 'order 123456789012 of 2024' }, 'ok');
    const line = log.lines()[0]!;
    expect(line).toMatchObject({ amount: 150000, last4: '1111', mcc: '5814', note: 'order 123456789012 of 2024', msg: 'ok' });
  });
});

describe('createLogger: sensitive keys are masked wherever they appear', () => {
  const secrets = {
    cvv: '9876',
    CVV: '8765',
    card_cvv: '7654',
    cardCvv: '6543',
    cvv2: '5432',
    pin: '4321',
    cardPin: '3210',
    pan: '4000999988887777',
    cardPan: '4000111122223333',
    cardNumber: '4000123412341234',
    number: '4000567856785678',
    clientSecret: 'cs_live_qwertyuiop',
    client_secret: 'cs_live_asdfghjkl',
    secret: 'whsec_zxcvbnm',
    accessToken: 'at_0123456789abcdef',
    token: 'tok_fedcba9876543210',
    'X-SIGNATURE': 'c2lnbmF0dXJlLXZhbHVl',
    signature: 'c2lnbmF0dXJlLXR3bw==',
    password: 'hunter2-correct-horse',
    newPassword: 'battery-staple-42',
    privateKeyPem: '-----BEGIN PRIVATE KEY-----MIIEvQIBADAN',
    private_key: 'pk-raw-material-xyz',
    masterKey: 'bWFzdGVyLWtleS1tYXRlcmlhbA==',
    authorization: 'Bearer at_bearer_value_123',
    Authorization: 'Bearer at_bearer_value_456',
    cookie: 'kartu_session=sess_value_789',
    'set-cookie': 'kartu_session=sess_value_abc',
  } as const;

  it.each(Object.entries(secrets))('%s at the top level', (key, value) => {
    const log = capture();
    log.logger.info({ [key]: value, keep: 'visible' }, 'top');
    expect(log.text()).not.toContain(value);
    expect(log.lines()[0]).toMatchObject({ [key]: '[REDACTED]', keep: 'visible' });
  });

  it('inside nested objects and arrays (e.g. request headers and bodies)', () => {
    const log = capture();
    log.logger.info(
      {
        req: {
          headers: {
            'X-SIGNATURE': secrets['X-SIGNATURE'],
            authorization: secrets.authorization,
            'content-type': 'application/json',
            'x-partner-id': 'PARTNER-1',
          },
          body: { card: { cvv: secrets.cvv, expiry: '1229' }, credentials: [{ clientSecret: secrets.clientSecret, clientKey: 'KRT-ABC' }] },
        },
        created: [{ privateKeyPem: secrets.privateKeyPem, password: secrets.password, businessId: 'biz_1' }],
      },
      'nested keys',
    );
    const text = log.text();
    for (const v of [secrets['X-SIGNATURE'], secrets.authorization, secrets.cvv, secrets.clientSecret, secrets.privateKeyPem, secrets.password]) {
      expect(text).not.toContain(v);
    }
    const line = log.lines()[0] as {
      req: { headers: Record<string, string>; body: { card: Record<string, string>; credentials: Array<Record<string, string>> } };
      created: Array<Record<string, string>>;
    };
    expect(line.req.headers['content-type']).toBe('application/json');
    expect(line.req.headers['x-partner-id']).toBe('PARTNER-1');
    expect(line.req.headers['X-SIGNATURE']).toBe('[REDACTED]');
    expect(line.req.body.card).toEqual({ cvv: '[REDACTED]', expiry: '1229' });
    expect(line.req.body.credentials[0]).toEqual({ clientSecret: '[REDACTED]', clientKey: 'KRT-ABC' });
    expect(line.created[0]).toEqual({ privateKeyPem: '[REDACTED]', password: '[REDACTED]', businessId: 'biz_1' });
  });

  it('keeps non-sensitive fields of every type intact', () => {
    const log = capture();
    const fields = {
      // A valid v4 UUID whose last groups are all decimal digits (about 1 in 450 random UUIDs): 13+ digits
      // joined by a dash look like a grouped card number, but an id must survive intact.
      businessId: '3f1c2a9e-5b7d-4c1e-8a21-123456789012',
      cardId: '00000000-0000-4000-8000-000000000001',
      status: 200,
      ok: true,
      ratio: 0.25,
      nothing: null,
      tags: ['a', 'b'],
      merchant: { id: 'M1', name: 'Kopi Kenangan', mcc: '5814', country: 'ID' },
      responseCode: '2007300',
      tokenType: 'Bearer',
    };
    log.logger.info(fields, 'fields');
    const line = log.lines()[0]!;
    const { tokenType: _masked, ...rest } = fields;
    expect(line).toMatchObject({ ...rest, msg: 'fields' });
  });

  it('does not mask booleans or nulls under sensitive-looking keys (they carry no secret)', () => {
    const log = capture();
    log.logger.info({ cvvChecked: true, card: { cvv: null }, hasPassword: false }, 'flags');
    expect(log.lines()[0]).toMatchObject({ cvvChecked: true, card: { cvv: null }, hasPassword: false });
  });

  it('respects the level', () => {
    const log = capture('warn');
    log.logger.info('hidden');
    log.logger.warn('shown');
    expect(log.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('createLogger: request context', () => {
  it('adds reqId from requestContext to every line logged inside run(), including after await', async () => {
    const log = capture();
    log.logger.info('before');
    await requestContext.run({ requestId: 'req-0123456789' }, async () => {
      log.logger.info('inside');
      await new Promise((r) => setImmediate(r));
      log.logger.warn({ step: 2 }, 'after await');
    });
    log.logger.info('after');
    const lines = log.lines();
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['before', undefined],
      ['inside', 'req-0123456789'],
      ['after await', 'req-0123456789'],
      ['after', undefined],
    ]);
    expect(lines[2]!.step).toBe(2);
  });

  it('a UUID request id is carried intact', () => {
    const log = capture();
    const id = '9b2e4c1a-7d3f-4e5a-9c21-987654321098';
    requestContext.run({ requestId: id }, () => log.logger.info('uuid'));
    expect(log.lines()[0]!.reqId).toBe(id);
  });

  it('keeps concurrent requests apart', async () => {
    const log = capture();
    await Promise.all(
      ['req-aaaaaaaa', 'req-bbbbbbbb'].map((id) =>
        requestContext.run({ requestId: id }, async () => {
          await new Promise((r) => setImmediate(r));
          log.logger.info({ who: id }, 'work');
        }),
      ),
    );
    const lines = log.lines();
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.reqId).toBe(l.who);
  });

  it('writes JSON lines with an ISO time and a level label', () => {
    const log = capture();
    log.logger.info('shape');
    const line = log.lines()[0]!;
    expect(line.level).toBe('info');
    expect(typeof line.time).toBe('string');
    expect(Number.isNaN(Date.parse(line.time as string))).toBe(false);
    expect(line).not.toHaveProperty('pid');
    expect(line).not.toHaveProperty('hostname');
  });
});
