/**
 * Why did a signature not match? The culprit finder re-signs a request with
 * each likely variant of the URL, the body and the key, and names every
 * variant that would have matched, with what to change. Shared by
 * `magnetis-webhooks verify` / `listen` and the plugin's 401 log
 * (docs/readme/numbers-and-401.md). It never returns the key.
 */
import { bodyEncodingOf, FORM_MEDIA_TYPE } from '../body/media-types.js'
import { parseWithLiterals } from '../body/json-pairs.js'
import { readBody } from '../body/read.js'
import { flattenPayload, NumberLiteral, type Pair } from '../signature/flatten.js'
import { signatureBaseString, sign, verifySignature, type SignatureKeys } from '../signature/sign.js'

/** A way to read the raw body into the POST variables that are signed. */
export type Reading = 'form' | 'json' | 'json-top-level' | 'json-numbers-as-written' | 'json-numbers-as-javascript' | 'raw'

/** What each reading is, in words. */
export const READINGS: Record<Reading, string> = {
  form: 'the form pairs',
  json: 'the JSON flattened into pairs (data[account][id], data[events][0][name])',
  'json-top-level': 'the top-level JSON values only (nested values as JSON text)',
  'json-numbers-as-written': 'the JSON flattened with each number as written in the body (1764412345.123456), not as PHP writes it (1764412345.1235)',
  'json-numbers-as-javascript': 'the JSON flattened with each number as JavaScript writes it (String(n): 1e+21), not as PHP writes it (1.0E+21)',
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
  /** the signature key, or the keys during rotation */
  key: SignatureKeys
}

/** A variant that would have matched, and how it differs from the configuration. */
export interface Match {
  url: string
  reading: Reading
  /** how the body bytes differ from those received: `null`, or the bytes without a trailing line end and/or a byte-order mark */
  body: 'without-trailing-newline' | 'without-bom' | 'without-bom-and-trailing-newline' | null
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
  /** the signature of the request as configured, when its body can be read and one key is configured */
  expected: string | null
  matches: Match[]
}

/**
 * Checks a captured request as the plugin would, then, if it does not
 * verify, every combination of: scheme flipped, default port toggled,
 * trailing slash toggled, received URL instead of configured; the body
 * without a trailing line end or a byte-order mark; each body reading; the
 * key trimmed. Matches are listed fewest changes first. At most 16 URLs × 4
 * bodies × 6 readings (and PHP float readings) × 2 keys HMACs; usually a few dozen.
 */
export function findCulprits (input: CulpritInput): Verdict {
  const bodies = bodyVariants(input.rawBody)
  const received = readingsOf(bodies[0]!.rawBody, input.contentType)
  const declared = received.declared
  const keys = typeof input.key === 'string' ? [input.key] : [...input.key]
  const expected = declared === null || keys.length !== 1 ? null : sign(keys[0]!, input.url, declared.pairs[0]!)
  if (declared !== null && declared.pairs.some((pairs) => verifySignature({ key: keys, url: input.url, payload: pairs, signature: input.signature }))) {
    return { valid: true, reading: declared.reading, readingError: null, expected, matches: [] }
  }
  const trimmed = keys.map((key) => key.trim())
  const keyVariants = [{ keys, trimmed: false }]
  if (trimmed.some((key, index) => key !== keys[index]) && trimmed.every((key) => key !== '')) keyVariants.push({ keys: trimmed, trimmed: true })

  const matches: Match[] = []
  const urls = urlCandidates(input.url, input.receivedUrl)
  for (const body of bodies) {
    const readings = body.change === null ? received : readingsOf(body.rawBody, input.contentType)
    for (const candidate of urls) {
      for (const { reading, pairs } of readings.all) {
        for (const variant of keyVariants) {
          if (!verifySignature({ key: variant.keys, url: candidate.url, payload: pairs, signature: input.signature })) continue
          matches.push(describeMatch(input, readings.declared?.reading ?? null, candidate, body, reading, variant.trimmed))
        }
      }
    }
  }
  matches.sort((a, b) => a.changes.length - b.changes.length)
  return { valid: false, reading: declared?.reading ?? null, readingError: received.error, expected, matches }
}

function describeMatch (input: CulpritInput, declared: Reading | null, candidate: UrlCandidate, body: BodyVariant, reading: Reading, keyTrimmed: boolean): Match {
  const match: Match = { url: candidate.url, reading, body: body.change, keyTrimmed, changes: [...candidate.changes], advice: [] }
  if (candidate.changes.length > 0) {
    match.advice.push(`make the URL ${JSON.stringify(candidate.url)} on both sides: the plugin's "url" option and the endpoint typed in the Magnétis interface must be the same text`)
  }
  if (body.change !== null) {
    match.changes.push(...body.changes)
    match.advice.push(body.advice)
  }
  if (reading !== declared) {
    match.changes.push(`the body read as ${READINGS[reading]}, not as ${declared === null ? 'its Content-Type says (it cannot be)' : READINGS[declared]}`)
    match.advice.push(readingAdvice(reading, input.contentType))
  }
  if (keyTrimmed) {
    match.changes.push('the key without its leading or trailing white space')
    match.advice.push('remove the white space around the key (--key, MAGNETIS_KEY or the plugin\'s "key" option)')
  }
  return match
}

function readingAdvice (reading: Reading, contentType: string | undefined): string {
  const type = JSON.stringify(contentType ?? '')
  switch (reading) {
    case 'form': return `the sender signed form pairs: send Content-Type: application/x-www-form-urlencoded (it was ${type})`
    case 'json': return `the sender signed a JSON body: send Content-Type: application/json (it was ${type})`
    case 'json-top-level': return 'the sender did not flatten nested values as http_build_query does: fix the sender, or, if Magnétis signs so, pass the plugin a "pairsFromBody" option that reads the body this way'
    case 'json-numbers-as-written':
    case 'json-numbers-as-javascript':
      return 'the sender wrote numbers otherwise than PHP\'s http_build_query (docs/signature-rule.md, "Numbers"): fix the sender, or, if Magnétis signs so, pass the plugin a "pairsFromBody" option that writes numbers its way'
    case 'raw': return 'the sender signed the URL followed by the raw body: fix the sender, or, if Magnétis signs so, pass the plugin a "pairsFromBody" option that returns [[rawBody, ""]]'
  }
}

interface BodyVariant {
  rawBody: Buffer
  change: Match['body']
  changes: string[]
  advice: string
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
const TRAILING_NEWLINE = 'the body without its trailing line end (\\n or \\r\\n)'
const WITHOUT_BOM = 'the body without its leading byte-order mark (U+FEFF)'
const NEWLINE_ADVICE = 'the body ends in a line end that was not signed: if it is a file saved by an editor or echo, capture the raw bytes again (printf \'%s\', or magnetis-webhooks listen); if the request carries it, the sender adds it after signing'
const BOM_ADVICE = 'the body starts with a byte-order mark that was not signed: save the file as UTF-8 without BOM; if the request carries it, the sender adds it after signing'

/** The body as received, then without a trailing line end, without a byte-order mark, and without both (those that differ). */
function bodyVariants (rawBody: Buffer): BodyVariant[] {
  const variants: BodyVariant[] = [{ rawBody, change: null, changes: [], advice: '' }]
  const hasBom = rawBody.subarray(0, 3).equals(BOM)
  const lineEnd = rawBody.at(-1) === 0x0a ? (rawBody.at(-2) === 0x0d ? 2 : 1) : 0
  const withoutBom = hasBom ? rawBody.subarray(3) : rawBody
  if (lineEnd > 0) {
    variants.push({ rawBody: rawBody.subarray(0, rawBody.length - lineEnd), change: 'without-trailing-newline', changes: [TRAILING_NEWLINE], advice: NEWLINE_ADVICE })
  }
  if (hasBom) {
    variants.push({ rawBody: withoutBom, change: 'without-bom', changes: [WITHOUT_BOM], advice: BOM_ADVICE })
    if (lineEnd > 0 && withoutBom.length >= lineEnd) {
      variants.push({
        rawBody: withoutBom.subarray(0, withoutBom.length - lineEnd),
        change: 'without-bom-and-trailing-newline',
        changes: [WITHOUT_BOM, TRAILING_NEWLINE],
        advice: `${BOM_ADVICE}; ${NEWLINE_ADVICE}`
      })
    }
  }
  return variants
}

interface ReadingPairs { reading: Reading, pairs: Pair[] }

/** Every reading of a body, the declared one first; readings giving the same base string are listed once. */
function readingsOf (rawBody: Buffer, contentType: string | undefined) {
  let declared: { reading: Reading, pairs: Pair[][] } | null = null
  let error: string | null = null
  try {
    const body = readBody(rawBody, contentType)
    declared = { reading: bodyEncodingOf(contentType)!, pairs: [body.pairs, ...body.alternatives ?? []] }
  } catch (failure) {
    error = (failure as Error).message
  }
  const text = rawBody.toString('utf8')
  const all: ReadingPairs[] = declared === null ? [] : declared.pairs.map((pairs) => ({ reading: declared!.reading, pairs }))
  all.push(...jsonReadings(text))
  all.push({ reading: 'raw', pairs: [[text, '']] })
  all.push({ reading: 'form', pairs: readBody(rawBody, FORM_MEDIA_TYPE).pairs })
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

/** The JSON readings of a body that is a JSON object (none for anything else, or one nested too deep). */
function jsonReadings (text: string): ReadingPairs[] {
  try {
    const json = readBody(text, 'application/json')
    const literals = parseWithLiterals(text)
    return [
      ...[json.pairs, ...json.alternatives ?? []].map((pairs) => ({ reading: 'json' as const, pairs })),
      { reading: 'json-top-level', pairs: Object.entries(json.json!).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]) },
      { reading: 'json-numbers-as-written', pairs: flattenPayload(mapNumbers(literals, (literal) => literal)) },
      { reading: 'json-numbers-as-javascript', pairs: flattenPayload(mapNumbers(literals, (literal) => String(Number(literal)))) }
    ]
  } catch {
    return []
  }
}

/** A copy of a parsed payload with each number literal replaced by the text `write` gives it (depth already bounded by readBody). */
function mapNumbers<T> (value: T, write: (literal: string) => string): T {
  if (value instanceof NumberLiteral) return write(value.text) as T
  if (Array.isArray(value)) return value.map((item: unknown) => mapNumbers(item, write)) as T
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      Object.defineProperty(copy, key, { value: mapNumbers((value as Record<string, unknown>)[key], write), enumerable: true })
    }
    return copy as T
  }
  return value
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
