import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SpendControls } from '../controls/spend-controls';
import type { ShippingStatus, StoredCardStatus } from './card-state';

export const CARD_TYPES = ['VIRTUAL', 'PHYSICAL', 'SINGLE_USE', 'MERCHANT_LOCKED'] as const;
export type CardType = (typeof CARD_TYPES)[number];
export const REPLACEMENT_REASONS = ['lost', 'stolen', 'damaged', 'expired'] as const;
export type ReplacementReason = (typeof REPLACEMENT_REASONS)[number];

export interface ShippingAddress {
  line1: string;
  line2?: string;
  city: string;
  state?: string;
  postalCode: string;
  country: string;
}

export interface Shipping {
  name: string;
  address: ShippingAddress;
  service: 'standard' | 'express';
  status: ShippingStatus;
  carrier: string | null;
  trackingNumber: string | null;
  history: Array<{ status: ShippingStatus; at: string }>;
}

@Entity('cards')
export class Card {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'business_id', type: 'uuid' })
  businessId!: string;

  @Column({ name: 'cardholder_id', type: 'uuid' })
  cardholderId!: string;

  @Column({ name: 'partner_reference_no', type: 'text' })
  partnerReferenceNo!: string;

  @Column({ type: 'text' })
  type!: CardType;

  @Column({ type: 'text' })
  status!: StoredCardStatus;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'char', length: 4 })
  last4!: string;

  @Column({ name: 'expiry_month', type: 'smallint' })
  expiryMonth!: number;

  @Column({ name: 'expiry_year', type: 'smallint' })
  expiryYear!: number;

  @Column({ name: 'pan_enc', type: 'text', select: false })
  panEnc!: string;

  @Column({ name: 'pan_fingerprint', type: 'text', select: false })
  panFingerprint!: string;

  @Column({ name: 'cvv_key_id', type: 'text', select: false })
  cvvKeyId!: string;

  @Column({ name: 'spend_controls', type: 'jsonb' })
  spendControls!: SpendControls;

  @Column({ type: 'jsonb' })
  metadata!: Record<string, string>;

  @Column({ name: 'replacement_for', type: 'uuid', nullable: true })
  replacementFor!: string | null;

  @Column({ name: 'replacement_reason', type: 'text', nullable: true })
  replacementReason!: ReplacementReason | null;

  @Column({ name: 'spend_root_id', type: 'uuid' })
  spendRootId!: string;

  @Column({ name: 'locked_merchant_id', type: 'text', nullable: true })
  lockedMerchantId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  shipping!: Shipping | null;

  /** argon2id; only ever compared, never presented. */
  @Column({ name: 'pin_hash', type: 'text', nullable: true })
  pinHash!: string | null;

  @Column({ name: 'pin_failed_attempts', type: 'integer' })
  pinFailedAttempts!: number;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'terminated_at', type: 'timestamptz', nullable: true })
  terminatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
