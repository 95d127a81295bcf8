// The sort inside signatureBaseString (step 3 of docs/signature-rule.md:
// pairs by key, then value, in UTF-8 byte order) on payloads of every size.
// signatureBaseString sorts fewer than 65 pairs by insertion and more with
// Array.prototype.sort, by UTF-16 code units unless a surrogate appears
// (then by comparePairs); each path is checked against the independent
// reference signer. 100 runs per property; FUZZ_RUNS for more.
import t from 'tap'
import fc from 'fast-check'
import { sign, signatureBaseString, verifySignature } from '../../lib/signature/sign.js'
import { referenceBaseString, referenceSign } from '../helpers/reference-signer.js'

// Seeded, so every CI run tries the same cases; FUZZ_SEED=<n> explores others.
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261129) })

const numRuns = Number(process.env.FUZZ_RUNS) || 100
const URL_TYPED = 'https://shop.example/webhooks/magnetis'

// Few distinct keys and values, so equal keys (sorted by value) and equal
// pairs are frequent; shared prefixes as in `data[visitor][utm][0][key]`.
// BMP characters whose UTF-16 and UTF-8 orders agree, without surrogates.
const piece = fc.constantFrom('data[', 'visitor]', '[utm][', '0]', '1]', '10]', '[key]', 'a', 'B', 'é', '\uE000', '\uFFFF', '')
const plainText = fc.array(piece, { maxLength: 4 }).map((parts) => parts.join(''))
// The same, plus astral characters and lone surrogate halves (the exact path).
const surrogatePiece = fc.constantFrom('\u{1F600}', '\u{10000}', '\uD800', '\uDFFF')
const anyText = fc.array(fc.oneof(piece, surrogatePiece), { maxLength: 4 }).map((parts) => parts.join(''))

function pairs (text: fc.Arbitrary<string>, minLength: number, maxLength: number): fc.Arbitrary<Array<[string, string]>> {
  return fc.array(fc.tuple(text, text), { minLength, maxLength })
}

t.test('up to 64 pairs (insertion sort) sort by UTF-8 bytes, key then value', async t => {
  fc.assert(fc.property(pairs(plainText, 0, 64), (list) => {
    return signatureBaseString(URL_TYPED, list) === referenceBaseString(URL_TYPED, list)
  }), { numRuns })
  t.pass(`held for ${numRuns} runs`)
})

t.test('more than 64 pairs (Array.prototype.sort) sort by UTF-8 bytes, key then value', async t => {
  fc.assert(fc.property(pairs(plainText, 65, 200), (list) => {
    return signatureBaseString(URL_TYPED, list) === referenceBaseString(URL_TYPED, list)
  }), { numRuns })
  t.pass(`held for ${numRuns} runs`)
})

t.test('a surrogate anywhere among many pairs takes the exact path', async t => {
  fc.assert(fc.property(pairs(anyText, 0, 150), (list) => {
    return signatureBaseString(URL_TYPED, list) === referenceBaseString(URL_TYPED, list)
  }), { numRuns })
  t.pass(`held for ${numRuns} runs`)
})

t.test('the caller\'s pairs are left in their order', async t => {
  const list: Array<[string, string]> = Array.from({ length: 100 }, (_, index) => [`k${99 - index}`, String(index)])
  const copy = list.map(([key, value]) => [key, value])
  signatureBaseString(URL_TYPED, list)
  signatureBaseString(URL_TYPED, list.slice(0, 10))
  t.same(list, copy)
})

t.test('a large payload verifies against the reference signature, in any arrival order', async t => {
  // 1,000 utm items as a JSON body would flatten them, then reversed.
  const list: Array<[string, string]> = []
  for (let index = 0; index < 1000; index++) {
    list.push([`data[visitor][utm][${index}][key]`, `utm_content_${index}`], [`data[visitor][utm][${index}][value]`, 'spring-sale'])
  }
  list.push(['event', 'test'])
  const signature = referenceSign('s3cret', URL_TYPED, list)
  t.equal(sign('s3cret', URL_TYPED, list), signature)
  t.equal(verifySignature({ key: 's3cret', url: URL_TYPED, payload: list.slice().reverse(), signature }), true)
})

// Keys that never repeat, so the sorted order of a list depends on its keys alone and is remembered (lib/signature/sign.ts).
const distinctKeyPairs = fc.uniqueArray(fc.tuple(plainText, plainText), { selector: ([key]) => key, maxLength: 64 })

t.test('the same keys in the same order again sort from the remembered order, whatever the values', async t => {
  fc.assert(fc.property(distinctKeyPairs, fc.array(plainText, { minLength: 64, maxLength: 64 }), (list, values) => {
    const again = list.map(([key], index) => [key, values[index] as string] as [string, string])
    return signatureBaseString(URL_TYPED, list) === referenceBaseString(URL_TYPED, list) &&
      signatureBaseString(URL_TYPED, again) === referenceBaseString(URL_TYPED, again)
  }), { numRuns })
  t.pass(`held for ${numRuns} runs`)
})

t.test('from the remembered order, values with surrogates (paired or lone) sign as the reference signer signs them', async t => {
  fc.assert(fc.property(distinctKeyPairs, fc.array(anyText, { minLength: 64, maxLength: 64 }), (list, values) => {
    const again = list.map(([key], index) => [key, values[index] as string] as [string, string])
    signatureBaseString(URL_TYPED, list)
    return signatureBaseString(URL_TYPED, again) === referenceBaseString(URL_TYPED, again) && sign('k', URL_TYPED, again) === referenceSign('k', URL_TYPED, again)
  }), { numRuns })
  // A URL that ends in half a character, before an empty key: the half must not meet a value's other half.
  const halfUrl = `${URL_TYPED}\uD83D`
  fc.assert(fc.property(distinctKeyPairs, fc.array(anyText, { minLength: 64, maxLength: 64 }), (list, values) => {
    const again = list.map(([key], index) => [key, values[index] as string] as [string, string])
    sign('k', halfUrl, list)
    return sign('k', halfUrl, again) === referenceSign('k', halfUrl, again)
  }), { numRuns })
  const emptyKey: Array<[string, string]> = [['', '\uDE00x'], ['b', '1']]
  const first = sign('k', halfUrl, emptyKey)
  t.equal(first, referenceSign('k', halfUrl, emptyKey))
  t.equal(sign('k', halfUrl, emptyKey), first, 'the same pairs again: an empty key is never remembered (found by a newcomer trial)')
  const keys: Array<[string, string]> = [['b', '1'], ['a', '2']]
  t.equal(signatureBaseString(URL_TYPED, keys), `${URL_TYPED}a2b1`)
  t.equal(signatureBaseString(URL_TYPED, [['b', '\uDC00'], ['a', 'x\uD83D']]), `${URL_TYPED}ax\uFFFDb\uFFFD`, 'halves in two values, a key between: each U+FFFD')
  t.equal(signatureBaseString(URL_TYPED, [['b', '\u{1F600}'], ['a', '\uE000']]), `${URL_TYPED}a\uE000b\u{1F600}`)
  const astral: Array<[string, string]> = [['a\u{1F600}', '1'], ['a\uE000', '2']]
  t.equal(signatureBaseString(URL_TYPED, astral), `${URL_TYPED}a\uE0002a\u{1F600}1`, 'a key with a surrogate: by UTF-8 bytes')
  t.equal(signatureBaseString(URL_TYPED, astral), `${URL_TYPED}a\uE0002a\u{1F600}1`, 'and again: such keys are never remembered')
})

t.test('repeated keys are sorted by value every time, never from a remembered order', async t => {
  const first: Array<[string, string]> = [['b', '2'], ['a', '1'], ['a', '3']]
  const swapped: Array<[string, string]> = [['b', '2'], ['a', '3'], ['a', '1']]
  t.equal(signatureBaseString(URL_TYPED, first), `${URL_TYPED}a1a3b2`)
  t.equal(signatureBaseString(URL_TYPED, swapped), `${URL_TYPED}a1a3b2`, 'the same keys, the values the other way round')
  t.equal(signatureBaseString(URL_TYPED, swapped), `${URL_TYPED}a1a3b2`, 'and once more')
})

t.test('keys past 128 characters are sorted every time, and the remembered order of shorter ones survives them', async t => {
  const long = 'k'.repeat(129)
  const withLong: Array<[string, string]> = [[long, '1'], ['a', '2']]
  t.equal(signatureBaseString(URL_TYPED, withLong), `${URL_TYPED}a2${long}1`)
  t.equal(signatureBaseString(URL_TYPED, [[long, '3'], ['a', '4']]), `${URL_TYPED}a4${long}3`)
  const short: Array<[string, string]> = [['z', '1'], ['y', '2']]
  t.equal(signatureBaseString(URL_TYPED, short), `${URL_TYPED}y2z1`)
  t.equal(signatureBaseString(URL_TYPED, [['z', '3'], ['y', '4']]), `${URL_TYPED}y4z3`, 'from the remembered order')
  t.equal(signatureBaseString(URL_TYPED, [['y', '5'], ['z', '6']]), `${URL_TYPED}y5z6`, 'the same keys in another order are sorted anew')
})
