/**
 * The worker's settings with their defaults (docs/readme/inbox.md, options
 * table), checked once so a typo fails at start-up, not at the first retry.
 */
import { ConfigurationError } from '../errors.js'
import type { InboxClock, InboxSettings } from './store.js'

/** `InboxSettings` with every default filled in. */
export type ResolvedSettings = Required<Omit<InboxSettings, 'clock'>> & { clock: InboxClock }

const DAY = 24 * 60 * 60 * 1000

/** The defaults: 10 attempts, retries after 1 s doubling up to 1 h, 30 s leases, 30 days' retention. */
export const DEFAULT_SETTINGS: ResolvedSettings = {
  maxAttempts: 10,
  firstRetryDelay: 1000,
  maxRetryDelay: 60 * 60 * 1000,
  leaseDuration: 30_000,
  pollInterval: 1000,
  concurrency: 4,
  retention: 30 * DAY,
  pruneInterval: 60 * 60 * 1000,
  closeTimeout: 10_000,
  clock: Date
}

const WHOLE = new Set(['maxAttempts', 'concurrency'])

/**
 * Fills in the defaults.
 * @throws {ConfigurationError} for an unknown setting, a count that is not a positive whole number, a duration that is not a positive number of milliseconds, or a clock without `now()`
 */
export function resolveSettings (settings: InboxSettings = {}, where = 'inbox'): ResolvedSettings {
  const resolved: Record<string, unknown> = { ...DEFAULT_SETTINGS }
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) continue
    if (!Object.hasOwn(DEFAULT_SETTINGS, name)) {
      throw new ConfigurationError(`${where}: unknown option ${JSON.stringify(name)}; the inbox options are ${Object.keys(DEFAULT_SETTINGS).join(', ')}`)
    }
    if (name === 'clock') {
      if (typeof (value as InboxClock | null)?.now !== 'function') throw new ConfigurationError(`${where}: "clock" must have a now() method giving milliseconds`)
    } else if (WHOLE.has(name) ? !(Number.isSafeInteger(value) && (value as number) > 0) : !(typeof value === 'number' && value > 0)) {
      // NaN fails `value > 0`; Infinity passes, for durations (retention: keep forever).
      throw new ConfigurationError(`${where}: "${name}" must be a positive ${WHOLE.has(name) ? 'whole number' : 'number of milliseconds'}, got ${String(value)}`)
    }
    resolved[name] = value
  }
  return resolved as ResolvedSettings
}
