import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  asymmetricStringToSign,
  bodySha256Hex,
  matchingSecret,
  minifyJson,
  parseRsaPublicKey,
  signAccessTokenRequest,
  signAsymmetric,
  signSymmetric,
  symmetricStringToSign,
  verifyAccessTokenRequest,
  verifyAsymmetric,
  verifySymmetric,
} from '../../src/modules/access/snap-signature';

const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/snap-vectors.json'), 'utf8'));

describe('SNAP known-answer vectors (shared/snap-vectors.json)', () => {
  it('symmetric HMAC-SHA512 transaction signature', () => {
    const v = vectors.symmetric_hmac_sha512;
    expect(bodySha256Hex(v.minifiedBody)).toBe(v.bodySha256Hex);
    const sts = symmetricStringToSign(v.method, v.path, v.accessToken, v.minifiedBody, v.timestamp);
    expect(signSymmetric(v.clientSecret, sts)).toBe(v.signature);
    expect(verifySymmetric([v.clientSecret], sts, v.signature)).toBe(true);
    expect(verifySymmetric(['other', v.clientSecret], sts, v.signature)).toBe(true);
    expect(verifySymmetric(['wrong-secret'], sts, v.signature)).toBe(false);
  });

  it('the same signature verifies over a pretty-printed body (whitespace outside strings is not signed)', () => {
    const v = vectors.symmetric_hmac_sha512;
    const pretty = JSON.stringify(JSON.parse(v.minifiedBody), null, 2);
    const sts = symmetricStringToSign(v.method, v.path, v.accessToken, pretty, v.timestamp);
    expect(signSymmetric(v.clientSecret, sts)).toBe(v.signature);
  });

  it('SHA256withRSA access-token signature', () => {
    const v = vectors.access_token_sha256_with_rsa;
    expect(signAccessTokenRequest(v.privateKeyPem, v.clientKey, v.timestamp)).toBe(v.signature);
    const pub = createPublicKey(v.privateKeyPem);
    expect(verifyAccessTokenRequest(pub, v.clientKey, v.timestamp, v.signature)).toBe(true);
    expect(verifyAccessTokenRequest(pub, v.clientKey, '2024-03-01T08:27:49.025Z', v.signature)).toBe(false);
    expect(verifyAccessTokenRequest(pub, v.clientKey, v.timestamp, 'not base64!')).toBe(false);
  });
});

describe('SNAP asymmetric transaction signature ("type 2", transaction_sha256_with_rsa)', () => {
  const v = vectors.transaction_sha256_with_rsa;
  const privateKey = vectors.access_token_sha256_with_rsa.privateKeyPem;

  it('the raw body with whitespace is minified, hashed, signed and verifies with the public key', () => {
    expect(minifyJson(v.rawBody)).toBe(v.minifiedBody);
    expect(bodySha256Hex(v.rawBody)).toBe(v.bodySha256Hex);
    const sts = asymmetricStringToSign(v.method, v.path, v.rawBody, v.timestamp);
    expect(sts).toBe(v.stringToSign);
    expect(asymmetricStringToSign(v.method, v.path, v.minifiedBody, v.timestamp)).toBe(v.stringToSign);
    // PKCS#1 v1.5 signatures are deterministic: the same key signs the vector's bytes.
    expect(signAsymmetric(privateKey, sts)).toBe(v.signature);
    expect(verifyAsymmetric(parseRsaPublicKey(v.publicKeyPem), sts, v.signature)).toBe(true);
  });

  it('another body, path, timestamp or signature does not verify', () => {
    const key = parseRsaPublicKey(v.publicKeyPem);
    const tampered = v.minifiedBody.replace('1234560000001', '1234560000002');
    expect(verifyAsymmetric(key, asymmetricStringToSign(v.method, v.path, tampered, v.timestamp), v.signature)).toBe(false);
    expect(verifyAsymmetric(key, asymmetricStringToSign(v.method, '/snap/v1.0/cards', v.rawBody, v.timestamp), v.signature)).toBe(false);
    expect(verifyAsymmetric(key, asymmetricStringToSign(v.method, v.path, v.rawBody, '2024-03-01T15:27:50+07:00'), v.signature)).toBe(false);
    expect(verifyAsymmetric(key, v.stringToSign, 'not base64!')).toBe(false);
  });
});

describe('matchingSecret', () => {
  it('says which candidate secret verified: the current one, the previous one or none', () => {
    const v = vectors.symmetric_hmac_sha512;
    const sts = symmetricStringToSign(v.method, v.path, v.accessToken, v.minifiedBody, v.timestamp);
    expect(matchingSecret([v.clientSecret, 'old'], sts, v.signature)).toBe(0);
    expect(matchingSecret(['new', v.clientSecret], sts, v.signature)).toBe(1);
    expect(matchingSecret(['new', 'old'], sts, v.signature)).toBe(-1);
  });
});

describe('minifyJson', () => {
  it('keeps whitespace and escapes inside strings', () => {
    expect(minifyJson('{ "a" : "x y\\" z" ,\n "b":[ 1, 2 ] }')).toBe('{"a":"x y\\" z","b":[1,2]}');
  });

  it('an escaped backslash ends before the quote; whitespace at either end goes; a minified body comes back as it is', () => {
    expect(minifyJson(' {"a":"x\\\\", "b" : "\\" " } \n')).toBe('{"a":"x\\\\","b":"\\" "}');
    fc.assert(
      fc.property(fc.json(), (json) => {
        const minified = JSON.stringify(JSON.parse(json));
        expect(minifyJson(minified)).toBe(minified);
      }),
    );
  });

  it('equals JSON.stringify of the parsed value for any JSON (property)', () => {
    fc.assert(
      fc.property(fc.json(), (json) => {
        const pretty = JSON.stringify(JSON.parse(json), null, 3);
        expect(minifyJson(pretty)).toBe(JSON.stringify(JSON.parse(json)));
      }),
    );
  });
});
