import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** symmetric: HMAC-SHA512 with a B2B token; asymmetric: SNAP "type 2", SHA256withRSA with X-CLIENT-KEY and no token. */
export const SIGNATURE_MODES = ['symmetric', 'asymmetric'] as const;
export type SignatureMode = (typeof SIGNATURE_MODES)[number];

/** A partner's SNAP credentials. The client secret is stored encrypted (SecretBox), never hashed: HMAC needs it. */
@Entity('api_clients')
export class ApiClient {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'business_id', type: 'uuid' })
  businessId!: string;

  @Column({ name: 'client_key', type: 'text' })
  clientKey!: string;

  @Column({ name: 'partner_id', type: 'text' })
  partnerId!: string;

  @Column({ name: 'channel_id', type: 'text' })
  channelId!: string;

  @Column({ name: 'public_key_pem', type: 'text' })
  publicKeyPem!: string;

  @Column({ name: 'secret_enc', type: 'text' })
  secretEnc!: string;

  @Column({ name: 'previous_secret_enc', type: 'text', nullable: true })
  previousSecretEnc!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column({ name: 'ip_allowlist', type: 'cidr', array: true, nullable: true })
  ipAllowlist!: string[] | null;

  @Column({ name: 'rate_limit_per_second', type: 'integer', nullable: true })
  rateLimitPerSecond!: number | null;

  @Column({ type: 'text' })
  status!: 'ACTIVE' | 'DISABLED';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'signature_mode', type: 'text' })
  signatureMode!: SignatureMode;

  /** SNAP service codes the client may call; null: every service. */
  @Column({ name: 'enabled_services', type: 'text', array: true, nullable: true })
  enabledServices!: string[] | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'secret_last_used_at', type: 'timestamptz', nullable: true })
  secretLastUsedAt!: Date | null;

  @Column({ name: 'previous_secret_last_used_at', type: 'timestamptz', nullable: true })
  previousSecretLastUsedAt!: Date | null;

  @Column({ name: 'public_key_last_used_at', type: 'timestamptz', nullable: true })
  publicKeyLastUsedAt!: Date | null;

  @Column({ name: 'secret_rotated_at', type: 'timestamptz', nullable: true })
  secretRotatedAt!: Date | null;
}
