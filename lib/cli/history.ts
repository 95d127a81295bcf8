// `history`: the last 10 attempts of `send`, as the vendor's test panel shows its last 10 ("Testing the Webhook").
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join } from 'node:path'
import { EXIT, parseCommand, printJson, type CliIo } from './common.js'

/** How many attempts are kept, as in the vendor's panel. */
export const HISTORY_LIMIT = 10

/** One `send` attempt (never the key nor the signature): `time` ISO 8601, `status` `null` with an `error` when no reply came. */
export interface HistoryEntry {
  time: string
  endpoint: string
  event: string
  resource?: string | undefined
  as: 'form' | 'json'
  status: number | null
  durationMs: number
  error?: string | undefined
}

export const HELP = `Usage: magnetis-webhooks history [--json] [--clear]

Shows the last ${HISTORY_LIMIT} attempts of "send": time, event, body encoding (form or
json), status, duration and endpoint.

Options:
  --json     print the attempts as a JSON array, oldest first
  --clear    forget every attempt
  -h, --help show this help

The history is kept in $XDG_CACHE_HOME/magnetis-webhooks/history.json
(~/.cache when XDG_CACHE_HOME is not set).
`

/** `$XDG_CACHE_HOME/magnetis-webhooks/history.json`, else under `~/.cache`: a relative `XDG_CACHE_HOME` is ignored, as the XDG specification says. */
export function historyFile (env: CliIo['env']): string {
  const xdg = env.XDG_CACHE_HOME
  const cache = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache')
  return join(cache, 'magnetis-webhooks', 'history.json')
}

/** The recorded attempts, oldest first; a cache may be deleted or garbled at any time, so a broken file reads as `[]`. */
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
    typeof entry.endpoint === 'string' && (entry.as === 'form' || entry.as === 'json') && (entry.status === null || typeof entry.status === 'number') && typeof entry.durationMs === 'number'
}

/** Appends an attempt, keeps the last `HISTORY_LIMIT`, and renames a temporary file so a crash never leaves half a file. */
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
    io.stdout(formatTable(entries))
  }
  return EXIT.ok
}

const COLUMNS = ['time', 'event', 'as', 'status', 'duration', 'endpoint'] as const

/** One line per attempt under a header, columns padded to their widest cell; the duration is right-aligned. */
function formatTable (entries: readonly HistoryEntry[]): string {
  const rows = [[...COLUMNS], ...entries.map(cells)]
  const widths = COLUMNS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const line = (row: string[]): string => row.map((cell, column) => {
    if (column === COLUMNS.length - 1) return cell
    return COLUMNS[column] === 'duration' ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)
  }).join('  ')
  return rows.map((row) => line(row) + '\n').join('')
}

function cells (entry: HistoryEntry): string[] {
  const event = entry.resource === undefined || entry.event !== 'test' ? entry.event : `test (${entry.resource})`
  const status = entry.status === null ? `no reply${entry.error === undefined ? '' : `: ${entry.error}`}` : String(entry.status)
  return [entry.time, event, entry.as, status, `${Math.round(entry.durationMs)} ms`, entry.endpoint]
}
