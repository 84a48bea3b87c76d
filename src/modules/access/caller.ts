import type { AdminRole } from './admin.entity';

/** Who is acting, set by the partner guard or the admin session guard; every query is scoped by businessId. */
export interface Caller {
  businessId: string;
  actorType: 'partner' | 'admin' | 'operator';
  /** API client id or admin id. */
  actorId: string;
  role?: AdminRole;
  ip?: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    caller: Caller;
  }
}
