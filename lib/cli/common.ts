// What the commands share: output, option parsing, the signature key, payloads. `CliIo` lets tests run them in-process.
import { readFile } from 'node:fs/promises'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { EVENT_NAMES, EVENT_RESOURCES, RESOURCE_NAMES, type ResourceName } from '../events/names.js'
import { samplePayload } from '../events/samples.js'
import { signedRequest, type SignedRequest } from '../signature/signed-request.js'

/** A command's output (text with its line ends), environment (`MAGNETIS_KEY`, `XDG_CACHE_HOME`, `HOME`) and stop signal for `listen`. */
export interface CliIo {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: Record<string, string | undefined>
  signal?: AbortSignal
}

/** A mistake in the command line: exit code 2, the message and a pointer to `--help`. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Exit codes: 0 ok or valid, 1 invalid signature or non-2xx reply (or no reply), 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

type OptionsConfig = NonNullable<ParseArgsConfig['options']>

/** Each option's value (`true` for a flag given, the text for a string option), and the positionals. */
export interface ParsedCommand<O extends OptionsConfig> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string }
  positionals: string[]
}

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

/** `util.parseArgs`, strict, with `--help` and `--json` added. @throws {UsageError} for an unknown option, a missing value or a stray argument */
export function parseCommand<O extends OptionsConfig> (args: string[], options: O, positionals = 0): ParsedCommand<O & typeof COMMON_OPTIONS> {
  let parsed: ParsedCommand<O & typeof COMMON_OPTIONS>
  try {
    parsed = parseArgs({ args, options: { ...COMMON_OPTIONS, ...options }, strict: true, allowPositionals: positionals > 0 }) as ParsedCommand<O & typeof COMMON_OPTIONS>
  } catch (error) {
    const { code, message } = error as Error & { code?: string }
    throw new UsageError(code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOption(args, { ...COMMON_OPTIONS, ...options }, positionals > 0) : message)
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])}`)
  }
  return parsed
}

// Node's own message for this error ends on an unbalanced quote.
function unknownOption (args: string[], options: OptionsConfig, positionals: boolean): string {
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true })
  const [name] = tokens.flatMap((token) => token.kind === 'option' && !Object.hasOwn(options, token.name) ? [token.rawName] : [])
  const hint = positionals ? `; an argument that starts with "-" goes after "--", as in: -- ${JSON.stringify(name)}` : ''
  return `unknown option ${JSON.stringify(name)}${hint}`
}

/** `--key`, else `MAGNETIS_KEY`, never printed; stray white space is warned about (it is signed too). @throws {UsageError} when neither is set */
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
 * `--data FILE` (an envelope, or its `data` alone, which is wrapped), else the built-in sample of `--event` (default `test`) and `--resource`.
 * @throws {UsageError} for an unknown event or resource, a contradiction, or a file that is not a JSON object
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

/** `signedRequest`, whose form and JSON bodies carry the same pairs. @throws {UsageError} for a payload nested too deep for any endpoint */
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
