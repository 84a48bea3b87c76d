import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoBanner, ensureDemoBusiness, type DemoCredentials } from '../../src/quick-start';
import { startHarness, type Harness } from '../support/harness';

/** The quick start's demo business and dashboard owner (ensureDemoBusiness), on a harness database. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const login = (c: DemoCredentials) => h.http().post('/admin/v1/login').send({ email: c.adminEmail, password: c.adminPassword });

describe('the demo admin of the quick start', () => {
  let first: DemoCredentials;

  it('the first run makes an owner for the demo business, kept in demo-credentials.json (0600), who can sign in', async () => {
    const made = await ensureDemoBusiness(h.kartu);
    expect(made.created).toBe(true);
    first = made.credentials;
    expect(made.file).toBe(path.resolve(h.kartu.config.home, 'demo-credentials.json'));
    expect(statSync(made.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(made.file, 'utf8'))).toMatchObject({ businessId: first.businessId, adminEmail: first.adminEmail, adminPassword: first.adminPassword });
    const res = await login(first);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.admin).toMatchObject({ email: first.adminEmail, businessId: first.businessId, role: 'owner' });
  });

  it('a later run reuses the same business and login', async () => {
    const again = await ensureDemoBusiness(h.kartu);
    expect(again.created).toBe(false);
    expect(again.credentials).toEqual(first);
    expect(await h.kartu.db.query('SELECT count(*)::int AS n FROM admins WHERE business_id = $1', [first.businessId])).toEqual([{ n: 1 }]);
  });

  it('a demo admin that is gone is made again, with a new password written to the file', async () => {
    await h.kartu.db.query('DELETE FROM admin_sessions');
    await h.kartu.db.query('DELETE FROM admins WHERE email = $1', [first.adminEmail]);
    const again = await ensureDemoBusiness(h.kartu);
    expect(again.created).toBe(false);
    expect(again.credentials).toMatchObject({ businessId: first.businessId, adminEmail: first.adminEmail, clientKey: first.clientKey });
    expect(again.credentials.adminPassword).not.toBe(first.adminPassword);
    expect(JSON.parse(readFileSync(again.file, 'utf8')).adminPassword).toBe(again.credentials.adminPassword);
    expect((await login(again.credentials)).status).toBe(200);
    expect((await login(first)).status).toBe(401);
  });

  it('the demo network is kept in the file (its secret the one stored, encrypted); a file without one (an older quick start) gets one', async () => {
    expect(first).toMatchObject({ networkId: expect.any(String), networkSecret: expect.any(String) });
    const [network] = await h.kartu.db.query('SELECT secret_enc FROM networks WHERE id = $1', [first.networkId]);
    expect(h.kartu.secrets.decrypt(network.secret_enc, `network:${first.networkId}`)).toBe(first.networkSecret);
    const file = path.resolve(h.kartu.config.home, 'demo-credentials.json');
    const { networkId: _id, networkSecret: _secret, ...older } = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify(older));
    const again = await ensureDemoBusiness(h.kartu);
    expect(again.credentials.networkId).not.toBe(first.networkId);
    expect(JSON.parse(readFileSync(file, 'utf8')).networkId).toBe(again.credentials.networkId);
    first = again.credentials;
  });

  it('the banner prints ready simulate and partner clear lines', () => {
    const banner = demoBanner(first, 3123, '/home/me/.kartu/demo-credentials.json');
    expect(banner).toContain(
      `npx kartu simulate --business ${first.businessId} --network-id ${first.networkId} --network-secret ${first.networkSecret} --url http://localhost:3123\n`,
    );
    expect(banner).toContain(
      "npx kartu snap call POST /snap/v1.0/simulate/authorizations/<authorizationId>/clear --body '{}' --credentials /home/me/.kartu/demo-credentials.json --url http://localhost:3123\n",
    );
  });

  it('the banner names the dashboard and the login', () => {
    const banner = demoBanner(first, 3123, '/home/me/.kartu/demo-credentials.json');
    expect(banner).toContain('Dashboard      http://localhost:3123/dashboard\n');
    expect(banner).toContain(`sign in as   ${first.adminEmail}   password ${first.adminPassword}   (owner of the demo business)\n`);
  });
});
