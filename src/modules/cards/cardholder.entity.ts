import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const CARDHOLDER_STATUSES = ['ACTIVE', 'INACTIVE', 'BLOCKED'] as const;
export type CardholderStatus = (typeof CARDHOLDER_STATUSES)[number];

@Entity('cardholders')
export class Cardholder {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'business_id', type: 'uuid' })
  businessId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'phone_no', type: 'text', nullable: true })
  phoneNo!: string | null;

  @Column({ name: 'employee_id', type: 'text', nullable: true })
  employeeId!: string | null;

  @Column({ name: 'date_of_birth', type: 'date', nullable: true })
  dateOfBirth!: string | null;

  @Column({ type: 'text' })
  status!: CardholderStatus;

  @Column({ type: 'jsonb' })
  metadata!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
