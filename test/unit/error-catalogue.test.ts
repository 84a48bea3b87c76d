import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AccountLocked } from '../../src/modules/access/admins.service';
import { InsufficientFunds, TransferConflict } from '../../src/modules/ledger/ledger.service';
import { InsufficientPoints } from '../../src/modules/rewards/rewards.service';
import { ERROR_FAMILIES, ISO_8583_CODES, SERVICES, type ErrorFamilyName } from '../../src/platform/error-catalogue';
import { errorCatalogue, errorCatalogueMarkdown } from '../../src/platform/error-docs';
import * as errors from '../../src/platform/errors';
import type { KartuError } from '../../src/platform/errors';

/** One instance of every class the table names. */
const instances: Record<ErrorFamilyName, KartuError> = {
  BadRequest: new errors.BadRequest(),
  InvalidFieldFormat: new errors.InvalidFieldFormat('amount.value', 'not a number'),
  MissingMandatoryField: new errors.MissingMandatoryField('X-TIMESTAMP'),
  Unauthorized: new errors.Unauthorized('Invalid signature'),
  InvalidToken: new errors.InvalidToken(),
  FeatureNotAllowed: new errors.FeatureNotAllowed('sandbox only'),
  ActivityLimitExceeded: new errors.ActivityLimitExceeded('PIN tries exhausted'),
  InsufficientFunds: new InsufficientFunds(),
  InsufficientPoints: new InsufficientPoints(3n),
  NotPermitted: new errors.NotPermitted('Card is TERMINATED'),
  InactiveAccount: new errors.InactiveAccount('Cardholder is BLOCKED'),
  RouteNotFound: new errors.RouteNotFound(),
  NotFound: new errors.NotFound(),
  InvalidAccount: new errors.InvalidAccount('cardholderId'),
  MethodNotAllowed: new errors.MethodNotAllowed(),
  Conflict: new errors.Conflict(),
  TransferConflict: new TransferConflict('already cleared'),
  DuplicateReference: new errors.DuplicateReference(),
  PayloadTooLarge: new errors.PayloadTooLarge('1mb'),
  UnsupportedMediaType: new errors.UnsupportedMediaType(),
  AccountLocked: new AccountLocked(new Date('2026-12-04T00:00:00Z')),
  TooManyRequests: new errors.TooManyRequests(3),
  GeneralError: new errors.GeneralError(),
  ServiceUnavailable: new errors.ServiceUnavailable(),
  IssuerUnavailable: new errors.IssuerUnavailable(),
};

describe('the error catalogue', () => {
  it.each(Object.keys(ERROR_FAMILIES) as ErrorFamilyName[])('%s answers the status, case code, title and responseCode of its entry', (name) => {
    const family = ERROR_FAMILIES[name];
    const error = instances[name];
    expect(error.name).toBe(name);
    expect(error.status).toBe(family.status);
    expect(error.caseCode).toBe(family.caseCode);
    expect(error.message.startsWith(family.title)).toBe(true);
    const fixed = 'fixedCode' in family ? family.fixedCode : undefined;
    expect(error.responseCode('90')).toBe(fixed ?? `${family.status}90${family.caseCode}`);
    expect(family.meaning.length).toBeGreaterThan(10);
    expect(family.fix.length).toBeGreaterThan(10);
  });

  it('names every KartuError class errors.ts exports', () => {
    const exported = Object.entries(errors)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof errors.KartuError && !Object.is(v, errors.FieldError))
      .map(([name]) => name);
    expect(exported.filter((name) => !(name in ERROR_FAMILIES))).toEqual([]);
  });

  it('lists each ISO 8583 code once, and two-digit service codes', () => {
    const codes = ISO_8583_CODES.map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of ['00', '10', '05', '14', '51', '54', '57', '59', '61', '62', '65', '82', '91']) expect(codes).toContain(code);
    for (const code of Object.keys(SERVICES)) expect(code).toMatch(/^\d{2}$/);
  });

  it('docs/errors.md is what `npm run docs:generate` writes from the table today', () => {
    const checkedIn = readFileSync(path.resolve(__dirname, '../../docs/errors.md'), 'utf8');
    expect(checkedIn, 'docs/errors.md is stale: run npm run docs:generate').toBe(errorCatalogueMarkdown());
  });

  it('the catalogue lists every family and ISO code once, with its responseCode', () => {
    const c = errorCatalogue();
    expect(c.errors.map((e) => e.className).sort()).toEqual(Object.keys(ERROR_FAMILIES).sort());
    expect(c.errors.find((e) => e.className === 'InvalidAccount')).toMatchObject({ responseCode: '404xx11', status: 404 });
    expect(c.errors.find((e) => e.className === 'IssuerUnavailable')).toMatchObject({ responseCode: '91', status: 503 });
    expect(c.services[0]).toEqual({ code: '00', name: SERVICES['00'] });
    expect(c.iso8583).toEqual(ISO_8583_CODES);
  });
});
