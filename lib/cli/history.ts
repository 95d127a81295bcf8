/**
 * `magnetis-webhooks history`: the last 10 attempts of `send`, as the
 * vendor's test panel shows its last 10 ("Testing the Webhook"). They live in
 * the user's cache directory (XDG Base Directory: `$XDG_CACHE_HOME`, else
 * `~/.cache`), in `magnetis-webhooks/history.json`. A cache may be deleted or
 * garbled at any time, so a broken file reads as an empty history.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { EXIT, parseCommand, printJson, type CliIo } from './common.js'

/** How many attempts are kept, as in the vendor's panel. */
export const HISTORY_LIMIT = 10

/** One `send` attempt. Never holds the key nor the signature. */
export interface HistoryEntry {
  /** when the request started, ISO 8601 */
  time: string
  /** where it was posted */
  endpoint: string
  event: string
  resource?: string | undefined
  as: 'form' | 'json'
  /** the reply's HTTP status; `null` when no reply came (connection refused, timeout) */
  status: number | null
  /** from sending to the end of the reply body, milliseconds */
  durationMs: number
  /** why no reply came */
  error?: string | undefined
}

export const HELP = `Usage: magnetis-webhooks history [--json] [--clear]

Shows the last ${HISTORY_LIMIT} attempts of "send": time, event, status and duration.

Options:
  --json     print the attempts as a JSON array, oldest first
  --clear    forget every attempt
  -h, --help show this help

The history is kept in $XDG_CACHE_HOME/magnetis-webhooks/history.json
(~/.cache when XDG_CACHE_HOME is not set).
`

/**
 * The history file. `XDG_CACHE_HOME` counts only when absolute (the XDG
 * specification says a relative one is invalid and must be ignored).
 */
export function historyFile (env: CliIo['env']): string {
  const xdg = env.XDG_CACHE_HOME
  const cache = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache')
  return join(cache, 'magnetis-webhooks', 'history.json')
}

/** The recorded attempts, oldest first; `[]` when the file is missing or not a history. */
export async function readHistory (env: CliIo['env']): Promise<HistoryEntry[]> {
  let value: unknown
  try {
    value = JSON.parse(await readFile(historyFile(env), 'utf8'))
  } catch {
    return []
  }
  return Array.isArray(value) ? value.filter(isEntry) : []
}

function isEntry (value: unknown): value is HistoryEntry {
  const entry = value as HistoryEntry
  return typeof value === 'object' && value !== null && typeof entry.time === 'string' && typeof entry.event === 'string' &&
    typeof entry.endpoint === 'string' && (entry.status === null || typeof entry.status === 'number') && typeof entry.durationMs === 'number'
}

/**
 * Appends an attempt and keeps the last `HISTORY_LIMIT`. The file is written
 * to a temporary name then renamed, so a crash never leaves half a file.
 * @throws the file system's error when the cache directory cannot be written
 */
export async function recordAttempt (env: CliIo['env'], entry: HistoryEntry): Promise<void> {
  const file = historyFile(env)
  const entries = [...await readHistory(env), entry].slice(-HISTORY_LIMIT)
  await mkdir(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, JSON.stringify(entries, null, 2) + '\n')
  await rename(temporary, file)
}

/** Runs `history`. @returns exit code 0 */
export async function history (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { clear: { type: 'boolean' } })
  if (values.help === true) {
    io.stdout(HELP)
    return EXIT.ok
  }
  if (values.clear === true) {
    await rm(historyFile(io.env), { force: true })
    if (values.json === true) printJson(io, { cleared: true })
    else io.stdout('history cleared\n')
    return EXIT.ok
  }
  const entries = await readHistory(io.env)
  if (values.json === true) {
    printJson(io, entries)
  } else if (entries.length === 0) {
    io.stdout('no attempts yet: run "magnetis-webhooks send <endpoint>"\n')
  } else {
    for (const entry of entries) io.stdout(formatEntry(entry) + '\n')
  }
  return EXIT.ok
}

function formatEntry (entry: HistoryEntry): string {
  const event = entry.resource === undefined || entry.event !== 'test' ? entry.event : `test (${entry.resource})`
  const outcome = entry.status === null ? `failed: ${entry.error ?? 'no reply'}` : String(entry.status)
  return `${entry.time}  ${event}  ${outcome}  ${Math.round(entry.durationMs)} ms  ${entry.endpoint}`
}
