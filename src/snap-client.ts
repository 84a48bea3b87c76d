import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kartu, type SignatureMode } from '../sdk/src/index';

/**
 * The partner credentials `kartu snap call --credentials` reads: the quick start's
 * demo-credentials.json (privateKeyFile, resolved from the file's folder) or what
 * `kartu businesses create --json` prints (privateKeyPem inline).
 */
export interface PartnerCredentials {
  clientKey: string;
  clientSecret: string;
  partnerId: string;
  channelId: string;
  privateKeyPem: string;
  signatureMode?: SignatureMode;
}

const REQUIRED = ['clientKey', 'clientSecret', 'partnerId', 'channelId'] as const;

export function readPartnerCredentials(file: string): PartnerCredentials {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the credentials file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON: expected the quick start's demo-credentials.json or the output of \`kartu businesses create --json\``);
  }
  if (json === null || typeof json !== 'object') throw new Error(`${file} is not a JSON object`);
  const missing = REQUIRED.filter((k) => typeof json[k] !== 'string' || !json[k]);
  if (missing.length) throw new Error(`${file} lacks ${missing.join(', ')}`);
  let privateKeyPem: string;
  if (typeof json.privateKeyPem === 'string') privateKeyPem = json.privateKeyPem;
  else if (typeof json.privateKeyFile === 'string') {
    const keyFile = path.resolve(path.dirname(file), json.privateKeyFile);
    try {
      privateKeyPem = readFileSync(keyFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the private key ${keyFile} (privateKeyFile in ${file}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  } else throw new Error(`${file} has neither privateKeyPem nor privateKeyFile: add "privateKeyFile": "<path to the partner's private key PEM>"`);
  const mode = json.signatureMode;
  if (mode !== undefined && mode !== 'symmetric' && mode !== 'asymmetric') throw new Error(`${file}: signatureMode must be "symmetric" or "asymmetric"`);
  return { ...(Object.fromEntries(REQUIRED.map((k) => [k, json[k] as string])) as Pick<PartnerCredentials, (typeof REQUIRED)[number]>), privateKeyPem, ...(mode ? { signatureMode: mode } : {}) };
}

/** The SDK client `kartu snap call` sends with. */
export function partnerClient(baseUrl: string, creds: PartnerCredentials): Kartu {
  return new Kartu({ baseUrl, clientKey: creds.clientKey, clientSecret: creds.clientSecret, privateKey: creds.privateKeyPem, partnerId: creds.partnerId, channelId: creds.channelId, signatureMode: creds.signatureMode });
}
