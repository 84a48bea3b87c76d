import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ADMIN_ROLES = ['owner', 'finance_admin', 'viewer'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];
/** `disabled`: an owner turned the account off (team.service.ts): no login, no session. */
export const ADMIN_STATUSES = ['active', 'disabled'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

@Entity('admins')
export class Admin {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'business_id', type: 'uuid' })
  businessId!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ type: 'text' })
  role!: AdminRole;

  @Column({ type: 'text', default: 'active' })
  status!: AdminStatus;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @Column({ name: 'failed_attempts', type: 'integer' })
  failedAttempts!: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;

  /** The active TOTP secret, a SecretBox envelope (two-factor.service.ts); null without 2FA. */
  @Column({ name: 'totp_secret_enc', type: 'text', nullable: true })
  totpSecretEnc!: string | null;

  /** A secret being enrolled, not yet confirmed by a code; a SecretBox envelope. */
  @Column({ name: 'totp_pending_secret_enc', type: 'text', nullable: true })
  totpPendingSecretEnc!: string | null;

  /** The last TOTP time step a code was accepted for: codes of that step and earlier are refused. */
  @Column({ name: 'totp_last_step', type: 'bigint', nullable: true, transformer: { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  totpLastStep!: number | null;

  @Column({ name: 'two_factor_enabled_at', type: 'timestamptz', nullable: true })
  twoFactorEnabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
