/** fastify-magnetis-webhooks/inbox: the durable inbox's stores and types, for the `inbox` option (docs/inbox.md). */
export { sqliteInbox } from './sqlite.js'
export type { SqliteInboxOptions } from './sqlite.js'
export { postgresInbox } from './postgres.js'
export type { PostgresInboxOptions } from './postgres.js'
export type { InboxStore, InboxRow, InboxDelivery, InboxStatus, InboxSettings, InboxError } from './store.js'
export { InboxUnavailableError } from '../errors.js'
