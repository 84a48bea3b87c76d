import pino, { type Logger } from 'pino';
import { requestContext } from './request-context';

/**
 * Keys whose values never reach a log line, at any depth: card numbers, CVVs, PINs, secrets,
 * tokens, signatures, passwords, keys and cookies.
 */
const SENSITIVE_KEY = /(^|[-_])(pan|cvv|cvc|cvv2|pin)$|number$|secret|token|signature|password|authorization|cookie|private.?key|^key$|master.?key/i;
/** A run of 13–19 digits, optionally grouped by spaces or dashes: anything that could be a PAN. */
const PAN_LIKE = /\b\d(?:[ -]?\d){12,18}\b/g;
const MASK = '[REDACTED]';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[DEPTH]';
  if (typeof value === 'string') return value.replace(PAN_LIKE, MASK);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: redact(value.message, depth + 1), stack: redact(value.stack, depth + 1) };
  }
  if (value && typeof value === 'object') {
    if (Buffer.isBuffer(value)) return `[Buffer ${value.length}]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SENSITIVE_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? MASK : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const ctx = requestContext.getStore();
        return ctx ? { reqId: ctx.requestId } : {};
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => redact(obj) as Record<string, unknown>,
      },
      hooks: {
        // The message string is redacted too: interpolated values must not leak a PAN.
        logMethod(args, method) {
          const redacted = args.map((a) => (typeof a === 'string' ? a.replace(PAN_LIKE, MASK) : a));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export type { Logger };
