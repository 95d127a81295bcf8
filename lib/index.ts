/**
 * fastify-magnetis-webhooks: receive Magnétis call-tracking webhooks in a
 * Fastify 5 app, verified and typed. Public exports only; each is in the README.
 */
import magnetisWebhooks from './plugin.js'

// The plugin and its options
export default magnetisWebhooks
export { magnetisWebhooks }
export type { MagnetisWebhooksOptions, WebhookRouteOptions } from './options.js'

// Events and handlers
export { MagnetisWebhooks } from './events/handlers.js'
export { isWebhookEvent } from './events/read.js'
export { EVENT_NAMES } from './events/names.js'
export type { EventName, ResourceName } from './events/names.js'
export type { AnyWebhookEvent, WebhookEvent, WebhookHandler, WebhookErrorHandler, WebhookContext } from './events/types.js'
export { Call, Email, Lead } from './events/schemas/index.js'

// The signature rule, for tests and other servers
export { signatureBaseString, sign, verifySignature, SIGNATURE_HEADER } from './signature/sign.js'
export { pairsFromBody } from './body/read.js'
export { signedRequest } from './signature/signed-request.js'
export { samplePayload } from './events/samples.js'

// The durable inbox (docs/readme/inbox.md)
export { sqliteInbox } from './inbox/sqlite.js'
export { postgresInbox } from './inbox/postgres.js'
export type { SqliteInboxOptions } from './inbox/sqlite.js'
export type { PostgresInboxOptions } from './inbox/postgres.js'
export type { InboxStore, InboxRow, InboxDelivery, InboxStatus, InboxSettings, InboxError } from './inbox/store.js'

// Errors (each has `code` and `statusCode`)
export { MagnetisWebhookError, HandlerError, InvalidEventError, InboxUnavailableError } from './errors.js'
