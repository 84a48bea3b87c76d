import pino, { type Logger } from 'pino';
import { requestContext } from './request-context';

/**
 * Keys whose values never reach a log line, at any depth: card numbers, CVVs, PINs, secrets,
 * tokens, signatures, passwords, keys and cookies.
 */
const SENSITIVE_KEY = /(^|[-_])(pan|pin)$|cvv2?$|cvc$|number$|secret|token|signature|password|authorization|cookie|private.?key|^key$|master.?key/i;
/** camelCase suffixes the case-insensitive pattern cannot see as words: `cardPan`, `cardPin`, `newPIN`. */
const SENSITIVE_CAMEL_SUFFIX = /[a-z0-9](Pan|PAN|Pin|PIN)$/;
const isSensitiveKey = (k: string) => SENSITIVE_KEY.test(k) || SENSITIVE_CAMEL_SUFFIX.test(k);
/** A run of 13–19 digits, optionally grouped by spaces or dashes: anything that could be a PAN. */
const PAN_LIKE = /\b\d(?:[ -]?\d){12,18}\b/;
/** UUIDs are matched first and kept: their all-digit tail groups (`…-8a21-123456789012`) look like a grouped PAN. */
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/;
const UUID_OR_PAN = new RegExp(`(${UUID.source})|${PAN_LIKE.source}`, 'gi');
const MASK = '[REDACTED]';

function maskPans(text: string): string {
  return text.replace(UUID_OR_PAN, (match, uuid: string | undefined) => (uuid ? match : MASK));
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[DEPTH]';
  if (typeof value === 'string') return maskPans(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: redact(value.message, depth + 1), stack: redact(value.stack, depth + 1) };
  }
  if (value && typeof value === 'object') {
    if (Buffer.isBuffer(value)) return `[Buffer ${value.length}]`;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSensitiveKey(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? MASK : redact(v, depth + 1);
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
          const redacted: unknown[] = args.map((a) => (typeof a === 'string' ? maskPans(a) : a));
          // Logged without a message, pino uses the error's own message (unredacted): pass a masked one.
          const [first] = redacted;
          if (redacted.length === 1 && first && typeof first === 'object') {
            const err = first instanceof Error ? first : (first as { err?: unknown; msg?: unknown }).msg === undefined ? (first as { err?: unknown }).err : undefined;
            const message = (err as { message?: unknown } | null | undefined)?.message;
            if (typeof message === 'string') redacted.push(maskPans(message));
          }
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

export type { Logger };
