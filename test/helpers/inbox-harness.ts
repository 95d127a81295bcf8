/**
 * Shared pieces of the inbox tests: a SQLite inbox in the test's own
 * directory, fast worker settings, an app with the shorthand route on it,
 * and a bounded wait for the worker.
 */
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import magnetisWebhooks, { type WebhookRouteOptions } from '../../lib/index.js'
import { sqliteInbox, type InboxSettings } from '../../lib/inbox/index.js'
import type { InboxRow, InboxStatus, InboxStore } from '../../lib/inbox/store.js'
import { KEY, URL } from './plugin-harness.js'

/** Retries after 5 ms, doubling; polls every 20 ms; 2 s leases: each test's waits stay short. */
export const FAST: InboxSettings = { firstRetryDelay: 5, maxRetryDelay: 50, pollInterval: 20, leaseDuration: 2000, closeTimeout: 2000 }

/** A SQLite inbox in a fresh directory of the test (t.testdir()). */
export function testInbox (t: { testdir: () => string }, settings: InboxSettings = {}, file = join(t.testdir(), 'inbox.db')): InboxStore {
  return sqliteInbox({ file, ...FAST, ...settings })
}

/** An app with the shorthand route `/hook` on `inbox`, closed when the test ends. */
export async function inboxApp (t: { teardown: (fn: () => unknown) => void }, inbox: InboxStore,
  options: Omit<WebhookRouteOptions, 'url' | 'key' | 'inbox'> & Partial<WebhookRouteOptions> = {}, fastifyOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, inbox, ...options })
  await app.ready()
  return app
}

/**
 * Waits until `check` gives a value other than `undefined` or `false`,
 * checking every 10 ms, for at most `timeout` ms (far more than any test needs,
 * also on a machine shared with other builds).
 */
export async function waitFor<T> (check: () => T | Promise<T>, what: string, timeout = 60_000): Promise<Exclude<T, undefined | false>> {
  const end = Date.now() + timeout
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Waits until row `id` has one of `statuses`. */
export function waitForStatus (store: InboxStore, id: string, ...statuses: InboxStatus[]): Promise<InboxRow> {
  return waitFor(async () => {
    const row = await store.get(id)
    return row !== undefined && statuses.includes(row.status) ? row : undefined
  }, `row ${id} to be ${statuses.join(' or ')}`)
}

/** A store's methods bound to it, to build a store that wraps some of them. */
export function methodsOf (store: object): Record<string, unknown> {
  const methods: Record<string, unknown> = {}
  for (const name of ['open', 'close', 'insert', 'claim', 'renew', 'complete', 'retry', 'dead', 'invalid', 'list', 'get', 'replay', 'prune']) {
    methods[name] = (store as Record<string, (...args: unknown[]) => unknown>)[name]?.bind(store)
  }
  return methods
}
