import { createHash, createHmac, createSign, createVerify, type KeyObject } from 'node:crypto';

/**
 * SNAP signatures as a partner computes them (the server's SNAP.md). The SDK sends
 * JSON.stringify's output, which is already minified, so the body hashed is the body sent.
 */

/** `yyyy-MM-ddTHH:mm:ss+07:00`: Jakarta time, as SNAP's X-TIMESTAMP examples write it. */
export function snapTimestamp(at: Date): string {
  return new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 19) + '+07:00';
}

/** Drops whitespace outside JSON strings (SNAP's "minified body"); a body without any is returned as it is. */
export function minifyJson(raw: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      if (c === '\\') out += c + (raw[++i] ?? '');
      else {
        if (c === '"') inString = false;
        out += c;
      }
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      if (c === '"') inString = true;
      out += c;
    }
  }
  return out;
}

export function sha256Hex(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** X-SIGNATURE of POST /access-token/b2b: base64(SHA256withRSA(privateKey, clientKey + "|" + X-TIMESTAMP)). */
export function accessTokenSignature(privateKey: KeyObject | string, clientKey: string, timestamp: string): string {
  return createSign('RSA-SHA256').update(`${clientKey}|${timestamp}`, 'utf8').sign(privateKey, 'base64');
}

/** Symmetric X-SIGNATURE: base64(HMAC-SHA512(clientSecret, METHOD:pathWithQuery:token:sha256hex(body):timestamp)). */
export function symmetricSignature(clientSecret: string, input: { method: string; pathWithQuery: string; accessToken: string; body: string; timestamp: string }): string {
  const stringToSign = `${input.method.toUpperCase()}:${input.pathWithQuery}:${input.accessToken}:${sha256Hex(input.body)}:${input.timestamp}`;
  return createHmac('sha512', Buffer.from(clientSecret, 'utf8')).update(stringToSign, 'utf8').digest('base64');
}

/** SNAP "type 2" string to sign (no token): METHOD:pathWithQuery:sha256hex(body):timestamp. */
export function asymmetricStringToSign(method: string, pathWithQuery: string, body: string, timestamp: string): string {
  return `${method.toUpperCase()}:${pathWithQuery}:${sha256Hex(body)}:${timestamp}`;
}

/** Asymmetric X-SIGNATURE: base64(SHA256withRSA(privateKey, asymmetricStringToSign)). */
export function asymmetricSignature(privateKey: KeyObject | string, input: { method: string; pathWithQuery: string; body: string; timestamp: string }): string {
  return createSign('RSA-SHA256').update(asymmetricStringToSign(input.method, input.pathWithQuery, input.body, input.timestamp), 'utf8').sign(privateKey, 'base64');
}

/** Checks an asymmetric signature with a public key; false (never a throw) on anything malformed. */
export function verifyAsymmetricSignature(publicKey: KeyObject | string, stringToSign: string, signature: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(stringToSign, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}
