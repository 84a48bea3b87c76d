import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';

/** The dashboard's own policy routes beside the partner ones (policies.routes.ts): what each policy caused, shadow results on live traffic. */
export function adminPolicyRoutes(_k: Kartu, _admin: ApiRouter): void {}
