import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config';
import { ADMIN_ROLES, type AdminRole } from './modules/access/admin.entity';
import { createAdmin } from './modules/access/admins.service';
import { createBusiness, createNetwork, rekeySecrets, rotateClientSecret } from './modules/access/access.service';
import { SIGNATURE_MODES, type SignatureMode } from './modules/access/api-client.entity';
import { describeClient, parseServices, revokeClientTokens, setEnabledServices, setSignatureMode, SERVICES } from './modules/access/client-settings';
import { simulateNetwork } from './modules/authorizations/network-simulator';
import { simulateIso8583 } from './modules/iso8583/iso8583-simulator';
import { findIso8583SpecFile, loadIso8583Spec } from './modules/iso8583/iso8583-spec';
import { IMPORT_COLUMNS, importCards } from './modules/cards/card-import';
import { rekeyCards } from './modules/cards/cards.service';
import { rekeyWebhookSecrets } from './modules/webhooks/notification-key';
import { rekeyTwoFactorSecrets, resetTwoFactor } from './modules/access/two-factor.service';
import { asymmetricStringToSign, signAccessTokenRequest, signAsymmetric, signSymmetric, symmetricStringToSign } from './modules/access/snap-signature';
import { inTransaction, migrate } from './platform/db';
import { parseSnapValue, snapAmount } from './platform/money';
import { Business } from './modules/access/business.entity';
import { recordAudit } from './modules/access/audit';
import { setOverdraftLimit } from './modules/ledger/ledger.service';
import { listRates, readRatesFile, setRates } from './modules/fx/fx.service';
import { createLogger } from './platform/logger';
import pino from 'pino';
import { formatSnapTimestamp } from './platform/snap-time';
import { demoBanner, ensureDemoBusiness } from './quick-start';
import { boot, type Runtime } from './runtime';
import { serveUntilSignal } from './server';
import { KartuApiError } from '../sdk/src/index';
import { partnerClient, readPartnerCredentials } from './snap-client';
import { reportOf, reportPdf, signReport } from './modules/self-tests/self-test-report';
import { clientIdByKey, loadRun, startRun } from './modules/self-tests/self-tests.service';
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

const signatureModeOption = (flags: string) =>
  new Option(flags, 'symmetric: HMAC-SHA512 with a B2B access token; asymmetric: SHA256withRSA with X-CLIENT-KEY, no token').choices(SIGNATURE_MODES);
const servicesHelp = `"all" or comma-separated SNAP service codes the client may call (${Object.entries(SERVICES).map(([c, n]) => `${c} ${n}`).join(', ')}); the token service 73 is always allowed`;
/** "all" stays a word: commander would turn a parser's null into an empty string. */
const servicesArgument = (v: string): string[] | 'all' => {
  try {
    return parseServices(v) ?? 'all';
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const businesses = program.command('businesses').description('Businesses and their SNAP API clients');
businesses
  .command('create')
  .requiredOption('--name <name>', 'business name')
  .option('--public-key <file>', "the partner's RSA public key (PEM); without it a key pair is generated and the private key printed once")
  .option('--currency <code>', 'ISO 4217 currency', 'IDR')
  .option('--ip-allowlist <cidrs>', 'comma-separated IPs/CIDRs allowed to call (default: any)')
  .option('--rate-limit <perSecond>', 'requests per second for this client', positiveInt)
  .addOption(signatureModeOption('--signature-mode <mode>').default('symmetric'))
  .option('--services <codes>', servicesHelp, servicesArgument)
  .option('--json', 'print JSON')
  .action(async (opts: { name: string; publicKey?: string; currency: string; ipAllowlist?: string; rateLimit?: number; signatureMode: SignatureMode; services?: string[] | 'all'; json?: boolean }) => {
    const created = await withRuntime((rt) =>
      createBusiness(rt.kartu, {
        name: opts.name,
        currency: opts.currency.toUpperCase(),
        publicKeyPem: opts.publicKey ? readFileSync(opts.publicKey, 'utf8') : undefined,
        ipAllowlist: opts.ipAllowlist?.split(','),
        rateLimitPerSecond: opts.rateLimit,
        signatureMode: opts.signatureMode,
        enabledServices: opts.services === 'all' ? null : opts.services,
      }),
    );
    print(Boolean(opts.json), { ...created, enabledServices: created.enabledServices ?? 'all' });
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

const clients = program.command('clients').description("SNAP API clients: signature mode, enabled services, last use, tokens (changes are audited)");
clients
  .command('show')
  .description('Settings and last-used times of a client (never its secrets)')
  .requiredOption('--client-key <key>', 'X-CLIENT-KEY')
  .option('--json', 'print JSON')
  .action(async (opts: { clientKey: string; json?: boolean }) => {
    print(Boolean(opts.json), await withRuntime((rt) => describeClient(rt.kartu, opts.clientKey)));
  });
clients
  .command('set-signature-mode')
  .description('Switch how the client signs its calls; calls in the other mode are refused (401xx00) from then on')
  .requiredOption('--client-key <key>', 'X-CLIENT-KEY')
  .addOption(signatureModeOption('--mode <mode>').makeOptionMandatory())
  .option('--json', 'print JSON')
  .action(async (opts: { clientKey: string; mode: SignatureMode; json?: boolean }) => {
    print(Boolean(opts.json), await withRuntime((rt) => setSignatureMode(rt.kartu, opts.clientKey, opts.mode)));
  });
clients
  .command('set-services')
  .description('Which SNAP services the client may call; any other answers 403xx01')
  .requiredOption('--client-key <key>', 'X-CLIENT-KEY')
  .requiredOption('--services <codes>', servicesHelp, servicesArgument)
  .option('--json', 'print JSON')
  .action(async (opts: { clientKey: string; services: string[] | 'all'; json?: boolean }) => {
    const result = await withRuntime((rt) => setEnabledServices(rt.kartu, opts.clientKey, opts.services === 'all' ? null : opts.services));
    print(Boolean(opts.json), { ...result, enabledServices: result.enabledServices ?? 'all' });
  });
clients
  .command('revoke-tokens')
  .description('End every access token of the client at once; the next call with one answers 401xx01')
  .requiredOption('--client-key <key>', 'X-CLIENT-KEY')
  .option('--json', 'print JSON')
  .action(async (opts: { clientKey: string; json?: boolean }) => {
    print(Boolean(opts.json), await withRuntime((rt) => revokeClientTokens(rt.kartu, opts.clientKey)));
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

const fx = program.command('fx').description("Exchange rates for authorizations in a currency other than the card's (docs/ledger-and-authorizations.md)");
fx.command('set-rate')
  .description('Record a rate: units of --to per unit of --from, holding from --at (default now); used until a newer one or KARTU_FX_RATE_MAX_AGE_HOURS')
  .requiredOption('--from <currency>', 'ISO 4217 code, e.g. USD')
  .requiredOption('--to <currency>', 'ISO 4217 code, e.g. IDR')
  .requiredOption('--rate <decimal>', 'e.g. 16250.5')
  .option('--at <time>', 'ISO 8601 time the rate holds from (default now)')
  .option('--source <name>', 'where the rate comes from', 'operator')
  .option('--json', 'print JSON')
  .action(async (opts: { from: string; to: string; rate: string; at?: string; source: string; json?: boolean }) => {
    const [row] = await withRuntime((rt) =>
      setRates(rt.kartu, { source: opts.source, rates: [{ base: opts.from.toUpperCase(), quote: opts.to.toUpperCase(), rate: opts.rate, ...(opts.at ? { asOf: opts.at } : {}) }] }),
    );
    print(Boolean(opts.json), { from: row!.base, to: row!.quote, rate: row!.rate, asOf: row!.asOf.toISOString(), source: row!.source });
  });
fx.command('load')
  .description('Record every rate of a rates file (JSON: {"source"?, "asOf"?, "rates": [{"base", "quote", "rate", "asOf"?}]}), all or none')
  .requiredOption('--file <path>', 'the rates file')
  .option('--json', 'print JSON')
  .action(async (opts: { file: string; json?: boolean }) => {
    const rows = await withRuntime((rt) => setRates(rt.kartu, readRatesFile(opts.file) as Parameters<typeof setRates>[1]));
    print(Boolean(opts.json), { loaded: rows.length, pairs: rows.map((r) => `${r.base}/${r.quote}`) });
  });
fx.command('rates')
  .description('The newest rate of every pair, and whether it is still fresh enough to be used')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const rates = await withRuntime((rt) => listRates(rt.kartu));
    print(Boolean(opts.json), { rates: rates.map((r) => (opts.json ? { ...r, asOf: r.asOf.toISOString() } : `${r.base}/${r.quote} ${r.rate} at ${r.asOf.toISOString()} (${r.source}${r.fresh ? '' : ', stale'})`)) });
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
  .description('Play a card network against a running Kartu: authorizations at a rate, then clearings and reversals (JSON network API), or over ISO 8583 with --iso8583')
  .requiredOption('--business <id>', 'whose active cards to use')
  .option('--network-id <id>', 'from `kartu networks create` (the JSON network API)')
  .option('--network-secret <secret>', 'from `kartu networks create` (the JSON network API)')
  .option('--url <baseUrl>', 'Kartu base URL', 'http://localhost:3000')
  .option('--iso8583 <host:port>', "the ISO 8583 gateway instead (KARTU_ISO8583_PORT): sign-on, 0100 authorizations, 0400 reversals")
  .option('--spec <name>', 'the ISO 8583 dialect, rules/iso8583/<name>.json', 'kartu-1987-ascii')
  .option('--rate <perSecond>', 'authorizations per second', positiveInt, 10)
  .option('--duration <seconds>', 'how long to run', positiveInt, 30)
  .option('--json', 'print JSON')
  .action(async (opts: { business: string; networkId?: string; networkSecret?: string; url: string; iso8583?: string; spec: string; rate: number; duration: number; json?: boolean }) => {
    const tick = (s: { authorizations: Record<string, number>; reversals: number; errors: number; clearings?: number }) =>
      process.stderr.write(`authorizations ${JSON.stringify(s.authorizations)}${s.clearings === undefined ? '' : ` clearings ${s.clearings}`} reversals ${s.reversals} errors ${s.errors}\n`);
    if (opts.iso8583) {
      const at = /^(.+):(\d{1,5})$/.exec(opts.iso8583);
      if (!at) throw new Error(`--iso8583 must be HOST:PORT, got "${opts.iso8583}"`);
      const spec = loadIso8583Spec(findIso8583SpecFile(opts.spec));
      const summary = await withRuntime((rt) =>
        simulateIso8583(rt.kartu, { host: at[1]!, port: Number(at[2]), spec, businessId: opts.business, rate: opts.rate, durationSeconds: opts.duration, onTick: tick }),
      );
      print(Boolean(opts.json), { ...summary });
      return;
    }
    if (!opts.networkId || !opts.networkSecret) throw new Error('--network-id and --network-secret are required (or --iso8583 HOST:PORT)');
    const summary = await withRuntime((rt) =>
      simulateNetwork(rt.kartu, {
        url: opts.url,
        networkId: opts.networkId!,
        networkSecret: opts.networkSecret!,
        businessId: opts.business,
        rate: opts.rate,
        durationSeconds: opts.duration,
        onTick: tick,
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
  .description('X-SIGNATURE for a partner call: HMAC-SHA512 over METHOD:path:token:sha256(body):timestamp (symmetric clients), or with --private-key SHA256withRSA over METHOD:path:sha256(body):timestamp (asymmetric clients)')
  .requiredOption('--method <method>')
  .requiredOption('--path <path>', 'path with query, e.g. /snap/v1.0/balance-inquiry')
  .option('--token <accessToken>', 'symmetric clients')
  .option('--secret <clientSecret>', 'symmetric clients')
  .option('--private-key <file>', 'asymmetric clients: PEM file (no token)')
  .requiredOption('--timestamp <ts>')
  .option('--body <json>', 'the body exactly as you will send it', '')
  .action((opts: { method: string; path: string; token?: string; secret?: string; privateKey?: string; timestamp: string; body: string }) => {
    if (opts.privateKey) {
      const sts = asymmetricStringToSign(opts.method, opts.path, opts.body, opts.timestamp);
      process.stdout.write(signAsymmetric(readFileSync(opts.privateKey, 'utf8'), sts) + '\n');
      return;
    }
    if (!opts.token || !opts.secret) throw new Error('give --token and --secret (symmetric clients) or --private-key (asymmetric clients)');
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

const selfTests = program.command('self-tests').description("Sandbox self-tests of a partner's integration (docs/self-test.md)");
selfTests
  .command('start')
  .description('Start a run for an API client: prints its scenarios; the API then watches the client\'s calls')
  .requiredOption('--client-key <key>', "the client's X-CLIENT-KEY")
  .option('--services <codes>', 'comma-separated service codes (default: every service enabled for the client)')
  .option('--webhook-url <url>', "where to send the run's self_test.webhook (default: the business's webhook endpoints)")
  .option('--json', 'print JSON')
  .action(async (opts: { clientKey: string; services?: string; webhookUrl?: string; json?: boolean }) => {
    const started = await withRuntime(async (rt) => {
      const clientId = await clientIdByKey(rt.kartu, opts.clientKey);
      // The api process learns of the run within a second (its observer reloads the open runs).
      const s = await startRun(rt.kartu, { clientId, ...(opts.services ? { services: opts.services.split(',') } : {}), ...(opts.webhookUrl ? { webhookUrl: opts.webhookUrl } : {}) }, () => undefined);
      await s.webhook;
      return { selfTest: await loadRun(rt.kartu, s.run.id), ...(s.webhookSecret ? { webhookSecret: s.webhookSecret } : {}) };
    });
    print(Boolean(opts.json), started);
  });
selfTests
  .command('show')
  .description('A run: each scenario with what was expected and what was received')
  .requiredOption('--id <id>', 'self-test id')
  .option('--json', 'print JSON')
  .action(async (opts: { id: string; json?: boolean }) => {
    print(Boolean(opts.json), { selfTest: await withRuntime((rt) => loadRun(rt.kartu, opts.id)) });
  });
selfTests
  .command('report')
  .description("A run's report signed with the notification key: JSON on stdout, or a PDF with --pdf")
  .requiredOption('--id <id>', 'self-test id')
  .option('--pdf <file>', 'write the PDF report to this file')
  .option('--json', 'print JSON')
  .action(async (opts: { id: string; pdf?: string; json?: boolean }) => {
    const signed = await withRuntime(async (rt) => {
      const report = reportOf(await loadRun(rt.kartu, opts.id));
      return { report, signature: await signReport(rt.kartu, report) };
    });
    if (opts.pdf) {
      writeFileSync(opts.pdf, await reportPdf(signed.report, signed.signature));
      print(Boolean(opts.json), { file: opts.pdf, sha256: signed.signature.sha256, signature: signed.signature.value, keyId: signed.signature.keyId });
    } else print(Boolean(opts.json), signed);
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
