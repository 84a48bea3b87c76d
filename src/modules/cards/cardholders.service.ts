import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction, isUniqueViolation, likeEscaped } from '../../platform/db';
import { DuplicateReference, NotFound } from '../../platform/errors';
import { recordAudit } from '../access/audit';
import type { Caller } from '../access/caller';
import { recordEvent } from '../events/outbox';
import { Cardholder } from './cardholder.entity';
import type { cardholderCreate, cardholderListQuery, cardholderUpdate, cardholderView } from './cards.schemas';

type CardholderView = z.infer<typeof cardholderView>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function presentCardholder(c: Cardholder): CardholderView {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    phoneNo: c.phoneNo,
    employeeId: c.employeeId,
    dateOfBirth: c.dateOfBirth,
    status: c.status,
    metadata: c.metadata,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** The business's cardholder, locked for update when `lock`; another business's id is simply not found. */
export async function findCardholder(tx: EntityManager, businessId: string, id: string, lock = false): Promise<Cardholder | null> {
  if (!UUID.test(id)) return null;
  return tx.findOne(Cardholder, { where: { businessId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

function audit(tx: EntityManager, caller: Caller, action: string, id: string, details: Record<string, unknown> = {}) {
  return recordAudit(tx, { businessId: caller.businessId, actorType: caller.actorType, actorId: caller.actorId, action, targetType: 'cardholder', targetId: id, details, ip: caller.ip });
}

export async function createCardholder(k: Kartu, caller: Caller, input: z.infer<typeof cardholderCreate>): Promise<CardholderView> {
  return inTransaction(k.db, (tx) => createCardholderIn(tx, caller, input));
}

/** Creates a cardholder within the caller's transaction (bulk import puts cardholder and card in one). */
export async function createCardholderIn(tx: EntityManager, caller: Caller, input: z.infer<typeof cardholderCreate>): Promise<CardholderView> {
  let holder: Cardholder;
  try {
    holder = await tx.save(
      Cardholder,
      tx.create(Cardholder, {
        businessId: caller.businessId,
        name: input.name,
        email: input.email.toLowerCase(),
        phoneNo: input.phoneNo ?? null,
        employeeId: input.employeeId ?? null,
        dateOfBirth: input.dateOfBirth ?? null,
        status: 'ACTIVE',
        metadata: input.metadata ?? {},
      }),
    );
  } catch (err) {
    if (isUniqueViolation(err, 'cardholders_business_employee')) throw new DuplicateReference('employeeId');
    throw err;
  }
  const view = presentCardholder(holder);
  await audit(tx, caller, 'cardholder.created', holder.id);
  await recordEvent(tx, { businessId: caller.businessId, type: 'cardholder.created', data: view });
  return view;
}

export async function getCardholder(k: Kartu, businessId: string, id: string): Promise<CardholderView> {
  const holder = await findCardholder(k.db.manager, businessId, id);
  if (!holder) throw new NotFound('Cardholder Not Found');
  return presentCardholder(holder);
}

export async function updateCardholder(k: Kartu, caller: Caller, id: string, input: z.infer<typeof cardholderUpdate>): Promise<CardholderView> {
  return inTransaction(k.db, async (tx) => {
    const holder = await findCardholder(tx, caller.businessId, id, true);
    if (!holder) throw new NotFound('Cardholder Not Found');
    const changed = Object.keys(input).filter((key) => input[key as keyof typeof input] !== undefined);
    if (input.name !== undefined) holder.name = input.name;
    if (input.email !== undefined) holder.email = input.email.toLowerCase();
    if (input.phoneNo !== undefined) holder.phoneNo = input.phoneNo;
    if (input.employeeId !== undefined) holder.employeeId = input.employeeId;
    if (input.dateOfBirth !== undefined) holder.dateOfBirth = input.dateOfBirth;
    if (input.status !== undefined) holder.status = input.status;
    if (input.metadata !== undefined) holder.metadata = input.metadata;
    try {
      await tx.save(Cardholder, holder);
    } catch (err) {
      if (isUniqueViolation(err, 'cardholders_business_employee')) throw new DuplicateReference('employeeId');
      throw err;
    }
    const fresh = await tx.findOneByOrFail(Cardholder, { id });
    const view = presentCardholder(fresh);
    await audit(tx, caller, 'cardholder.updated', id, { changed });
    await recordEvent(tx, { businessId: caller.businessId, type: 'cardholder.updated', data: { ...view, changed } });
    return view;
  });
}

export async function listCardholders(k: Kartu, businessId: string, q: z.infer<typeof cardholderListQuery>) {
  const qb = k.db.createQueryBuilder(Cardholder, 'h').where('h.business_id = :businessId', { businessId });
  if (q.status) qb.andWhere('h.status = :status', { status: q.status });
  if (q.email) qb.andWhere('h.email = :email', { email: q.email.toLowerCase() });
  if (q.employeeId) qb.andWhere('h.employee_id = :employeeId', { employeeId: q.employeeId });
  if (q.q) qb.andWhere("(h.name ILIKE :pattern ESCAPE '\\' OR h.email ILIKE :pattern ESCAPE '\\')", { pattern: `%${likeEscaped(q.q)}%` });
  qb.orderBy('h.created_at', 'DESC').addOrderBy('h.id', 'DESC').take(q.pageSize).skip(q.pageNumber * q.pageSize);
  const [rows, totalCount] = await qb.getManyAndCount();
  return { cardholders: rows.map(presentCardholder), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount };
}
