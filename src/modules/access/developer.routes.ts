import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';

/** The developers page: the partner's SNAP credentials, secret rotation, RSA key, IP allowlist and rate limit (owners). */
export function developerRoutes(_k: Kartu, _admin: ApiRouter): void {}
