import { ApiError } from '../../api';
import type { Translate } from '../../decline-reasons';
import type { FieldIssue } from './controls-model';

/**
 * The cards forms' own findings (FieldIssue, at the dotted path the API would name) as the
 * `message` of the Field next to the input: what the API says about a field is shown by Field
 * itself (its `error`), so the form's words and the API's land in the same place.
 */

export function issueMessage(issue: Pick<FieldIssue, 'code' | 'params'>, t: Translate): string {
  return t(`cards.errors.${issue.code}`, issue.params);
}

/** The form's messages about `path` or anything inside it (a list shows its entries' problems under itself). */
export function issueText(issues: readonly FieldIssue[], path: string, t: Translate): string | undefined {
  const messages = issues.filter((i) => i.field === path || i.field.startsWith(`${path}.`)).map((i) => issueMessage(i, t));
  return messages.length ? [...new Set(messages)].join(' · ') : undefined;
}

/** The API's message when it names exactly `path` (a list as a whole, not one of its entries). */
export function apiErrorAt(error: unknown, path: string): string | undefined {
  return error instanceof ApiError && error.field === path ? error.message : undefined;
}
