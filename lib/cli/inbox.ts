/**
 * `magnetis-webhooks inbox`: look at and act on the deliveries a durable
 * inbox keeps (issue 10): `list`, `show`, `replay`, `prune`, on a SQLite file
 * or a PostgreSQL database. Replay only sets rows back to `pending`; the
 * running app's worker handles them. docs/inbox-cli.md is the manual.
 */
import { createHash } from 'node:crypto'
import { readBody } from '../body/read.js'
import { INBOX_STATUSES, type InboxRow, type InboxStatus } from '../inbox/store.js'
import { verifyRawBody } from '../body/verify.js'
import { unflattenPairs } from '../signature/unflatten.js'
import { EXIT, parseCommand, printJson, signatureKey, UsageError, type CliIo } from './common.js'
import { openInbox, type OpenedInbox } from './inbox-store.js'
import { abbreviateSignature, maskPayload, maskPhoneNumbers } from './mask.js'

export const HELP = `Usage: magnetis-webhooks inbox <command> (--file FILE | --database-url URL) [options]

Commands:
  list                 the newest deliveries, one line each
      --status S[,S]   only these statuses: ${INBOX_STATUSES.join(', ')}
      --event NAME     only this event, e.g. call:completed
      --limit N        at most N rows (default 50); --before ID pages on
  show <id>            one delivery: its state and its decoded payload
      --reveal         show phone numbers whole (masked by default)
  replay <id…>         set deliveries back to pending, for the running app to
  replay --status S    handle again (S: dead, invalid or both, comma-separated);
                       each stored body is first checked against its SHA-256
                       and its signature re-verified:
      --key KEY        the signature key (default: $MAGNETIS_KEY)
      --url URL        the endpoint URL as typed in Magnétis (default: $MAGNETIS_URL);
                       :name segments take the delivery's route params
      --origin ORIGIN  or: https://your.host, followed by the stored route
  prune --older-than AGE   delete deliveries received more than AGE ago
                       (30d, 12h, 90m, 45s, 2w)
      --status S[,S]   which ones (default done; also dead, invalid)

Options of every command:
  --file FILE          the SQLite inbox (default: $MAGNETIS_INBOX_FILE)
  --database-url URL   the PostgreSQL inbox (default: $MAGNETIS_INBOX_DATABASE_URL)
  --json               print the result as JSON
  -h, --help           show this help

Never prints the signature header whole nor the key. The inbox must exist:
the command never creates one.
Exit codes: 0 ok, 1 failed (unknown id, a row not replayed, database error), 2 usage error.
`

const STORE_OPTIONS = {
  file: { type: 'string' },
  'database-url': { type: 'string' }
} as const

type Subcommand = (args: string[], io: CliIo) => Promise<number>

const SUBCOMMANDS: Record<string, Subcommand> = { list, show, replay, prune }

/** Runs `inbox <command>`. @returns 0 ok, 1 failed, 2 usage error (thrown as `UsageError`) */
export async function inbox (args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args
  if (name === '--help' || name === '-h') {
    io.stdout(HELP)
    return EXIT.ok
  }
  if (name === undefined || !Object.hasOwn(SUBCOMMANDS, name)) {
    throw new UsageError(name === undefined ? 'which command? list, show, replay or prune' : `unknown command ${JSON.stringify(name)}: list, show, replay or prune`)
  }
  return await (SUBCOMMANDS[name] as Subcommand)(rest, io)
}

/**
 * Opens the inbox, runs `body`, closes the inbox. A failure that is not a
 * usage error (database unreachable, no inbox there) is one line on stderr
 * and exit code 1, never a stack trace.
 */
async function withInbox (command: string, values: Parameters<typeof openInbox>[0] & { json?: boolean | undefined }, io: CliIo,
  body: (opened: OpenedInbox) => Promise<number>): Promise<number> {
  const fail = (error: unknown): number => failed(`magnetis-webhooks inbox ${command}`, error, values.json === true, io)
  let opened: OpenedInbox
  try {
    opened = await openInbox(values, io)
  } catch (error) {
    return fail(error)
  }
  // Usage errors are all thrown before the inbox opens; a failure from here on is exit code 1.
  const code = await body(opened).catch(fail)
  await opened.close()
  return code
}

/** A failure: one line on stderr, or with `--json` one JSON line on stdout, `{ ok: false, exitCode: 1, error }`, as usage errors are. */
function failed (where: string, error: unknown, json: boolean, io: CliIo): number {
  if (error instanceof UsageError) throw error
  const message = (error as Error).message
  if (json) printJson(io, { ok: false, exitCode: EXIT.failed, error: message })
  else io.stderr(`${where}: ${message}\n`)
  return EXIT.failed
}

async function list (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { ...STORE_OPTIONS, status: { type: 'string' }, event: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' } })
  if (values.help === true) return help(io)
  const status = values.status === undefined ? undefined : statusList(values.status, INBOX_STATUSES)
  const limit = count(values.limit ?? '50', '--limit')
  const before = values.before === undefined ? undefined : count(values.before, '--before')
  return await withInbox('list', values, io, async ({ store, where }) => {
    const rows = await store.list({ status, event: values.event, limit, before: before?.toString() })
    if (values.json === true) {
      printJson(io, rows.map(summary))
    } else if (rows.length === 0) {
      io.stdout(`no deliveries match in ${where}\n`)
    } else {
      io.stdout(columns([['id', 'status', 'event', 'data.id', 'received', 'attempts', 'last error'], ...rows.map((row) => [
        row.id, row.status, row.event, row.dataId ?? '–', isoTime(row.receivedAt), String(row.attempts),
        row.lastError === null ? '' : oneLine(maskPhoneNumbers(row.lastError.message.replace(/^fastify-magnetis-webhooks: /, '')), 80)
      ])]))
      if (rows.length === limit) io.stdout(`(${limit} newest shown; older ones: --before ${(rows[rows.length - 1] as InboxRow).id})\n`)
    }
    return EXIT.ok
  })
}

async function show (args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...STORE_OPTIONS, reveal: { type: 'boolean' } }, 1)
  if (values.help === true) return help(io)
  const id = positionals[0]
  if (id === undefined) throw new UsageError('show needs the id of a delivery (see inbox list)')
  return await withInbox('show', values, io, async ({ store, where }) => {
    const row = await store.get(id)
    if (row === undefined) throw new Error(`no delivery ${JSON.stringify(id)} in ${where}`)
    const reveal = values.reveal === true
    const decoded = decodePayload(row)
    const shown = {
      ...summary(row),
      ...(reveal && row.lastError !== null ? { lastError: row.lastError } : {}),
      contentType: row.contentType,
      bodySha256: row.bodySha256,
      signature: abbreviateSignature(row.signature),
      ...('payload' in decoded ? { payload: reveal ? decoded.payload : maskPayload(decoded.payload) } : { payloadError: decoded.error })
    }
    if (values.json === true) {
      printJson(io, shown)
      return EXIT.ok
    }
    const lines = [
      `delivery ${row.id}: ${row.status}, ${row.attempts} attempt(s), replayed ${row.replays} time(s)`,
      `event        ${row.event}${row.dataId === null ? '' : ` (data.id ${row.dataId})`}`,
      `route        ${row.route.method} ${row.route.url}${Object.keys(row.params).length === 0 ? '' : ' ' + JSON.stringify(row.params)}`,
      `received     ${isoTime(row.receivedAt)}`,
      `updated      ${isoTime(row.updatedAt)}`
    ]
    if (row.nextAttemptAt !== null) lines.push(`next attempt ${isoTime(row.nextAttemptAt)}`)
    if (shown.lastError !== null) lines.push(`last error   ${shown.lastError.message}${shown.lastError.code === null ? '' : ` (${shown.lastError.code})`}`)
    lines.push(`body         ${row.body.length} bytes, ${row.contentType ?? 'no content type'}, sha256 ${row.bodySha256}`)
    lines.push(`signature    ${shown.signature}`)
    if ('payload' in shown) {
      lines.push(reveal ? 'payload:' : 'payload (phone numbers masked; --reveal shows them):', JSON.stringify(shown.payload, null, 2))
    } else {
      lines.push(`payload      cannot be decoded: ${shown.payloadError}`)
    }
    io.stdout(lines.join('\n') + '\n')
    return EXIT.ok
  })
}

async function replay (args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    ...STORE_OPTIONS, status: { type: 'string' }, key: { type: 'string' }, url: { type: 'string' }, origin: { type: 'string' }
  }, Infinity)
  if (values.help === true) return help(io)
  if ((positionals.length > 0) === (values.status !== undefined)) {
    throw new UsageError('replay takes delivery ids or --status dead|invalid, not both')
  }
  const statuses = values.status === undefined ? undefined : statusList(values.status, ['dead', 'invalid'])
  const key = signatureKey(values.key, io)
  const template = endpointTemplate(values.url ?? (values.origin === undefined ? io.env.MAGNETIS_URL : undefined), values.origin)
  return await withInbox('replay', values, io, async ({ store, where }) => {
    const rows: Array<InboxRow | string> = statuses === undefined
      ? await Promise.all([...new Set(positionals)].map(async (id) => await store.get(id) ?? id))
      : await allRows(store, statuses)
    const skipped: Array<{ id: string, reason: string }> = []
    const verified: string[] = []
    for (const row of rows) {
      const reason = typeof row === 'string' ? `no such delivery in ${where}` : whyNotReplayable(row, key, template)
      if (reason === undefined) verified.push((row as InboxRow).id)
      else skipped.push({ id: typeof row === 'string' ? row : row.id, reason })
    }
    const replayed = verified.length === 0 ? 0 : await store.replay({ ids: verified }, Date.now())
    // A row may have changed between the check and the update (another replay, say); the store counts what it set back.
    if (replayed < verified.length) skipped.push({ id: '*', reason: `${verified.length - replayed} of the verified deliveries changed status meanwhile and were left as they are` })
    if (values.json === true) {
      printJson(io, { replayed: verified, count: replayed, skipped })
    } else {
      if (rows.length === 0) io.stdout(`no ${(statuses as string[]).join(' or ')} deliveries in ${where}\n`)
      if (replayed > 0) io.stdout(`set ${replayed} deliver${replayed === 1 ? 'y' : 'ies'} back to pending (${verified.join(', ')}): the running app handles ${replayed === 1 ? 'it' : 'them'} again\n`)
      for (const { id, reason } of skipped) io.stdout(`not replayed: ${id}: ${reason}\n`)
    }
    return skipped.length === 0 ? EXIT.ok : EXIT.failed
  })
}

async function prune (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { ...STORE_OPTIONS, 'older-than': { type: 'string' }, status: { type: 'string' } })
  if (values.help === true) return help(io)
  if (values['older-than'] === undefined) throw new UsageError('prune needs --older-than AGE, e.g. --older-than 30d')
  const age = duration(values['older-than'])
  const status = statusList(values.status ?? 'done', ['done', 'dead', 'invalid'])
  return await withInbox('prune', values, io, async ({ store }) => {
    const receivedBefore = Date.now() - age
    const pruned = await store.prune({ receivedBefore, status })
    if (values.json === true) printJson(io, { pruned, status, receivedBefore: isoTime(receivedBefore) })
    else io.stdout(`deleted ${pruned} ${status.join(' or ')} deliver${pruned === 1 ? 'y' : 'ies'} received before ${isoTime(receivedBefore)}\n`)
    return EXIT.ok
  })
}

function help (io: CliIo): number {
  io.stdout(HELP)
  return EXIT.ok
}

/** What `list --json` prints of a row, and the head of `show`: never the body, the signature or an unmasked error. */
function summary (row: InboxRow) {
  return {
    id: row.id,
    status: row.status,
    event: row.event,
    dataId: row.dataId,
    route: `${row.route.method} ${row.route.url}`,
    params: row.params,
    receivedAt: isoTime(row.receivedAt),
    updatedAt: isoTime(row.updatedAt),
    nextAttemptAt: row.nextAttemptAt === null ? null : isoTime(row.nextAttemptAt),
    attempts: row.attempts,
    replays: row.replays,
    bodyBytes: row.body.length,
    lastError: row.lastError === null ? null : { message: maskPhoneNumbers(row.lastError.message), code: row.lastError.code }
  }
}

/** The stored body decoded as the plugin decodes it (JSON, or form pairs nested back). */
function decodePayload (row: InboxRow): { payload: unknown } | { error: string } {
  try {
    const body = readBody(row.body, row.contentType ?? undefined)
    return { payload: body.json ?? unflattenPairs(body.pairs) }
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/** Every row with one of `statuses`, read page by page (a replay by status may cover many). */
async function allRows (store: OpenedInbox['store'], statuses: InboxStatus[]): Promise<InboxRow[]> {
  const rows: InboxRow[] = []
  const page = 500
  for (;;) {
    const batch = await store.list({ status: statuses, limit: page, before: rows[rows.length - 1]?.id })
    rows.push(...batch)
    if (batch.length < page) return rows
  }
}

/**
 * Why a row may not be replayed, or `undefined` when it may: it must be in
 * a final status, its body must still hash to the stored SHA-256, and the
 * stored signature must verify over that body with the key and URL given.
 */
function whyNotReplayable (row: InboxRow, key: string, template: EndpointTemplate): string | undefined {
  if (!['done', 'dead', 'invalid'].includes(row.status)) return `it is ${row.status}: only done, dead and invalid deliveries are replayed`
  if (createHash('sha256').update(row.body).digest('hex') !== row.bodySha256) return 'its body no longer matches its stored SHA-256: the row was altered'
  let url: string
  let verified: boolean
  try {
    url = endpointUrl(template, row)
    // Read as the plugin read it when it stored the row, integer literals read as PHP floats included.
    verified = verifyRawBody({ key, url, rawBody: row.body, contentType: row.contentType ?? undefined, signature: row.signature })
  } catch (error) {
    return (error as Error).message
  }
  return verified ? undefined : `its signature does not verify with this key and the URL ${url}`
}

/** Where the signed URL of a row comes from: `--url` (with `:name` placeholders), or `--origin` plus the row's route. */
type EndpointTemplate = { url: string } | { origin: string }

function endpointTemplate (url: string | undefined, origin: string | undefined): EndpointTemplate {
  if (url !== undefined && origin !== undefined) throw new UsageError('pass either --url or --origin, not both')
  if (origin !== undefined) {
    if (!/^https?:\/\/[^/?#]+\/?$/i.test(origin)) throw new UsageError(`--origin must be a scheme and host such as https://hooks.example.com, not ${JSON.stringify(origin)}`)
    return { origin: origin.replace(/\/$/, '') }
  }
  if (url === undefined || url === '') {
    throw new UsageError('replay re-verifies each delivery: pass --url (the endpoint URL as typed in Magnétis; or set MAGNETIS_URL) or --origin')
  }
  return { url }
}

const PARAM = /:([A-Za-z_][A-Za-z0-9_]*)/g

/** The endpoint URL a row was signed with: placeholders in the path filled from its route params. */
function endpointUrl (template: EndpointTemplate, row: InboxRow): string {
  const whole = 'url' in template ? template.url : template.origin + row.route.url
  const pathStart = whole.indexOf('/', whole.indexOf('//') + 2)
  if (pathStart === -1) return whole
  return whole.slice(0, pathStart) + whole.slice(pathStart).replace(PARAM, (placeholder, name: string) => {
    if (!Object.hasOwn(row.params, name)) throw new Error(`the URL has ${placeholder} but the delivery's route has no such param`)
    return encodeURIComponent(row.params[name] as string)
  })
}

function statusList (text: string, allowed: readonly InboxStatus[]): InboxStatus[] {
  const statuses = text.split(',').map((part) => part.trim())
  for (const status of statuses) {
    if (!(allowed as readonly string[]).includes(status)) throw new UsageError(`--status must be ${allowed.join(', ')} (comma-separated), not ${JSON.stringify(status)}`)
  }
  return statuses as InboxStatus[]
}

function count (text: string, option: string): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`${option} must be a positive whole number, not ${JSON.stringify(text)}`)
  return Number(text)
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `30d` → milliseconds. @throws {UsageError} for anything but a whole number and one of s, m, h, d, w */
export function duration (text: string): number {
  const match = /^(\d{1,6})([smhdw])$/.exec(text)
  if (match === null) throw new UsageError(`--older-than must be a whole number and a unit (s, m, h, d, w), such as 30d, not ${JSON.stringify(text)}`)
  return Number(match[1]) * (UNITS[match[2] as string] as number)
}

function isoTime (ms: number): string {
  return new Date(ms).toISOString()
}

function oneLine (text: string, length: number): string {
  const flat = text.replace(/\s+/g, ' ')
  return flat.length > length ? flat.slice(0, length - 1) + '…' : flat
}

/** Rows of cells as aligned text columns. */
function columns (rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, index) => Math.max(...rows.map((row) => (row[index] as string).length)))
  return rows.map((row) => row.map((cell, index) => cell.padEnd(widths[index] as number)).join('  ').trimEnd()).join('\n') + '\n'
}
