import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Kartu } from './context';
import { Admin } from './modules/access/admin.entity';
import { createAdmin } from './modules/access/admins.service';
import { createBusiness, createNetwork } from './modules/access/access.service';
import { Business } from './modules/access/business.entity';
import { Network } from './modules/access/network.entity';

export interface DemoCredentials {
  businessId: string;
  clientKey: string;
  clientSecret: string;
  partnerId: string;
  channelId: string;
  privateKeyFile: string;
  adminEmail: string;
  adminPassword: string;
  /** The demo card network, for `kartu simulate` (network API credentials). */
  networkId: string;
  networkSecret: string;
}

/**
 * On the first run of the quick start, creates a demo business (with a generated key pair) and an
 * owner admin for the dashboard, and a demo card network for `kartu simulate`, and keeps their
 * credentials in `<home>/demo-credentials.json` (mode 0600, sandbox only). Later runs reuse them; a
 * demo admin or network that is gone (or a file from before there was a network) is made again.
 */
export async function ensureDemoBusiness(k: Kartu): Promise<{ created: boolean; credentials: DemoCredentials; file: string }> {
  const file = path.resolve(k.config.home, 'demo-credentials.json');
  if (existsSync(file)) {
    const credentials = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    if (await k.db.getRepository(Business).existsBy({ id: credentials.businessId })) {
      let changed = false;
      if (!(await k.db.getRepository(Admin).existsBy({ businessId: credentials.businessId, email: credentials.adminEmail }))) {
        const admin = await createAdmin(k, { businessId: credentials.businessId, email: credentials.adminEmail, role: 'owner' });
        credentials.adminPassword = admin.password;
        changed = true;
      }
      if (!credentials.networkId || !(await k.db.getRepository(Network).existsBy({ id: credentials.networkId }))) {
        Object.assign(credentials, await demoNetwork(k, credentials.businessId));
        changed = true;
      }
      if (changed) writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
      return { created: false, credentials, file };
    }
  }
  const business = await createBusiness(k, { name: 'Demo Business', currency: 'IDR' });
  const privateKeyFile = path.resolve(k.config.home, 'demo-private-key.pem');
  writeFileSync(privateKeyFile, business.privateKeyPem!, { mode: 0o600 });
  const admin = await createAdmin(k, { businessId: business.businessId, email: `demo+${business.businessId.slice(0, 8)}@kartu.local`, role: 'owner' });
  const credentials: DemoCredentials = {
    businessId: business.businessId,
    clientKey: business.clientKey,
    clientSecret: business.clientSecret,
    partnerId: business.partnerId,
    channelId: business.channelId,
    privateKeyFile,
    adminEmail: admin.email,
    adminPassword: admin.password,
    ...(await demoNetwork(k, business.businessId)),
  };
  writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  return { created: true, credentials, file };
}

async function demoNetwork(k: Kartu, businessId: string): Promise<Pick<DemoCredentials, 'networkId' | 'networkSecret'>> {
  // Network names are unique, and a file that lost its network leaves that one behind: a fresh suffix each time.
  const network = await createNetwork(k, `Demo Network ${businessId.slice(0, 8)} ${randomBytes(3).toString('hex')}`);
  return { networkId: network.networkId, networkSecret: network.secret };
}

export function demoBanner(c: DemoCredentials, port: number, file: string): string {
  const base = `http://localhost:${port}`;
  return `
Kartu is running (sandbox) — ${base}   API docs: ${base}/docs

Dashboard      ${base}/dashboard
  sign in as   ${c.adminEmail}   password ${c.adminPassword}   (owner of the demo business)

Demo business ${c.businessId}   (credentials kept in ${file})
  client key     ${c.clientKey}
  client secret  ${c.clientSecret}
  partner id     ${c.partnerId}      channel id ${c.channelId}
  private key    ${c.privateKeyFile}

Demo network  ${c.networkId}   secret ${c.networkSecret}

Try it (token, then a signed balance inquiry):
  npx kartu snap call POST /snap/v1.0/balance-inquiry --body '{}' --credentials ${file} --url ${base}
Play a card network on the demo business's active cards (fund it and issue a card first, see the README):
  npx kartu simulate --business ${c.businessId} --network-id ${c.networkId} --network-secret ${c.networkSecret} --url ${base}
Clear a purchase as a partner (its authorizationId from the simulate or history answer):
  npx kartu snap call POST /snap/v1.0/simulate/authorizations/<authorizationId>/clear --body '{}' --credentials ${file} --url ${base}
`;
}
