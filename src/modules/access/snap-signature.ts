import { createHash, createHmac, createPrivateKey, createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';
import { constantTimeEqual } from '../../platform/crypto';

/**
 * SNAP signatures (SNAP.md). Pure functions: the same code signs (CLI, sandbox utilities, tests)
 * and verifies (the partner API).
 */

/**
 * Removes whitespace outside JSON strings; key order and string contents stay as sent. Copies the
 * runs between whitespace (a body without any comes back as it is): it runs on every request hash.
 */
export function minifyJson(raw: string): string {
  let out = '';
  let start = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (i > start) out += raw.slice(start, i);
      start = i + 1;
    }
  }
  return start === 0 ? raw : out + raw.slice(start);
}

export function bodySha256Hex(rawBody: string | Buffer): string {
  const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  return createHash('sha256').update(minifyJson(text), 'utf8').digest('hex');
}

/** METHOD:relativePathWithQuery:accessToken:lowercase(hex(sha256(minifiedBody))):timestamp */
export function symmetricStringToSign(method: string, pathWithQuery: string, accessToken: string, rawBody: string | Buffer, timestamp: string): string {
  return `${method.toUpperCase()}:${pathWithQuery}:${accessToken}:${bodySha256Hex(rawBody)}:${timestamp}`;
}

export function signSymmetric(clientSecret: string, stringToSign: string): string {
  return createHmac('sha512', Buffer.from(clientSecret, 'utf8')).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Constant-time check of an X-SIGNATURE against each candidate secret (current, then one in
 * overlap): the index of the first that matches (last-used times record which), -1 for none.
 */
export function matchingSecret(secrets: string[], stringToSign: string, signature: string): number {
  let match = -1;
  for (let i = secrets.length - 1; i >= 0; i--) {
    // Every candidate is checked, so timing does not reveal which one matched.
    if (constantTimeEqual(signSymmetric(secrets[i]!, stringToSign), signature)) match = i;
  }
  return match;
}

export function verifySymmetric(secrets: string[], stringToSign: string, signature: string): boolean {
  return matchingSecret(secrets, stringToSign, signature) >= 0;
}

export function tokenStringToSign(clientKey: string, timestamp: string): string {
  return `${clientKey}|${timestamp}`;
}

export function signAccessTokenRequest(privateKey: KeyObject | string, clientKey: string, timestamp: string): string {
  return createSign('RSA-SHA256').update(tokenStringToSign(clientKey, timestamp), 'utf8').sign(toPrivateKey(privateKey), 'base64');
}

export function verifyAccessTokenRequest(publicKey: KeyObject, clientKey: string, timestamp: string, signature: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return createVerify('RSA-SHA256').update(tokenStringToSign(clientKey, timestamp), 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** The asymmetric transaction signature (SNAP "type 2", no token): SHA256withRSA over METHOD:pathWithQuery:lowercase(hex(sha256(minifiedBody))):timestamp. */
export function asymmetricStringToSign(method: string, pathWithQuery: string, rawBody: string | Buffer, timestamp: string): string {
  return `${method.toUpperCase()}:${pathWithQuery}:${bodySha256Hex(rawBody)}:${timestamp}`;
}

export function signAsymmetric(privateKey: KeyObject | string, stringToSign: string): string {
  return createSign('RSA-SHA256').update(stringToSign, 'utf8').sign(toPrivateKey(privateKey), 'base64');
}

export function verifyAsymmetric(publicKey: KeyObject, stringToSign: string, signature: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return createVerify('RSA-SHA256').update(stringToSign, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

function toPrivateKey(key: KeyObject | string): KeyObject {
  return typeof key === 'string' ? createPrivateKey(key) : key;
}

/** Parses an RSA public key PEM (SPKI or PKCS#1); throws on anything else. */
export function parseRsaPublicKey(pem: string): KeyObject {
  // createPublicKey would quietly derive the public half of a private key; a partner's private key must never be handed over.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new Error('that is a private key: register the partner\'s public key only');
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    // OpenSSL's own message ("error:1E08010C:DECODER routines::unsupported") tells an operator nothing.
    throw new Error('the public key is not a valid PEM RSA public key (expected "-----BEGIN PUBLIC KEY-----" or "-----BEGIN RSA PUBLIC KEY-----")');
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('the public key must be an RSA key');
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('the RSA key must be at least 2048 bits');
  return key;
}
