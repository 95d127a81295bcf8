/**
 * `magnetis-webhooks verify`: does a captured request verify, and if not,
 * which usual mistake explains it? The culprit finder re-signs the request
 * with each likely variant of the URL, the body reading and the key, and
 * names every variant that would have matched, with what to change. It never
 * prints the key.
 */
import { bodyEncodingOf, FORM_MEDIA_TYPE } from '../body/media-types.js'
import { pairsFromBody } from '../body/read.js'
import { flattenPayload, type Pair } from '../signature/flatten.js'
import { sign, signatureBaseString, verifySignature } from '../signature/sign.js'
import { EXIT, parseCommand, printJson, readInput, signatureKey, UsageError, type CliIo } from './common.js'

export const HELP = `Usage: magnetis-webhooks verify --url URL --signature SIG --content-type TYPE --body-file FILE [options]

Says whether a captured request verifies. If it does not, tries the usual
culprits and names each one that would have matched, and what to change:
http vs https, the default port written or not, a trailing slash, the URL the
request was received on, the body read as JSON-flattened pairs, as top-level
JSON values or as one raw string, and a key with stray white space.

Options:
  --url URL           the endpoint URL as configured (typed in the Magnétis interface)
  --signature SIG     the X-CALLTRACKING-SIGNATURE header received
  --content-type T    the Content-Type header received
  --body-file FILE    the raw body received, byte for byte
  --received-url URL  the URL the request was received on (behind a proxy, often
                      http:// and another host or port)
  --key KEY           the webhook's signature key (default: $MAGNETIS_KEY)
  --json              print the result as JSON
  -h, --help          show this help

Exit codes: 0 valid, 1 invalid, 2 a usage error.
`

/** A way to read the raw body into the POST variables that are signed. */
export type Reading = 'form' | 'json' | 'json-top-level' | 'raw'

/** What each reading is, in words. */
export const READINGS: Record<Reading, string> = {
  form: 'the form pairs',
  json: 'the JSON flattened into pairs (data[account][id], data[events][0][name])',
  'json-top-level': 'the top-level JSON values only (nested values as JSON text)',
  raw: 'the raw body as one string'
}

/** A captured request and the configuration it is checked against. */
export interface CulpritInput {
  /** the endpoint URL as configured */
  url: string
  /** the URL the request arrived on, if known */
  receivedUrl?: string | undefined
  /** the `X-CALLTRACKING-SIGNATURE` header */
  signature: string
  contentType: string | undefined
  rawBody: Buffer
  key: string
}

/** A variant that would have matched, and how it differs from the configuration. */
export interface Match {
  url: string
  reading: Reading
  keyTrimmed: boolean
  /** what differs, one entry per change */
  changes: string[]
  /** what to do about it: one entry for the URL, one for the body, one for the key, as they differ */
  advice: string[]
}

/** The finder's verdict. `matches` is empty when the request verifies as configured. */
export interface Verdict {
  valid: boolean
  /** the reading the Content-Type gives (the plugin's), or `null` when the body cannot be read so */
  reading: Reading | null
  /** why the body cannot be read as its Content-Type says (415 or 400 in the plugin) */
  readingError: string | null
  /** the signature of the request as configured, when its body can be read */
  expected: string | null
  matches: Match[]
}

/**
 * Checks a captured request as the plugin would, then, if it does not
 * verify, every combination of: scheme flipped, default port toggled,
 * trailing slash toggled, received URL instead of configured, each body
 * reading, key trimmed. Combinations are listed fewest changes first.
 */
export function findCulprits (input: CulpritInput): Verdict {
  const readings = bodyReadings(input.rawBody, input.contentType)
  const declared = readings.declared
  const expected = declared === null ? null : sign(input.key, input.url, declared.pairs)
  if (declared !== null && verifySignature({ key: input.key, url: input.url, payload: declared.pairs, signature: input.signature })) {
    return { valid: true, reading: declared.reading, readingError: null, expected, matches: [] }
  }
  const keys = [{ key: input.key, trimmed: false }]
  if (input.key.trim() !== input.key && input.key.trim() !== '') keys.push({ key: input.key.trim(), trimmed: true })

  const matches: Match[] = []
  for (const candidate of urlCandidates(input.url, input.receivedUrl)) {
    for (const { reading, pairs } of readings.all) {
      for (const { key, trimmed } of keys) {
        if (!verifySignature({ key, url: candidate.url, payload: pairs, signature: input.signature })) continue
        const match: Match = { url: candidate.url, reading, keyTrimmed: trimmed, changes: [...candidate.changes], advice: [] }
        if (candidate.changes.length > 0) {
          match.advice.push(`make the URL ${JSON.stringify(candidate.url)} on both sides: the plugin's "url" option and the endpoint typed in the Magnétis interface must be the same text`)
        }
        if (reading !== declared?.reading) {
          match.changes.push(`the body read as ${READINGS[reading]}, not as ${declared === null ? 'its Content-Type says (it cannot be)' : READINGS[declared.reading]}`)
          match.advice.push(readingAdvice(reading, input.contentType))
        }
        if (trimmed) {
          match.changes.push('the key without its leading or trailing white space')
          match.advice.push('remove the white space around the key (--key, MAGNETIS_KEY or the plugin\'s "key" option)')
        }
        matches.push(match)
      }
    }
  }
  matches.sort((a, b) => a.changes.length - b.changes.length)
  return { valid: false, reading: declared?.reading ?? null, readingError: readings.error, expected, matches }
}

function readingAdvice (reading: Reading, contentType: string | undefined): string {
  const type = JSON.stringify(contentType ?? '')
  switch (reading) {
    case 'form': return `the sender signed form pairs: send Content-Type: application/x-www-form-urlencoded (it was ${type})`
    case 'json': return `the sender signed a JSON body: send Content-Type: application/json (it was ${type})`
    case 'json-top-level': return 'the sender did not flatten nested values as http_build_query does: fix the sender, or, if Magnétis signs so, pass the plugin a "pairsFromBody" option that reads the body this way'
    case 'raw': return 'the sender signed the URL followed by the raw body: fix the sender, or, if Magnétis signs so, pass the plugin a "pairsFromBody" option that returns [[rawBody, ""]]'
  }
}

interface ReadingPairs { reading: Reading, pairs: Pair[] }

/** Every reading of a body, the declared one first; readings giving the same base string are listed once. */
function bodyReadings (rawBody: Buffer, contentType: string | undefined) {
  let declared: ReadingPairs | null = null
  let error: string | null = null
  try {
    const pairs = pairsFromBody(rawBody, contentType)
    declared = { reading: bodyEncodingOf(contentType)!, pairs }
  } catch (failure) {
    error = (failure as Error).message
  }
  const text = rawBody.toString('utf8')
  const all: ReadingPairs[] = declared === null ? [] : [declared]
  all.push(...jsonReadings(text))
  all.push({ reading: 'raw', pairs: [[text, '']] })
  all.push({ reading: 'form', pairs: pairsFromBody(rawBody, FORM_MEDIA_TYPE) })
  const seen = new Set<string>()
  return {
    declared,
    error,
    all: all.filter(({ pairs }) => {
      // Two readings with the same base string sign the same: list the first.
      const identity = signatureBaseString('', pairs)
      if (seen.has(identity)) return false
      seen.add(identity)
      return true
    })
  }
}

/** The two JSON readings of a body that is a JSON object (none for anything else, or one nested too deep). */
function jsonReadings (text: string): ReadingPairs[] {
  try {
    const json: unknown = JSON.parse(text)
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return []
    return [
      { reading: 'json', pairs: flattenPayload(json as Record<string, unknown>) },
      { reading: 'json-top-level', pairs: Object.entries(json).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]) }
    ]
  } catch {
    return []
  }
}

interface UrlCandidate { url: string, changes: string[] }

// Scheme, authority (host and port), then path, query and fragment, untouched.
const HTTP_URL = /^(https?):\/\/([^/?#]*)(.*)$/is
const PORT = /^(.*?)(?::(\d+))?$/s

/** The configured URL and the received one, each with every combination of the three URL culprits; fewest changes first, each URL once. */
function urlCandidates (url: string, receivedUrl: string | undefined): UrlCandidate[] {
  const bases: UrlCandidate[] = [{ url, changes: [] }]
  if (receivedUrl !== undefined && receivedUrl !== url) {
    bases.push({ url: receivedUrl, changes: [`the URL the request was received on (${receivedUrl}), not the configured ${url}`] })
  }
  const found: UrlCandidate[] = []
  for (const base of bases) {
    for (let mask = 0; mask < 8; mask++) {
      let candidate: UrlCandidate | undefined = base
      if (mask & 1) candidate = candidate && flipScheme(candidate)
      if (mask & 2) candidate = candidate && toggleDefaultPort(candidate)
      if (mask & 4) candidate = candidate && toggleTrailingSlash(candidate)
      if (candidate !== undefined) found.push(candidate)
    }
  }
  found.sort((a, b) => a.changes.length - b.changes.length)
  const seen = new Set<string>()
  return found.filter((candidate) => !seen.has(candidate.url) && seen.add(candidate.url))
}

function flipScheme ({ url, changes }: UrlCandidate): UrlCandidate | undefined {
  const parts = HTTP_URL.exec(url)
  if (parts === null) return undefined
  const [from, to] = parts[1]!.toLowerCase() === 'https' ? ['https', 'http'] : ['http', 'https']
  return { url: `${to}://${parts[2]}${parts[3]}`, changes: [...changes, `${to} instead of ${from}`] }
}

function toggleDefaultPort ({ url, changes }: UrlCandidate): UrlCandidate | undefined {
  const parts = HTTP_URL.exec(url)
  if (parts === null) return undefined
  const defaultPort = parts[1]!.toLowerCase() === 'https' ? '443' : '80'
  const [, host, port] = PORT.exec(parts[2]!)!
  if (port === undefined) {
    return { url: `${parts[1]}://${host}:${defaultPort}${parts[3]}`, changes: [...changes, `the default port :${defaultPort} written`] }
  }
  if (port !== defaultPort) return undefined
  return { url: `${parts[1]}://${host}${parts[3]}`, changes: [...changes, `without the default port :${defaultPort}`] }
}

function toggleTrailingSlash ({ url, changes }: UrlCandidate): UrlCandidate {
  const end = url.search(/[?#]/)
  const path = end === -1 ? url : url.slice(0, end)
  const rest = end === -1 ? '' : url.slice(end)
  return path.endsWith('/')
    ? { url: path.slice(0, -1) + rest, changes: [...changes, 'without the trailing slash'] }
    : { url: path + '/' + rest, changes: [...changes, 'with a trailing slash'] }
}

/** Runs `verify`. @returns 0 when the request verifies as configured, 1 when it does not */
export async function verify (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    url: { type: 'string' },
    signature: { type: 'string' },
    'content-type': { type: 'string' },
    'body-file': { type: 'string' },
    'received-url': { type: 'string' },
    key: { type: 'string' }
  })
  if (values.help === true) {
    io.stdout(HELP)
    return EXIT.ok
  }
  for (const name of ['url', 'signature', 'content-type', 'body-file'] as const) {
    if (values[name] === undefined) throw new UsageError(`verify needs --${name}`)
  }
  const key = signatureKey(values.key, io)
  const input: CulpritInput = {
    url: values.url!,
    receivedUrl: values['received-url'],
    signature: values.signature!,
    contentType: values['content-type'],
    rawBody: await readInput(values['body-file']!),
    key
  }
  const verdict = findCulprits(input)
  if (values.json === true) printJson(io, verdict)
  else io.stdout(describeVerdict(verdict, input))
  return verdict.valid ? EXIT.ok : EXIT.failed
}

/** The verdict in words, for people. */
export function describeVerdict (verdict: Verdict, input: Pick<CulpritInput, 'url' | 'signature'>): string {
  if (verdict.valid) return `valid: the signature matches ${input.url} with ${READINGS[verdict.reading!]}\n`
  let text = `invalid: the signature does not match ${input.url} with ${verdict.reading === null ? 'this body' : READINGS[verdict.reading]}\n`
  if (verdict.readingError !== null) text += `  the plugin would refuse the body: ${verdict.readingError}\n`
  text += `  received  ${JSON.stringify(input.signature)}\n`
  if (verdict.expected !== null) text += `  expected  ${JSON.stringify(verdict.expected)}\n`
  if (verdict.matches.length === 0) {
    return text + 'no usual culprit explains it: check the key (copy it again from API & Connectors > Webhooks) and that the body file holds the raw bytes received, not a parsed and re-serialised copy\n'
  }
  text += 'would have matched:\n'
  for (const match of verdict.matches) {
    text += `  - ${match.changes.join('; ')}\n`
    for (const advice of match.advice) text += `    change: ${advice}\n`
  }
  return text
}
