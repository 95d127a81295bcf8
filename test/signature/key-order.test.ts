// Pairs joined in key order (lib/signature/key-order.ts, joinedPairsInKeyOrder): each object's keys and each list's
// indexes sorted on their own give the flat keys' sorted order (docs/design.md, "Key order"). Checked against the
// independent reference signer, which flattens and then sorts every pair by UTF-8 bytes. 200 runs per property,
// seeded; FUZZ_RUNS=10000 for a longer search.
import t from 'tap'
import fc from 'fast-check'
import { childOrder, itemOrder, topLevelOrder } from '../../lib/signature/key-order.js'
import { flattenParsedJson, joinedPairsInKeyOrder } from '../../lib/signature/flatten.js'
import { referenceBaseBytes, referenceBaseString } from '../helpers/reference-signer.js'

const numRuns = Number(process.env.FUZZ_RUNS) || 200
const seed = Number(process.env.FUZZ_SEED ?? 20261201)

/** The order a plain sort of the flat key texts gives (code units, as `<` compares). */
function sortedBy (texts: string[]): number[] {
  return texts.map((_, index) => index).sort((x, y) => texts[x]! < texts[y]! ? -1 : texts[x]! > texts[y]! ? 1 : 0)
}

t.test('itemOrder: indexes sorted as `index]` texts, so 10 comes before 1; each index followed by "]"', async t => {
  for (const length of [0, 1, 9, 10, 11, 12, 101, 1234]) {
    const { order, closed } = itemOrder(length)
    const texts = Array.from({ length }, (_, index) => `${index}]`)
    t.strictSame(order, sortedBy(texts), `${length} items`)
    t.strictSame(closed, texts)
  }
  t.strictSame(itemOrder(12).order, [0, 10, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.equal(itemOrder(1234), itemOrder(1234), 'the last long list\'s order is kept')
  const five = itemOrder(5)
  const ten = itemOrder(10)
  itemOrder(1234)
  t.equal(itemOrder(5), five, 'lists of up to 10 items take a fixed order, whatever came between')
  t.equal(itemOrder(10), ten)
  const eleven = itemOrder(11)
  itemOrder(12)
  t.not(itemOrder(11), eleven, 'longer ones: only the last one is kept')
  t.equal(itemOrder(65536), itemOrder(65536), 'a list of 65,536 items is kept')
  t.not(itemOrder(65537), itemOrder(65537), 'a longer one is not')
})

t.test('childOrder: keys sorted as `key]` texts; a bracket anywhere gives undefined', async t => {
  const names = ['a0', 'a', 'ab', 'a\\', 'a^', 'aZ', '', 'é', '\uFFFF', 'A']
  const ordered = childOrder(names)!
  t.strictSame(ordered.order, sortedBy(names.map((name) => `${name}]`)))
  t.strictSame(ordered.order.map((at) => names[at]), ['A', '', 'a0', 'aZ', 'a\\', 'a', 'a^', 'ab', 'é', '\uFFFF'], '"]" after "A]"; "a]" after "a\\\\]" and before "a^]"')
  t.strictSame(ordered.closed, names.map((name) => `${name}]`))
  t.equal(childOrder([...names]), ordered, 'the same keys again: the kept order')
  t.equal(childOrder(['a', 'b[']), undefined)
  t.equal(childOrder(['a]', 'b']), undefined)
  const many = Array.from({ length: 70 }, (_, index) => `k${index}`)
  t.not(childOrder(many), childOrder([...many]), 'more than 64 keys are not kept')
  t.strictSame(childOrder(many)!.order, sortedBy(many.map((name) => `${name}]`)))
  const long = ['b', 'a'.repeat(129)]
  t.not(childOrder(long), childOrder([...long]), 'a key over 128 characters is not kept')
  t.strictSame(childOrder(long)!.order, [1, 0])
  const longest = ['b', 'a'.repeat(128)]
  t.equal(childOrder(longest), childOrder([...longest]), 'one of 128 is')
  const most = many.slice(0, 64)
  t.equal(childOrder(most), childOrder([...most]), '64 keys are kept')
  const sets = [['p'], ['q', 'r'], ['s'], ['t', 'u']]
  const orders = sets.map((set) => childOrder(set))
  t.ok(sets.every((set, index) => childOrder([...set]) === orders[index]), 'the last four orders are kept, each found again')
})

t.test('topLevelOrder: a value\'s key alone, an object\'s or a list\'s key followed by "["', async t => {
  const payload = { a: { b: 1 }, a0: 1, aZ: [1], a_: 'x', '': 'y' }
  const names = Object.keys(payload)
  t.strictSame(topLevelOrder(payload, names)!.map((at) => names[at]), ['', 'a0', 'aZ', 'a', 'a_'], '"a[" sorts after "aZ[" and before "a_"')
  t.strictSame(topLevelOrder({ b: 'x', ba: { c: 1 } }, ['b', 'ba']), [0, 1], 'a value\'s key before any key it begins')
  t.equal(topLevelOrder({ 'a[b]': 1 }, ['a[b]']), undefined)
  t.strictSame(topLevelOrder({ 'a\u0000': 'y', a: 'x' }, ['a\u0000', 'a']), [1, 0], 'a value\'s key before a longer one, even one that goes on with U+0000')
  t.strictSame(topLevelOrder({ 'a\u0000': 'y', a: {} }, ['a\u0000', 'a']), [0, 1], 'an object\'s goes on with "["')
})

// Keys without brackets or surrogates, made of the characters that decide the order near "]" (U+005D) and "[" (U+005B).
const unit = fc.constantFrom('a', 'b', 'Z', '0', '1', '9', '\\', '^', '_', '`', 'é', '\uE000', '\uFFFF', ' ', '.', '\u0000', '')
const name = fc.string({ unit, maxLength: 4 })
// Values may hold anything, surrogates (paired or lone) and brackets included: they are never compared.
const valueUnit = fc.oneof(unit, fc.constantFrom('[', ']', '\u{1F600}', '\uD800', '\uDC00', '\uDBFF'))
const valueText = fc.string({ unit: valueUnit, maxLength: 5 })
const { payload } = fc.letrec(tie => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 },
    valueText, fc.integer(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 14 }),
    fc.dictionary(name, tie('value'), { maxKeys: 6 })),
  payload: fc.dictionary(name, tie('value'), { maxKeys: 6 })
}))

t.test('joined in key order, the pairs are the reference signer\'s sorted pairs (property)', async t => {
  let joined = 0
  await fc.assert(fc.property(payload, (value) => {
    const json = JSON.parse(JSON.stringify(value)) as Record<string, unknown>
    const read = joinedPairsInKeyOrder(json)
    if (read === undefined) return false
    joined++
    // What is hashed: the URL, then each piece, each UTF-8 encoded on its own (lone surrogates as U+FFFD).
    const hashed = Buffer.concat(['https://shop.example/hook', ...read.joined].map((part) => Buffer.from(part, 'utf8')))
    return hashed.equals(referenceBaseBytes('https://shop.example/hook', json)) && read.forbiddenKeys === flattenParsedJson(json)!.forbiddenKeys
  }), { numRuns, seed })
  t.equal(joined, numRuns, 'every run was joined in key order (none fell back)')
})

t.test('a body larger than one piece: the pieces, end to end, are the reference signer\'s sorted pairs', async t => {
  const json = JSON.parse(JSON.stringify({ list: Array.from({ length: 1500 }, (_, index) => ({ a: `x${index}`, a0: index, 'a b': [true, false, null, 'z'] })) })) as Record<string, unknown>
  const read = joinedPairsInKeyOrder(json)!
  t.ok(read.joined.length > 2, `${read.joined.length} pieces`)
  t.equal(read.joined.join(''), referenceBaseString('', json))
  t.ok(read.joined.every((piece) => piece.startsWith('list[')), 'every piece begins with a key, so no surrogate pair is split between two')
})

t.test('a forbidden key below the top is noticed, with a text or an object under it, and still signed', async t => {
  for (const text of ['{"a":{"b":"x","constructor":"y"}}', '{"a":[{"__proto__":{"c":"z"}}]}', '{"a":{"prototype":[1]}}']) {
    const parsed = JSON.parse(text) as Record<string, unknown>
    const read = joinedPairsInKeyOrder(parsed)!
    t.equal(read.forbiddenKeys, true, text)
    t.equal(read.joined.join(''), referenceBaseString('', parsed))
  }
  t.equal(joinedPairsInKeyOrder(JSON.parse('{"a":[{"__proto__":{"c":"z"}}]}'))!.joined.join(''), 'a[0][__proto__][c]z', 'JSON.parse\'s own "__proto__" key')
})

t.test('what key order cannot serve gives undefined, for the caller to sort', async t => {
  t.equal(joinedPairsInKeyOrder({ 'a[b]': '1', a: { b: '2' } }), undefined, 'a bracket in a key: two pairs may share one key')
  t.equal(joinedPairsInKeyOrder({ a: { 'b]': '1' } }), undefined, 'a closing bracket below the top')
  t.equal(joinedPairsInKeyOrder({ a: [{ b: { 'c[': 1 } }] }), undefined, 'deep inside a list')
  t.equal(joinedPairsInKeyOrder({ 'a\u{1F600}': '1', 'a\uE000': '2' }), undefined, 'a surrogate pair in a key, which sorts after U+E000 in UTF-8')
  t.equal(joinedPairsInKeyOrder({ a: [{ '\uD800': '1' }] }), undefined, 'a lone surrogate in a key below the top')
  t.equal(joinedPairsInKeyOrder({ a: '\uD800', b: '\uDC00' })!.joined.join(''), 'a\uD800b\uDC00', 'lone surrogates in values: the key between keeps them apart')
  t.equal(joinedPairsInKeyOrder({ a: 1e15 }), undefined, 'a number whose text depends on its literal')
  t.throws(() => joinedPairsInKeyOrder({ a: { b: { c: 1 } } }, 1), { statusCode: 400, message: /deeper than 1/ })
})
