// The form split (lib/body/form-pairs.ts) against the independent byte-level reference parser, on ASCII bodies
// (the vendor's: http_build_query escapes every other byte) and on the remembered-keys path.
import t from 'tap'
import fc from 'fast-check'
import { formPairs, rememberedKeyCount } from '../../lib/body/form-pairs.js'
import { referenceFormPairs } from '../helpers/reference-signer.js'

const numRuns = Number(process.env.FUZZ_RUNS) || 300
const parameters = { numRuns, seed: Number(process.env.FUZZ_SEED ?? 20261130) }

const escape = (byte: number): string => '%' + byte.toString(16).padStart(2, '0')
// ASCII pieces biased to what the split and the decoding turn on: separators, escapes valid or not, UTF-8 sequences whole or cut.
const piece = fc.oneof(
  fc.constantFrom('&', '=', '+', '%', '%2', '%zz', '%25', '%2B', '%26', '%3D', '%5B', '%5D', '[', ']', '?', 'a', 'B', '0', ' '),
  fc.integer({ min: 0, max: 255 }).map(escape),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }).map(text => Array.from(Buffer.from(text, 'utf8'), escape).join('')),
  fc.integer({ min: 0x20, max: 0x7e }).map(code => String.fromCharCode(code))
)
const asciiBody = fc.array(piece, { maxLength: 40 }).map(pieces => pieces.join(''))

t.test('any ASCII body reads as the reference parser reads it', async t => {
  await fc.assert(fc.property(asciiBody, body => {
    const expected = JSON.stringify(referenceFormPairs(body))
    // Twice: the second read takes remembered keys.
    return JSON.stringify(formPairs(body)) === expected && JSON.stringify(formPairs(Buffer.from(body, 'latin1'))) === expected
  }), parameters)
  t.pass(`held for ${numRuns} runs`)
})

t.test('pairs of the vendor\'s shape: escaped brackets in keys, escaped values', async t => {
  const body = 'event=test&data%5Bid%5D=call-1&data%5Bdate%5D=2023-08-30+13%3A57%3A30&data%5Bevents%5D%5B0%5D%5Bname%5D=call%3Ain&data%5Bvisitor%5D%5Bga%5D='
  const expected = [['event', 'test'], ['data[id]', 'call-1'], ['data[date]', '2023-08-30 13:57:30'], ['data[events][0][name]', 'call:in'], ['data[visitor][ga]', '']]
  t.strictSame(formPairs(body), expected)
  t.strictSame(formPairs(body), expected, 'the same from remembered keys')
  t.strictSame(referenceFormPairs(body), expected)
})

t.test('a key that only a fallback decodes, and the same key remembered', async t => {
  for (let round = 0; round < 2; round++) {
    t.strictSame(formPairs('%C3%A9%zz=1&%E9=2&100%=3&a%2=%'), [['é%zz', '1'], ['\uFFFD', '2'], ['100%', '3'], ['a%2', '%']])
  }
})

t.test('a part without "=" and empty parts, in any position', async t => {
  t.strictSame(formPairs('a&&=&b=1=2&c'), [['a', ''], ['', ''], ['b', '1=2'], ['c', '']])
  t.strictSame(formPairs('&'), [])
  t.strictSame(formPairs('x=1&y'), [['x', '1'], ['y', '']], 'the last part has no "=" although an earlier one had')
})

t.test('remembered keys stay bounded in number and length', async t => {
  const long = 'k'.repeat(129)
  const before = rememberedKeyCount()
  formPairs(`${long}=1`)
  t.equal(rememberedKeyCount(), before, 'a key longer than 128 characters is not remembered')
  const atLimit = 'K'.repeat(128)
  formPairs(`${atLimit}=1`)
  t.equal(rememberedKeyCount(), before + 1, 'a key of 128 characters is')
  const many = Array.from({ length: 1500 }, (_, index) => `key${index}=v`).join('&')
  const pairs = formPairs(many)
  t.equal(pairs.length, 1500)
  t.strictSame(pairs[1499], ['key1499', 'v'])
  const count = rememberedKeyCount()
  t.ok(count > 0 && count <= 1024, `at most 1024 keys remembered (${count})`)
  formPairs(many)
  t.ok(rememberedKeyCount() <= 1024, 'still at most 1024 after a second pass')
})

t.test('non-ASCII bodies take the URLSearchParams path and still agree with the reference', async t => {
  for (const body of [Buffer.from('clé=Zoë+😀&x=%C3%A9', 'utf8'), Buffer.from('clé=Zoë+😀', 'utf8'), Buffer.from([0x61, 0x3d, 0xff, 0x25, 0x34, 0x31]), Buffer.from([0x61, 0x3d, 0xff, 0xfe])]) {
    t.strictSame(formPairs(body), referenceFormPairs(body))
  }
})

t.test('keys read by place: the same keys at the same places, moved keys, changed keys, past 128 places, too long to keep', async t => {
  const read = (body: string): void => { t.strictSame(formPairs(body), referenceFormPairs(body), body.slice(0, 60)) }
  read('event=test&data%5Bid%5D=call-1&data%5Bdate%5D=2023-08-30+13%3A57%3A30')
  read('event=call%3Amissed&data%5Bid%5D=call-2&data%5Bdate%5D=2023-08-31+08%3A00%3A00')
  // One key more in front: every later key sits one place further than before.
  read('first=1&event=test&data%5Bid%5D=call-1&data%5Bdate%5D=x')
  // The same place, another key that decodes differently.
  read('a%2Bb=1&event=test&data%5Bid%5D=call-1&data%5Bdate%5D=x')
  const many = Array.from({ length: 130 }, (_, index) => `data%5Bk${index}%5D=${index}`).join('&')
  read(many)
  read(many)
  const long = `${'k'.repeat(129)}%5B0%5D`
  read(`${long}=1&b=2`)
  read(`${long}=3&b=4`)
})
