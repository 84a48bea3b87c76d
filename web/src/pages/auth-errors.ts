import { ApiError } from '../api';
import { formatDateTime, type Lang } from '../format';
import type { Translate } from '../decline-reasons';

/**
 * What a refused sign-in or code means for the person: a wrong password (401), a locked account
 * (423, its message names until when), too many tries from here (429), a disabled account (403). A wrong or malformed code
 * is a 400 naming the field `code`: its field shows the API's message. Anything else in the API's
 * own words.
 */
export function signInProblem(error: unknown, t: Translate, lang: Lang): string | undefined {
  if (!error) return undefined;
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 401) return t('signIn.failed');
  if (error.status === 423) {
    const until = /after (\S+Z)/.exec(error.message)?.[1];
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return until ? t('signIn.locked', { until: formatDateTime(until, zone, lang) }) : t('signIn.lockedNoTime');
  }
  if (error.status === 429) return t('signIn.tooMany');
  // The one 403 of a sign-in: an owner disabled the account (said only after the right password).
  if (error.status === 403) return t('signIn.disabled');
  if (error.field) return undefined;
  return error.message;
}
