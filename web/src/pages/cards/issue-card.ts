import { useState } from 'react';
import { ApiError, get, post } from '../../api';
import type { Card, CardList } from './card-types';

/**
 * Issuing a card exactly once. Each issue form draws a partnerReferenceNo when it opens and keeps
 * it for every retry of its submit, so a retry after a lost answer cannot issue a second card:
 * the API answers it 409xx01 (Duplicate partnerReferenceNo), and the card that the first attempt
 * issued is looked up by its reference among the cardholder's cards.
 */

export function usePartnerReference(): string {
  const [reference] = useState(() => crypto.randomUUID());
  return reference;
}

/** The API's answer to a partnerReferenceNo already used in this business (SNAP service 90, case 01). */
export function isDuplicateReference(error: unknown): boolean {
  return error instanceof ApiError && error.responseCode === '4099001';
}

async function issuedWith(cardholderId: string, partnerReferenceNo: string): Promise<Card | undefined> {
  const { cards } = await get<CardList>('/cards', { cardholderId, pageSize: 100 });
  return cards.find((c) => c.partnerReferenceNo === partnerReferenceNo);
}

export interface Issued {
  card: Card;
  /** The card an earlier attempt of the same submit had issued. */
  alreadyIssued: boolean;
}

export async function issueCardOnce(body: { partnerReferenceNo: string; cardholderId: string }): Promise<Issued> {
  try {
    const { card } = await post<{ card: Card }>('/cards', body);
    return { card, alreadyIssued: false };
  } catch (error) {
    if (isDuplicateReference(error)) {
      const card = await issuedWith(body.cardholderId, body.partnerReferenceNo);
      if (card) return { card, alreadyIssued: true };
    }
    throw error;
  }
}
