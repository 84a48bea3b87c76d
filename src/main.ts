import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { ADMIN_ROLES, type AdminRole } from './modules/access/admin.entity';
import { createAdmin } from './modules/access/admins.service';
import { createBusiness, createNetwork, rekeySecrets, rotateClientSecret } from './modules/access/access.service';
import { simulateNetwork } from './modules/authorizations/network-simulator';
import { IMPORT_COLUMNS, importCards } from './modules/cards/card-import';
import { rekeyCards } from './modules/cards/cards.service';
import { rekeyWebhookSecrets } from './modules/webhooks/notification-key';
import { rekeyTwoFactorSecrets, resetTwoFactor } from './modules/access/two-factor.service';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign } from './modules/access/snap-signature';
import { inTransaction, migrate } from './platform/db';
import { parseSnapValue, snapAmount } from './platform/money';
import { Business } from './modules/access/business.entity';
import { recordAudit } from './modules/access/audit';
import { setOverdraftLimit } from './modules/ledger/ledger.service';
import { createLogger } from './platform/logger';
import pino from 'pino';
import { formatSnapTimestamp } from './platform/snap-time';
import { demoBanner, ensureDemoBusiness } from './quick-start';
import { boot, type Runtime } from './runtime';
import { serveUntilSignal } from './server';
import { KartuApiError } from '../sdk/src/index';
import { partnerClient, readPartnerCredentials } from './snap-client';
import { startWorkers } from './worker';

/** The `kartu` command. Operator commands print JSON with --json, readable lines otherwise. */
const program = new Command('kartu').description('Kartu — card issuance and spend control').showHelpAfterError();

function print(json: boolean, value: Record<string, unknown>): void {
  if (json) {
    process.stdout.write(JSON.stringify(value) + '\n');
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const text = Array.isArray(v) ? v.join(', ') || '(none)' : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
    process.stdout.write(typeof v === 'string' && v.includes('\n') ? `${key}:\n${v}\n` : `${key}: ${text}\n`);
  }
}

/** Runs a one-shot command against the database, closing connections afterwards. */
async function withRuntime<T>(work: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await boot(loadConfig(), { logger: quietLogger() });
  try {
    return await work(rt);
  } finally {
    await rt.close();
  }
}

/** One-shot commands keep stdout for their result; diagnostics go to stderr, warnings and up. */
const quietLogger = () => createLogger('warn', pino.destination(2));

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
};

program
  .command('start')
  .description('Quick start: embedded PostgreSQL when DATABASE_URL is unset, migrate, demo business, api + workers')
  .action(async () => {
    const config = loadConfig();
    const rt = await boot(config, { withRedis: true, embedded: true });
    await migrate(rt.kartu.db);
    const workers = await startWorkers(rt.kartu);
    const server = await serveUntilSignal(rt, workers);
    if (config.env === 'sandbox') {
      const demo = await ensureDemoBusiness(rt.kartu);
      const address = server.address();
      process.stdout.write(demoBanner(demo.credentials, typeof address === 'object' && address ? address.port : config.port, demo.file));
    }
  });

program
  .command('serve')
  .description('Run the api (DATABASE_URL, REDIS_URL, PORT)')
  .action(async () => {
    const rt = await boot(loadConfig(), { withRedis: true });
    await serveUntilSignal(rt);
  });

program
  .command('worker')
  .description('Run the BullMQ workers')
  .action(async () => {
    const rt = await boot(loadConfig());
    const workers = await startWorkers(rt.kartu);
    if (!workers) {
      await rt.close();
      process.exitCode = 1;
      return;
    }
    const stop = async () => {
      await workers.close();
      await rt.close();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop());
    process.once('SIGINT', () => void stop());
  });

program
  .command('migrate')
  .description('Apply pending database migrations')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const applied = await withRuntime((rt) => migrate(rt.kartu.db));
    print(Boolean(opts.json), { applied });
  });

const businesses = program.command('businesses').description('Businesses and their SNAP API clients');
businesses
  .command('create')
  .requiredOption('--name <name>', 'business name')
  .option('--public-key <file>', "the partner's RSA public key (PEM); without it a key pair is generated and the private key printed once")
  .option('--currency <code>', 'ISO 4217 currency', 'IDR')
  .option('--ip-allowlist <cidrs>', 'comma-separated IPs/CIDRs allowed to call (default: any)')
  .option('--rate-limit <perSecond>', 'requests per second for this client', positiveInt)
  .option('--json', 'print JSON')
  .action(async (opts: { name: string; publicKey?: string; currency: string; ipAllowlist?: string; rateLimit?: number; json?: boolean }) => {
    const created = await withRuntime((rt) =>
      createBusiness(rt.kartu, {
        name: opts.name,
        currency: opts.currency.toUpperCase(),
        publicKeyPem: opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : undefined,
        ipAllowlist: opts.ipAllowlist?.split(','),
        rateLimitPerSecond: opts.rateLimit,
      }),
    );
    print(Boolean(opts.json), { ...created });
  });

businesses
  .command('rotate-secret')
  .description("Issue a new client secret; the old one keeps working for the overlap")
  .requiredOption('--business <id>', 'business id')
  .option('--overlap-seconds <seconds>', 'how long the old secret keeps verifying (default KARTU_SECRET_OVERLAP_SECONDS)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
    return n;
  })
  .option('--json', 'print JSON')
  .action(async (opts: { business: string; overlapSeconds?: number; json?: boolean }) => {
    const rotated = await withRuntime((rt) => rotateClientSecret(rt.kartu, opts.business, opts.overlapSeconds));
    print(Boolean(opts.json), rotated);
  });

businesses
  .command('set-overdraft')
  .description("Let the business's funding account go below zero by up to an amount (a credit line); 0 removes it")
  .requiredOption('--business <id>', 'business id')
  .requiredOption('--amount <value>', 'in the business currency, e.g. 5000000.00')
  .option('--json', 'print JSON')
  .action(async (opts: { business: string; amount: string; json?: boolean }) => {
    const result = await withRuntime(async (rt) => {
      const business = await rt.kartu.db.getRepository(Business).findOneBy({ id: opts.business });
      if (!business) throw new Error(`no business ${opts.business}`);
      const limit = parseSnapValue(opts.amount, business.currency, 'amount');
      await inTransaction(rt.kartu.db, async (tx) => {
        await setOverdraftLimit(tx, business.id, business.currency, limit);
        await recordAudit(tx, { businessId: business.id, actorType: 'operator', action: 'funding.overdraft_set', targetType: 'business', targetId: business.id, details: { amount: opts.amount, currency: business.currency } });
      });
      return { businessId: business.id, overdraftLimit: snapAmount(limit, business.currency) };
    });
    print(Boolean(opts.json), result);
  });

program
  .command('networks')
  .description('Card networks allowed to call /network/v1')
  .command('create')
  .requiredOption('--name <name>', 'network name')
  .option('--json', 'print JSON')
  .action(async (opts: { name: string; json?: boolean }) => {
    print(Boolean(opts.json), await withRuntime((rt) => createNetwork(rt.kartu, opts.name)));
  });

const admins = program.command('admins').description('Admin users of the dashboard and admin API');
admins
  .command('create')
  .requiredOption('--business <id>', 'business id')
  .requiredOption('--email <email>', 'login email')
  .addOption(new Option('--role <role>', 'role').choices(ADMIN_ROLES).makeOptionMandatory())
  .option('--json', 'print JSON')
  .action(async (opts: { business: string; email: string; role: AdminRole; json?: boolean }) => {
    print(Boolean(opts.json), await withRuntime((rt) => createAdmin(rt.kartu, { businessId: opts.business, email: opts.email, role: opts.role })));
  });
admins
  .command('reset-two-factor')
  .description('Turn off two-factor authentication for an admin who lost the authenticator and the recovery codes; ends their sessions and lockout (audited)')
  .requiredOption('--email <email>', 'login email')
  .option('--json', 'print JSON')
  .action(async (opts: { email: string; json?: boolean }) => {
    print(Boolean(opts.json), await withRuntime((rt) => resetTwoFactor(rt.kartu, opts.email)));
  });

program
  .command('cards')
  .description('Cards')
  .command('import <file>')
  .description(`Issue cards in bulk from a CSV file with a header row (columns: ${IMPORT_COLUMNS.join(', ')}); idempotent on partnerReferenceNo, so a rerun resumes`)
  .requiredOption('--business <id>', 'business id')
  .option('--results <file>', 'per-row results CSV (default <file>.results.csv)')
  .option('--json', 'print JSON')
  .action(async (file: string, opts: { business: string; results?: string; json?: boolean }) => {
    const summary = await withRuntime((rt) => importCards(rt.kartu, { businessId: opts.business, file, resultsFile: opts.results, onProgress: progressBar() }));
    print(Boolean(opts.json), { ...summary });
    if (summary.errors > 0) process.exitCode = 2;
  });

/** A progress bar on stderr: redrawn in place on a terminal, a line every 10 % otherwise. */
function progressBar() {
  let lastDecile = -1;
  return (done: number, total: number, errors: number) => {
    const ratio = total ? done / total : 1;
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} rows, ${errors} errors`);
      if (done === total) process.stderr.write('\n');
    } else if (Math.floor(ratio * 10) !== lastDecile || done === total) {
      lastDecile = Math.floor(ratio * 10);
      process.stderr.write(`${done}/${total} rows, ${errors} errors\n`);
    }
  };
}

program
  .command('simulate')
  .description('Play a card network against a running Kartu: authorizations at a rate, then clearings and reversals')
  .requiredOption('--business <id>', 'whose active cards to use')
  .requiredOption('--network-id <id>', 'from `kartu networks create`')
  .requiredOption('--network-secret <secret>', 'from `kartu networks create`')
  .option('--url <baseUrl>', 'Kartu base URL', 'http://localhost:3000')
  .option('--rate <perSecond>', 'authorizations per second', positiveInt, 10)
  .option('--duration <seconds>', 'how long to run', positiveInt, 30)
  .option('--json', 'print JSON')
  .action(async (opts: { business: string; networkId: string; networkSecret: string; url: string; rate: number; duration: number; json?: boolean }) => {
    const summary = await withRuntime((rt) =>
      simulateNetwork(rt.kartu, {
        url: opts.url,
        networkId: opts.networkId,
        networkSecret: opts.networkSecret,
        businessId: opts.business,
        rate: opts.rate,
        durationSeconds: opts.duration,
        onTick: (s) => process.stderr.write(`authorizations ${JSON.stringify(s.authorizations)} clearings ${s.clearings} reversals ${s.reversals} errors ${s.errors}\n`),
      }),
    );
    print(Boolean(opts.json), { ...summary });
  });

program
  .command('keys')
  .description('Master keys')
  .command('rotate')
  .description('Re-encrypt secrets and PANs under the active KARTU_MASTER_KEY (list the old key in KARTU_PREVIOUS_MASTER_KEYS first)')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const result = await withRuntime(async (rt) => ({ keyId: rt.kartu.secrets.activeKeyId, ...(await rekeySecrets(rt.kartu)), cards: await rekeyCards(rt.kartu), ...(await rekeyWebhookSecrets(rt.kartu)), twoFactorSecrets: await rekeyTwoFactorSecrets(rt.kartu) }));
    print(Boolean(opts.json), result);
  });

const sign = program.command('sign').description('Compute SNAP signatures (for scripts and curl)');
sign
  .command('token')
  .description('X-SIGNATURE for POST /snap/v1.0/access-token/b2b: SHA256withRSA over clientKey|timestamp')
  .requiredOption('--client-key <key>')
  .requiredOption('--private-key <file>', 'PEM file')
  .requiredOption('--timestamp <ts>', 'the X-TIMESTAMP you will send')
  .action((opts: { clientKey: string; privateKey: string; timestamp: string }) => {
    process.stdout.write(signAccessTokenRequest(readFileSync(opts.privateKey, 'utf8'), opts.clientKey, opts.timestamp) + '\n');
  });
sign
  .command('request')
  .description('X-SIGNATURE for a partner call: HMAC-SHA512 over METHOD:path:token:sha256(body):timestamp')
  .requiredOption('--method <method>')
  .requiredOption('--path <path>', 'path with query, e.g. /snap/v1.0/balance-inquiry')
  .requiredOption('--token <accessToken>')
  .requiredOption('--secret <clientSecret>')
  .requiredOption('--timestamp <ts>')
  .option('--body <json>', 'the body exactly as you will send it', '')
  .action((opts: { method: string; path: string; token: string; secret: string; timestamp: string; body: string }) => {
    const sts = symmetricStringToSign(opts.method, opts.path, opts.token, opts.body, opts.timestamp);
    process.stdout.write(signSymmetric(opts.secret, sts) + '\n');
  });

program
  .command('snap')
  .description('Act as a SNAP partner against a running Kartu')
  .command('call <method> <path>')
  .description('Get a token, sign the call with the SDK (@kartu/sdk), send it and print the answer; exits 1 on an error answer')
  .requiredOption('--credentials <file>', 'the quick start\'s .kartu/demo-credentials.json, or the JSON `kartu businesses create --json` printed')
  .option('--body <json>', 'request body (JSON; sent minified)')
  .option('--url <baseUrl>', 'Kartu base URL', 'http://localhost:3000')
  .action(async (method: string, path: string, opts: { credentials: string; body?: string; url: string }) => {
    const client = partnerClient(opts.url, readPartnerCredentials(opts.credentials));
    let body: unknown;
    if (opts.body !== undefined) {
      try {
        body = JSON.parse(opts.body);
      } catch {
        throw new InvalidArgumentError(`--body is not JSON: ${opts.body}`);
      }
    }
    try {
      process.stdout.write(JSON.stringify(await client.request(method.toUpperCase(), path, body), null, 2) + '\n');
    } catch (err) {
      if (!(err instanceof KartuApiError)) throw err;
      process.stdout.write(JSON.stringify(err.body, null, 2) + '\n');
      process.exitCode = 1;
    }
  });

program
  .command('timestamp')
  .description('The current time as a SNAP X-TIMESTAMP (Asia/Jakarta)')
  .action(() => {
    process.stdout.write(formatSnapTimestamp(new Date()) + '\n');
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`kartu: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
  process.exit(1);
});
