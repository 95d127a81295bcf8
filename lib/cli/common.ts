/**
 * What every command of `magnetis-webhooks` shares: where output goes, how
 * options are parsed, where the signature key comes from, and how a payload
 * becomes a body. Commands get their input and output through `CliIo` so
 * tests can run them in-process as well as in a subprocess.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { EVENT_NAMES, EVENT_RESOURCES, RESOURCE_NAMES, type ResourceName } from '../events/names.js'
import { samplePayload } from '../events/samples.js'
import { signedRequest, type SignedRequest } from '../signature/signed-request.js'

/** Input and output of a command; `main` fills it from `process` by default. */
export interface CliIo {
  /** writes text to standard output (the caller adds line ends) */
  stdout: (text: string) => void
  /** writes text to standard error */
  stderr: (text: string) => void
  /** the environment: `MAGNETIS_KEY`, `XDG_CACHE_HOME`, `HOME` */
  env: Record<string, string | undefined>
  /** stops `listen`; by default SIGINT or SIGTERM does */
  signal?: AbortSignal
}

/** A mistake in the command line: exit code 2, the message and a pointer to `--help`. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Exit codes: 0 ok or valid, 1 invalid signature or non-2xx reply (or no reply), 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

type OptionsConfig = NonNullable<ParseArgsConfig['options']>

/** What `parseCommand` returns: each option's value (`true` for a flag given, the text for a string option), and the positionals. */
export interface ParsedCommand<O extends OptionsConfig> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string }
  positionals: string[]
}

/** The options every command takes. */
const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' }
} as const satisfies OptionsConfig

/** Options shared by the commands that sign: `--key` and the payload options. */
export const PAYLOAD_OPTIONS = {
  key: { type: 'string' },
  event: { type: 'string' },
  resource: { type: 'string' },
  data: { type: 'string' },
  as: { type: 'string' }
} as const satisfies OptionsConfig

/**
 * `util.parseArgs`, strict, with `--help` and `--json` added. Its errors
 * (unknown option, missing value, stray positional) become `UsageError`s.
 */
export function parseCommand<O extends OptionsConfig> (args: string[], options: O, positionals = 0): ParsedCommand<O & typeof COMMON_OPTIONS> {
  let parsed: ParsedCommand<O & typeof COMMON_OPTIONS>
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: positionals > 0 }) as ParsedCommand<O & typeof COMMON_OPTIONS>
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`)
  }
  return parsed
}

/**
 * The signature key: `--key`, else `MAGNETIS_KEY`. The key is never
 * written anywhere; a key with stray white space gets a warning, because it
 * signs differently from the one in the vendor's interface.
 *
 * @throws {UsageError} when neither gives a non-empty key
 */
export function signatureKey (option: string | undefined, io: CliIo): string {
  const key = option ?? io.env.MAGNETIS_KEY
  if (key === undefined || key === '') {
    throw new UsageError('no signature key: pass --key or set MAGNETIS_KEY (Magnétis: API & Connectors > Webhooks > your webhook)')
  }
  if (key !== key.trim()) io.stderr('warning: the signature key has leading or trailing white space, which is signed too\n')
  return key
}

/** How a payload travels: a form body or a JSON body. */
export type BodyAs = 'form' | 'json'

/** `--as`: `json` unless `form` is asked for. @throws {UsageError} for another value */
export function bodyAs (option: string | undefined): BodyAs {
  if (option === undefined || option === 'json') return 'json'
  if (option === 'form') return 'form'
  throw new UsageError(`--as must be "form" or "json", not ${JSON.stringify(option)}`)
}

/** The payload to sign and send, with the event and resource it carries. */
export interface ChosenPayload {
  payload: Record<string, unknown>
  event: string
  resource: ResourceName | undefined
}

/**
 * The payload named by `--event`, `--resource` and `--data`:
 * - `--data FILE`: a JSON object, the whole `{event, data}` envelope as the
 *   vendor sends it, or only its `data` (anything without a `data` field),
 *   which is then wrapped; `--event` replaces the envelope's event.
 * - otherwise the built-in sample of the resource ("Testing the Webhook"):
 *   `--event` one of the five events or `test` (the default), `--resource`
 *   `call` (the default), `email` or `lead`, for `test` events only.
 *
 * @throws {UsageError} for an unknown event or resource, a resource that contradicts the event, an unreadable file or one that is not a JSON object
 */
export async function choosePayload (values: { event?: string | undefined, resource?: string | undefined, data?: string | undefined }): Promise<ChosenPayload> {
  const resource = values.resource === undefined ? undefined : resourceName(values.resource)
  if (values.data !== undefined) {
    const content = await readJsonObject(values.data)
    const envelope = 'data' in content ? { ...content } : { data: content, event: 'test' }
    if (values.event !== undefined) envelope.event = values.event
    return { payload: envelope, event: String(envelope.event), resource: resource ?? resourceOf(String(envelope.event)) }
  }
  const event = values.event ?? 'test'
  if (!(EVENT_NAMES as readonly string[]).includes(event)) {
    throw new UsageError(`--event must be one of ${EVENT_NAMES.join(', ')} (or pass --data FILE), not ${JSON.stringify(event)}`)
  }
  const implied = resourceOf(event)
  if (implied !== undefined && resource !== undefined && resource !== implied) {
    throw new UsageError(`--resource ${resource} contradicts --event ${event}, which carries a ${implied}`)
  }
  const chosen = implied ?? resource ?? 'call'
  return { payload: samplePayload(event, chosen) as Record<string, unknown>, event, resource: chosen }
}

function resourceName (value: string): ResourceName {
  if ((RESOURCE_NAMES as readonly string[]).includes(value)) return value as ResourceName
  throw new UsageError(`--resource must be one of ${RESOURCE_NAMES.join(', ')}, not ${JSON.stringify(value)}`)
}

function resourceOf (event: string): ResourceName | undefined {
  return Object.hasOwn(EVENT_RESOURCES, event) ? (EVENT_RESOURCES as Record<string, ResourceName>)[event] : undefined
}

/** Reads a file. @throws {UsageError} naming the file when it cannot be read */
export async function readInput (file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`)
  }
}

async function readJsonObject (file: string): Promise<Record<string, unknown>> {
  const text = (await readInput(file)).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new UsageError(`${file} is not valid JSON`)
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`${file} must hold a JSON object such as {"event": "test", "data": {…}}`)
  }
  return value as Record<string, unknown>
}

/**
 * The signed body of a payload (`signedRequest`): a form body is built from
 * the flattened pairs, so form and JSON carry the same POST variables and
 * sign the same (`http_build_query` semantics, README "Signature rule" step 2).
 *
 * @throws {UsageError} for a payload nested too deep for any endpoint to accept
 */
export function signBody (key: string, url: string, payload: Record<string, unknown>, as: BodyAs): SignedRequest {
  try {
    return signedRequest(key, url, payload, as)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

/** Writes a value as one line of JSON (the `--json` output). */
export function printJson (io: CliIo, value: unknown): void {
  io.stdout(JSON.stringify(value) + '\n')
}
