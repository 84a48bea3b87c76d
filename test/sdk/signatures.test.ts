import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accessTokenSignature, asymmetricSignature, asymmetricStringToSign, sha256Hex, snapTimestamp, symmetricSignature } from '../../sdk/src/index';
import { minifyJson, verifyAsymmetricSignature } from '../../sdk/src/signatures';
import vectors from './fixtures/snap-vectors.json';

// The published SNAP examples (/work/shared/snap-vectors.json, copied here) as known answers for the SDK's signing.
describe('SDK signatures: the SNAP test vectors', () => {
  it('symmetric HMAC-SHA512 over METHOD:path:token:sha256(minified body):timestamp', () => {
    const v = vectors.symmetric_hmac_sha512;
    expect(sha256Hex(v.minifiedBody)).toBe(v.bodySha256Hex);
    expect(symmetricSignature(v.clientSecret, { method: v.method, pathWithQuery: v.path, accessToken: v.accessToken, body: v.minifiedBody, timestamp: v.timestamp })).toBe(v.signature);
    // JSON.stringify is what the SDK sends: the same bytes as the vector's minified body.
    expect(JSON.stringify(JSON.parse(v.minifiedBody))).toBe(v.minifiedBody);
  });

  it('access token SHA256withRSA over clientKey|timestamp', () => {
    const v = vectors.access_token_sha256_with_rsa;
    expect(accessTokenSignature(v.privateKeyPem, v.clientKey, v.timestamp)).toBe(v.signature);
  });

  it('asymmetric (type 2) SHA256withRSA over METHOD:path:sha256(minified body):timestamp', () => {
    const v = vectors.transaction_sha256_with_rsa;
    const key = vectors.access_token_sha256_with_rsa.privateKeyPem;
    expect(minifyJson(v.rawBody)).toBe(v.minifiedBody);
    expect(JSON.stringify(JSON.parse(v.rawBody))).toBe(v.minifiedBody);
    expect(asymmetricStringToSign(v.method, v.path, v.minifiedBody, v.timestamp)).toBe(v.stringToSign);
    expect(asymmetricSignature(key, { method: v.method, pathWithQuery: v.path, body: v.minifiedBody, timestamp: v.timestamp })).toBe(v.signature);
    expect(verifyAsymmetricSignature(createPublicKey(v.publicKeyPem), v.stringToSign, v.signature)).toBe(true);
    expect(verifyAsymmetricSignature(createPublicKey(v.publicKeyPem), v.stringToSign.replace('POST', 'PUT'), v.signature)).toBe(false);
  });

  it('X-TIMESTAMP in Jakarta time, yyyy-MM-ddTHH:mm:ss+07:00', () => {
    expect(snapTimestamp(new Date('2024-03-01T08:27:49.024Z'))).toBe('2024-03-01T15:27:49+07:00');
    expect(snapTimestamp(new Date('2024-12-31T20:00:00Z'))).toBe('2025-01-01T03:00:00+07:00');
  });

  it('minifies outside strings only, escapes included', () => {
    expect(minifyJson('{ "a b": "c\\" d" ,\n\t"e": [1, 2] }')).toBe('{"a b":"c\\" d","e":[1,2]}');
  });
});
