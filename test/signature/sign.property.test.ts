// Properties of the signature rule (docs/signature-rule.md), checked on
// random payloads, bodies, URLs and keys against the independent reference
// signer. 200 runs per property by default, seeded; FUZZ_RUNS=10000 for a
// longer search, FUZZ_SEED=<n> for other cases or to replay a failure.
import t from 'tap'
import fc from 'fast-check'
import { sign, signatureBaseString, verifySignature } from '../../lib/signature/sign.js'
import { pairsFromBody } from '../../lib/body/read.js'
import { httpBuildQuery, referenceBaseBytes, referenceBaseString, referenceFormPairs, referenceSign } from '../helpers/reference-signer.js'

const numRuns = Number(process.env.FUZZ_RUNS) || 200
// Seeded, so every CI run tries the same cases; FUZZ_SEED=<n> explores others.
const seed = Number(process.env.FUZZ_SEED ?? 20261129)
const parameters = { numRuns, seed }
const FORM = 'application/x-www-form-urlencoded'

/** Runs one property; fast-check's error (with seed and shrunk counterexample) fails the test. */
function holds (t: Tap, name: string, property: fc.IProperty<any> | fc.IAsyncProperty<any>): void {
  t.test(name, async t => {
    await fc.assert(property, parameters)
    t.pass(`held for ${numRuns} runs`)
  })
}
type Tap = typeof t

// Text: any code point (the whole of Unicode, astral planes included), with
// the characters that matter to the rule made likely.
const special = fc.constantFrom('&', '=', '+', '%', '%20', '[', ']', '?', ' ', 'B', 'a', '\uE000', '\uFFFD', '\u{1F600}', 'é', '\uFEFF', '')
const text = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), special), maxLength: 10 })
// Text that may also hold lone surrogates, as a JSON "\ud800" escape can.
const loneSurrogate = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', '\uDE00')
const rawText = fc.string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), special, loneSurrogate), maxLength: 10 })

// Mostly short lists, sometimes long ones (over 64 pairs sort another way).
const pairsOf = (part: fc.Arbitrary<string>): fc.Arbitrary<Array<[string, string]>> => fc.oneof(
  { arbitrary: fc.array(fc.tuple(part, part), { maxLength: 12 }), weight: 9 },
  { arbitrary: fc.array(fc.tuple(part, part), { minLength: 60, maxLength: 90 }), weight: 1 })
const pairList = pairsOf(text)
const rawPairList = pairsOf(rawText)

// Objects of strings, numbers, booleans, null, arrays and nested objects.
const { payload } = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 5 },
    text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 })),
  payload: fc.dictionary(text, tie('value'), { maxKeys: 6 })
}))
const objectPayload = payload as fc.Arbitrary<Record<string, unknown>>

const url = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.string({ unit: 'binary', maxLength: 40 })
)
const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 70 })

holds(t, 'verifySignature(sign(…)) holds for random objects and URLs, and lib signs as the reference signer',
  fc.property(key, url, objectPayload, (key, url, payload) => {
    const signature = sign(key, url, payload)
    return signature === referenceSign(key, url, payload) && verifySignature({ key, url, payload, signature })
  }))

holds(t, 'verifySignature(sign(…)) holds for random unicode pair lists (lone surrogates included)',
  fc.property(key, url, rawPairList, (key, url, pairs) => {
    const signature = sign(key, url, pairs)
    return signature === referenceSign(key, url, pairs) && verifySignature({ key, url, payload: pairs, signature })
  }))

holds(t, 'signatureBaseString equals the reference base for random objects',
  fc.property(url, objectPayload, (url, payload) => signatureBaseString(url, payload) === referenceBaseString(url, payload)))

holds(t, 'signatureBaseString equals the reference base for random pair lists, as text and as the UTF-8 bytes HMAC\'d',
  fc.property(url, rawPairList, (url, pairs) => {
    const base = signatureBaseString(url, pairs)
    return base === referenceBaseString(url, pairs) && Buffer.from(base, 'utf8').equals(referenceBaseBytes(url, pairs))
  }))

holds(t, 'the pairs are sorted: any arrival order gives the same signature',
  fc.property(rawPairList.chain(pairs => fc.tuple(fc.constant(pairs), fc.shuffledSubarray(pairs, { minLength: pairs.length }))),
    ([pairs, shuffled]) => sign('k', 'u', pairs) === sign('k', 'u', shuffled)))

// Form bodies of random bytes, biased to the syntax that matters.
const formByte = fc.oneof(
  fc.constantFrom(...Buffer.from('&=+%?[]').values()),
  fc.constantFrom(...Buffer.from('0123456789abcdefABCDEFxyz').values()),
  fc.integer({ min: 0, max: 255 })
)
// UTF-8 text where each byte is sent raw or as a %XX escape, at random.
const mixedEscapes = fc.tuple(text, text, fc.array(fc.boolean(), { minLength: 16, maxLength: 16 })).map(([key, value, mask]) => {
  let index = 0
  const write = (part: string): string => Array.from(Buffer.from(part, 'utf8'), byte =>
    mask[index++ % mask.length] === true ? '%' + byte.toString(16).padStart(2, '0') : String.fromCharCode(byte)).join('')
  return Buffer.from(write(key) + '=' + write(value), 'latin1')
})
const formBody = fc.oneof(
  fc.array(formByte, { maxLength: 60 }).map(bytes => Buffer.from(bytes)),
  pairList.map(pairs => Buffer.from(httpBuildQuery(pairs))),
  mixedEscapes
)

holds(t, 'pairsFromBody reads any form body as the reference parser does',
  fc.property(formBody, body => {
    const pairs = pairsFromBody(body, FORM)
    const reference = referenceFormPairs(body)
    return JSON.stringify(pairs) === JSON.stringify(reference)
  }))

holds(t, 'a form body written from pairs reads back as those pairs (spaces as %20 or +)',
  fc.property(pairList, fc.boolean(), (pairs, spaceAsPlus) =>
    JSON.stringify(pairsFromBody(httpBuildQuery(pairs, { spaceAsPlus }), FORM)) === JSON.stringify(pairs)))

/**
 * A one-byte edit of a form body keeps its signature exactly when it keeps
 * the signature base string, which the reference signer decides. Such edits
 * exist because the rule signs decoded pairs joined with no separator: the
 * case of a hex letter in a %XX escape, "k=" → "k&", and moving the boundary
 * between a key and its value ("=%26" → "&%26": ["", "&"] and ["&", ""] both
 * add "&"). They must stay rare: most edits must fail.
 */
t.test('changing any single byte of a form body makes verification fail, unless the reference base string is unchanged', async t => {
  let kept = 0
  let tried = 0
  await fc.assert(fc.property(url, pairList.filter(pairs => pairs.length > 0), fc.nat(), fc.integer({ min: 1, max: 255 }), (url, pairs, where, delta) => {
    const body = Buffer.from(httpBuildQuery(pairs))
    fc.pre(body.length > 0)
    const index = where % body.length
    const mutated = Buffer.from(body)
    mutated[index] = ((body[index] as number) + delta) % 256
    const signature = sign('k', url, pairsFromBody(body, FORM))
    const sameBase = referenceBaseString(url, referenceFormPairs(mutated)) === referenceBaseString(url, referenceFormPairs(body))
    tried++
    if (sameBase) kept++
    return verifySignature({ key: 'k', url, payload: pairsFromBody(mutated, FORM), signature }) === sameBase
  }), parameters)
  t.ok(kept <= tried / 10, `${kept} of ${tried} one-byte edits kept the base string (and verified); every other one failed`)
})

/** Replaces the code point at `where` (modulo the length) with `replacement`, which must differ. */
function replaceCodePoint (text: string, where: number, replacement: string): string | undefined {
  const codePoints = Array.from(text)
  if (codePoints.length === 0) return undefined
  const index = where % codePoints.length
  if (codePoints[index] === replacement) return undefined
  codePoints[index] = replacement
  return codePoints.join('')
}

const codePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })

holds(t, 'changing any character of the URL makes verification fail',
  fc.property(url, objectPayload, fc.nat(), codePoint, (url, payload, where, replacement) => {
    const changed = replaceCodePoint(url, where, replacement)
    fc.pre(changed !== undefined)
    const signature = sign('k', url, payload)
    return !verifySignature({ key: 'k', url: changed as string, payload, signature })
  }))

holds(t, 'changing any character of the signature key makes verification fail',
  fc.property(key, url, pairList, fc.nat(), codePoint, (key, url, pairs, where, replacement) => {
    const changed = replaceCodePoint(key, where, replacement)
    fc.pre(changed !== undefined)
    const signature = sign(key, url, pairs)
    return !verifySignature({ key: changed as string, url, payload: pairs, signature }) &&
      verifySignature({ key: [changed as string, key], url, payload: pairs, signature })
  }))

holds(t, 'any other header value is refused without throwing',
  fc.property(pairList, fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.base64String({ minLength: 28, maxLength: 28 }), fc.anything()), (pairs, header) => {
    const right = sign('k', 'u', pairs)
    fc.pre(header !== right)
    return verifySignature({ key: 'k', url: 'u', payload: pairs, signature: header as string }) === false
  }))
