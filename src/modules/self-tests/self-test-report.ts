import { createHash, createPublicKey, sign } from 'node:crypto';
import PDFDocument from 'pdfkit';
import type { Kartu } from '../../context';
import { notificationKey } from '../webhooks/notification-key';
import type { RunView } from './self-tests.service';

/** A run's report: what a reviewer reads, and the signature that shows Kartu issued it. */
export interface SelfTestReport {
  selfTestId: string;
  businessId: string;
  clientKey: string;
  status: RunView['status'];
  services: string[];
  startedAt: string;
  /** The run's last change: reports of one state are the same bytes, so a JSON and a PDF of it carry the same hash. */
  asOf: string;
  scenarios: Array<{
    scenario: string;
    title: string;
    service: string | null;
    result: string;
    time: string | null;
    requestId: string | null;
    expected: RunView['scenarios'][number]['expected'];
    received: RunView['scenarios'][number]['received'];
  }>;
  readiness: RunView['readiness'];
}

export interface ReportSignature {
  algorithm: 'SHA256withRSA';
  /** lowercase hex SHA-256 of the notification public key's DER (SPKI) encoding. */
  keyId: string;
  /** lowercase hex SHA-256 of the report's canonical JSON. */
  sha256: string;
  /** base64 SHA256withRSA over the canonical JSON bytes. */
  value: string;
}

/**
 * The canonical JSON of a value: object keys sorted, no whitespace, strings as JSON.stringify
 * writes them but for DEL, escaped `\u007f`: byte for byte what `jq -jcS` prints, so a reviewer
 * can rebuild the signed bytes with jq alone. What the signature covers.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null).replaceAll('\u007f', '\\u007f');
}

export function reportOf(run: RunView): SelfTestReport {
  const asOf = [run.startedAt, run.finishedAt, ...run.scenarios.map((s) => s.attemptedAt)].filter((t): t is string => t !== null).sort().at(-1)!;
  return {
    selfTestId: run.id,
    businessId: run.businessId,
    clientKey: run.clientKey,
    status: run.status,
    services: run.services,
    startedAt: run.startedAt,
    asOf,
    scenarios: run.scenarios.map((s) => ({
      scenario: s.id,
      title: s.title,
      service: s.service,
      result: s.result,
      time: s.attemptedAt,
      requestId: s.requestId,
      expected: s.expected,
      received: s.received,
    })),
    readiness: run.readiness,
  };
}

/** Signs the report's canonical JSON with Kartu's notification key (the one webhooks are signed with). */
export async function signReport(k: Kartu, report: SelfTestReport): Promise<ReportSignature> {
  const key = await notificationKey(k);
  const bytes = Buffer.from(canonicalJson(report), 'utf8');
  const der = createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' });
  return {
    algorithm: 'SHA256withRSA',
    keyId: createHash('sha256').update(der).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    value: sign('sha256', bytes, key.privateKey).toString('base64'),
  };
}

const LEFT = 40;
const WIDTH = 515;

/** The report as PDF: the run, one block per scenario, readiness, and the JSON's hash and signature to verify. */
export async function reportPdf(report: SelfTestReport, signature: ReportSignature): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: LEFT, info: { Title: `Kartu self-test ${report.selfTestId}`, Author: 'Kartu', CreationDate: new Date(report.asOf) } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text('Kartu SNAP self-test report', LEFT, 40);
  doc.font('Helvetica').fontSize(10);
  doc.text(`Self-test ${report.selfTestId} · client ${report.clientKey} · business ${report.businessId}`);
  doc.text(`Status: ${report.status} · services ${report.services.join(', ')}`);
  doc.text(`Started ${report.startedAt} · as of ${report.asOf}`);
  doc.moveDown();
  for (const s of report.scenarios) {
    const expected = `${s.expected.httpStatus}${s.expected.responseCode ? ` ${s.expected.responseCode}` : ' (any 2xx)'}`;
    const received = s.received ? [s.received.httpStatus, s.received.responseCode, s.received.error].filter(Boolean).join(' ') : '—';
    doc.font('Helvetica-Bold').text(`${s.result.toUpperCase()}  ${s.title} [${s.scenario}]`, { width: WIDTH });
    doc.font('Helvetica').text(`expected ${expected} · received ${received} · at ${s.time ?? '—'} · request id ${s.requestId ?? '—'}`, { width: WIDTH });
    doc.moveDown(0.4);
  }
  doc.moveDown();
  doc.font('Helvetica-Bold').text('Ready for production');
  doc.font('Helvetica').text(report.readiness.map((r) => `${r.service}: ${r.readyForProduction ? `yes (${r.readyAt})` : 'no'}`).join(' · '), { width: WIDTH });
  doc.moveDown();
  doc.font('Helvetica-Bold').text('Signature (verify with docs/self-test.md)');
  doc.font('Courier').fontSize(8);
  doc.text(`SHA-256 of the report's canonical JSON: ${signature.sha256}`, { width: WIDTH });
  doc.text(`${signature.algorithm} signature (base64), key ${signature.keyId}:`, { width: WIDTH });
  doc.text(signature.value, { width: WIDTH });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
