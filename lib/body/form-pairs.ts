// Form body → pairs, read as WHATWG URLSearchParams reads the bytes (the rule in read.ts); docs/performance.md, "Form split".
import { isAscii, isUtf8 } from 'node:buffer'
import type { Pair } from '../signature/flatten.js'
import { KeyMemo } from '../signature/key-memo.js'

/** The pairs of a form body in arrival order: split on `&`, then on each part's first `=`, `+` and %XX decoded (`pairsFromBody`). */
export function formPairs (rawBody: Buffer | string): Pair[] {
  const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody
  if (!isAscii(bytes)) return Array.from(new URLSearchParams('&' + nonAsciiFormText(bytes)))
  const text = bytes.toString('latin1')
  const pairs: Pair[] = []
  // The next "=" at or after `start`, found once per "=", so a body of parts without one stays linear.
  let equals = -1
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('&', start)
    if (end === -1) end = text.length
    if (end > start) {
      if (equals < start) {
        equals = text.indexOf('=', start)
        if (equals === -1) equals = text.length
      }
      if (equals < end) pairs.push([keyAt(pairs.length, text.slice(start, equals)), decodeComponent(text.slice(equals + 1, end))])
      else pairs.push([decodeComponent(text.slice(start, end)), ''])
    }
    start = end + 1
  }
  return pairs
}

const decodedKeys = new KeyMemo<string>()

// The keys of the last bodies by place: as sent (the memory's own copies) and decoded. The vendor sends the same keys in
// the same order every time, so the key at a place is most often the one seen there before: one comparison, where the
// memory would hash the fresh slice first. Bounded: the first MAX_PLACES places, keys the memory keeps.
const MAX_PLACES = 128
const sentAt: string[] = []
const decodedAt: string[] = []

/** The decoded key of the pair at `place`, sent as `text`. */
function keyAt (place: number, text: string): string {
  if (sentAt[place] === text) return decodedAt[place] as string
  const entry = decodedKeys.entry(text, decodeComponent)
  if (entry === undefined) return decodeComponent(text)
  if (place < MAX_PLACES) {
    sentAt[place] = entry.key
    decodedAt[place] = entry.value
  }
  return entry.value
}

/** How many decoded keys are remembered (for tests: the memory they take is bounded). */
export function rememberedKeyCount (): number {
  return decodedKeys.size
}

/** One ASCII key or value: `+` is a space, then %XX as URLSearchParams decodes them (decodeURIComponent when every escape is valid UTF-8). */
function decodeComponent (text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text
  if (!spaced.includes('%')) return spaced
  try {
    return decodeURIComponent(spaced)
  } catch {
    // An invalid escape stays literal and bytes that are not UTF-8 become U+FFFD: URLSearchParams' own reading of this part.
    return new URLSearchParams('a=' + text).get('a') as string
  }
}

/** Text Node's URLSearchParams decodes as WHATWG decodes these bytes: no escapes, or ASCII with every other byte escaped (docs/performance.md, "Form split"). */
function nonAsciiFormText (bytes: Buffer): string {
  if (!bytes.includes(PERCENT) && isUtf8(bytes)) return bytes.toString('utf8')
  return bytes.toString('latin1').replace(NON_ASCII_RUN, escapeBytes)
}

const PERCENT = 0x25
const NON_ASCII_RUN = /[\x80-\xff]+/g
const BYTE_ESCAPES = Array.from({ length: 256 }, (_, byte) => '%' + byte.toString(16).toUpperCase().padStart(2, '0'))

function escapeBytes (run: string): string {
  let escaped = ''
  for (let index = 0; index < run.length; index++) escaped += BYTE_ESCAPES[run.charCodeAt(index)]
  return escaped
}
