/**
 * Matrix rows: the X-CALLTRACKING-SIGNATURE header (vendor page, "Verifying
 * the Webhook Signature"; contract step 6). Only the exact base64 text of
 * the digest passes; every variant is a 401 with no handler call, never an
 * exception. Rows that need the header as it travels on the wire (the
 * letter case of its name, a repeat, white space around it, a size past
 * Node's limit) go over a real socket.
 */
import { createHmac } from 'node:crypto'
import { FOREIGN_KEY, JSON_TYPE, KEY, OLD_KEY, PATH, URL_AS_TYPED, callSample, rawHead, signJson, type MatrixRow } from './hostile-harness.js'

const MISSING = 'FST_MAGNETIS_MISSING_SIGNATURE'
const INVALID = 'FST_MAGNETIS_INVALID_SIGNATURE'

/** The vendor's sample as a call:completed delivery, and its reference signature. */
const body = JSON.stringify(callSample())
const valid = signJson(body)

/**
 * A body whose signature holds a `+` or a `/`, so that its URL-safe spelling
 * differs from it. Found by trying call ids in order: deterministic.
 */
const urlSafeCase = ((): { body: string, signature: string } => {
  for (let attempt = 0; ; attempt++) {
    const sample = callSample()
    sample.data.id = `call-urlsafe-${attempt}`
    const text = JSON.stringify(sample)
    const signature = signJson(text)
    if (/[+/]/.test(signature)) return { body: text, signature }
  }
})()

/** The signature with one bit of the digest flipped (`byte` 0..19, `bit` 0..7). */
function flipBit (signature: string, byte: number, bit: number): string {
  const digest = Buffer.from(signature, 'base64')
  digest[byte] = (digest[byte] as number) ^ (1 << bit)
  return digest.toString('base64')
}

/**
 * The same 20 bytes, spelled differently: a 20-byte digest leaves 2 unused
 * bits in the last base64 character before "=", which a lenient decoder
 * ignores. Setting one of them gives text that decodes to the same digest.
 */
function nonCanonical (signature: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  const last = alphabet.indexOf(signature[26] as string)
  return signature.slice(0, 26) + (alphabet[last ^ 1] as string) + signature.slice(27)
}

function json (signature: string | string[] | undefined, text = body): MatrixRow['request'] {
  const headers: Record<string, string | string[]> = { 'content-type': JSON_TYPE }
  if (signature !== undefined) headers['x-calltracking-signature'] = signature
  return { headers, body: text }
}

/** A raw request of the sample body with these extra header lines. */
function raw (lines: string[]): MatrixRow['request'] {
  return { raw: [rawHead([`Content-Type: ${JSON_TYPE}`, `Content-Length: ${Buffer.byteLength(body)}`, ...lines]) + body] }
}

function refused (name: string, request: MatrixRow['request'], code = INVALID): MatrixRow {
  return { name, request, status: 401, code, dispatched: 0 }
}

export const signatureRows: MatrixRow[] = [
  { name: 'the exact signature passes (control)', request: json(valid), status: 200, dispatched: 1 },
  refused('header absent', json(undefined), MISSING),
  refused('header empty', json(''), MISSING),
  refused('header of spaces only, over a real socket (HTTP trims it to empty)', raw(['X-CALLTRACKING-SIGNATURE:    ']), MISSING),
  refused('header repeated, both copies exact, over a real socket (Node joins them with ", ")',
    raw([`X-CALLTRACKING-SIGNATURE: ${valid}`, `X-CALLTRACKING-SIGNATURE: ${valid}`])),
  refused('header repeated, exact then wrong, over a real socket',
    raw([`X-CALLTRACKING-SIGNATURE: ${valid}`, `X-CALLTRACKING-SIGNATURE: ${flipBit(valid, 0, 0)}`])),
  refused('header repeated, wrong then exact, in one inject call (array value)', json([flipBit(valid, 0, 0), valid])),
  {
    name: 'header name in the vendor\'s spelling X-CALLTRACKING-SIGNATURE, over a real socket',
    request: raw([`X-CALLTRACKING-SIGNATURE: ${valid}`]),
    status: 200,
    dispatched: 1
  },
  {
    name: 'header name in odd letter case X-CallTracking-Signature, over a real socket (names are case-insensitive)',
    request: raw([`X-CallTracking-Signature: ${valid}`]),
    status: 200,
    dispatched: 1
  },
  {
    name: 'header name in lower case x-calltracking-signature, over a real socket',
    request: raw([`x-calltracking-signature: ${valid}`]),
    status: 200,
    dispatched: 1
  },
  {
    name: 'white space around the exact value, over a real socket, is not part of it (RFC 9110 field value)',
    request: raw([`X-CALLTRACKING-SIGNATURE: \t ${valid} \t `]),
    status: 200,
    dispatched: 1
  },
  refused('base64 without padding', json(valid.replace(/=+$/, ''))),
  {
    ...refused('URL-safe alphabet (- and _ for + and /)', json(urlSafeCase.signature.replaceAll('+', '-').replaceAll('/', '_'), urlSafeCase.body)),
    check: (t) => { t.match(urlSafeCase.signature, /[+/]/, 'the exact signature of this body holds + or /, so the URL-safe spelling differs') }
  },
  refused('URL-safe alphabet and no padding',
    json(urlSafeCase.signature.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, ''), urlSafeCase.body)),
  refused('extra trailing character', json(valid + 'A')),
  refused('extra trailing padding', json(valid + '=')),
  refused('extra trailing white space, in one inject call (not trimmed there)', json(valid + ' ')),
  refused('one bit off in the first byte of the digest', json(flipBit(valid, 0, 7))),
  refused('one bit off in the last byte of the digest', json(flipBit(valid, 19, 0))),
  {
    ...refused('same digest bytes, non-canonical base64 spelling (a lenient decoder would accept it)', json(nonCanonical(valid))),
    check: (t) => {
      t.not(nonCanonical(valid), valid, 'the text differs')
      t.same(Buffer.from(nonCanonical(valid), 'base64'), Buffer.from(valid, 'base64'), 'yet it decodes to the same 20 bytes')
    }
  },
  refused('letter case changed', json(valid.toLowerCase() === valid ? valid.toUpperCase() : valid.toLowerCase())),
  refused('1,000 characters long', json('A'.repeat(1000))),
  refused('the exact signature followed by 972 more characters (1,000 in all)', json(valid + 'B'.repeat(972))),
  refused('28 characters, one of them not ASCII', json(valid.slice(0, 27) + 'é')),
  refused('the hex digest instead of base64', json(createHmac('sha1', KEY).update('x').digest('hex'))),
  {
    name: 'a header of 20,000 characters, over a real socket: Node refuses it (431) before the plugin sees it',
    request: raw([`X-CALLTRACKING-SIGNATURE: ${'A'.repeat(20000)}`]),
    status: 431,
    dispatched: 0
  },
  refused('valid for another body (another call id)', json(signJson(JSON.stringify({ ...callSample(), data: { ...callSample().data, id: 'call-other' } })))),
  refused('valid for another URL (the typed URL with http:)', json(signJson(body, { url: URL_AS_TYPED.replace('https:', 'http:') }))),
  refused('valid for the request\'s own path, without scheme and host', json(signJson(body, { url: PATH }))),
  refused('signed with a key the server does not have', json(signJson(body, { key: FOREIGN_KEY }))),
  refused('an HMAC of the raw body bytes instead of the signature base string', json(createHmac('sha1', KEY).update(body).digest('base64'))),
  {
    name: 'rotation: either configured key passes (the old one here)',
    setup: { key: [KEY, OLD_KEY] },
    request: json(signJson(body, { key: OLD_KEY })),
    status: 200,
    dispatched: 1
  },
  {
    name: 'rotation: either configured key passes (the new one here)',
    setup: { key: [KEY, OLD_KEY] },
    request: json(valid),
    status: 200,
    dispatched: 1
  },
  {
    ...refused('rotation: a key outside the list is refused', json(signJson(body, { key: FOREIGN_KEY }))),
    setup: { key: [KEY, OLD_KEY] }
  }
]
