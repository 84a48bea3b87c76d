export { Kartu, type ReportFile } from './client.js';
export type { CallOptions, KartuOptions, SignatureMode } from './transport.js';
export { KartuApiError, KartuNetworkError } from './errors.js';
export { verifyWebhook, verifyNotificationSignature, WebhookVerificationError, type VerifyWebhookOptions } from './webhooks.js';
export { EVENT_TYPES, isEvent, type EventData, type EventType, type KartuEvent } from './events.js';
export { accessTokenSignature, asymmetricSignature, asymmetricStringToSign, sha256Hex, snapTimestamp, symmetricSignature } from './signatures.js';
export type { Amount, Answer, Body, Query, SnapEnvelope } from './operations.js';
export type { components, paths, webhooks } from './generated/types.js';
