import { randomUUID } from 'node:crypto';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign } from './modules/access/snap-signature';
import { formatSnapTimestamp } from './platform/snap-time';

export interface PartnerCredentials {
  clientKey: string;
  clientSecret: string;
  partnerId: string;
  channelId: string;
  privateKeyPem: string;
}

/** A minimal SNAP partner client: what a business's integration does, used by `kartu snap call`. */
export class SnapClient {
  private accessToken?: string;

  constructor(
    private readonly baseUrl: string,
    private readonly creds: PartnerCredentials,
  ) {}

  async token(): Promise<string> {
    const timestamp = formatSnapTimestamp(new Date());
    const res = await fetch(`${this.baseUrl}/snap/v1.0/access-token/b2b`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-CLIENT-KEY': this.creds.clientKey,
        'X-TIMESTAMP': timestamp,
        'X-SIGNATURE': signAccessTokenRequest(this.creds.privateKeyPem, this.creds.clientKey, timestamp),
      },
      body: JSON.stringify({ grantType: 'client_credentials' }),
    });
    const body = (await res.json()) as { accessToken?: string; responseCode: string; responseMessage: string };
    if (!body.accessToken) throw new Error(`token refused: ${body.responseCode} ${body.responseMessage}`);
    this.accessToken = body.accessToken;
    return body.accessToken;
  }

  async call(method: string, pathWithQuery: string, body?: string): Promise<{ status: number; body: unknown }> {
    const token = this.accessToken ?? (await this.token());
    const timestamp = formatSnapTimestamp(new Date());
    const raw = body ?? '';
    const signature = signSymmetric(this.creds.clientSecret, symmetricStringToSign(method, pathWithQuery, token, raw, timestamp));
    const res = await fetch(this.baseUrl + pathWithQuery, {
      method: method.toUpperCase(),
      headers: {
        ...(raw ? { 'Content-Type': 'application/json' } : {}),
        Authorization: `Bearer ${token}`,
        'X-TIMESTAMP': timestamp,
        'X-SIGNATURE': signature,
        'X-PARTNER-ID': this.creds.partnerId,
        'X-EXTERNAL-ID': randomUUID().replaceAll('-', ''),
        'CHANNEL-ID': this.creds.channelId,
      },
      body: raw || undefined,
    });
    return { status: res.status, body: await res.json() };
  }
}
