// The remembered `parent[child]` keys of flattening (lib/signature/flatten.ts): the same pairs from memory, bounded memory.
import t from 'tap'
import { flattenPayload, rememberedChildKeyCount } from '../../lib/signature/flatten.js'

t.test('a remembered key flattens as it did the first time, for objects and list items alike', async t => {
  const payload = { data: { account: { id: 'acc-1' }, list: ['a', { b: 'c' }], empty: {} } }
  const expected = [['data[account][id]', 'acc-1'], ['data[list][0]', 'a'], ['data[list][1][b]', 'c']]
  t.strictSame(flattenPayload(payload), expected)
  t.strictSame(flattenPayload(payload), expected, 'the second time, from memory')
  // The same child under another parent is another key.
  t.strictSame(flattenPayload({ other: { account: { id: 'acc-2' } } }), [['other[account][id]', 'acc-2']])
})

t.test('list items past the first 64, and keys past 128 characters, flatten without being remembered', async t => {
  const items = Array.from({ length: 70 }, (_, index) => String(index))
  t.strictSame(flattenPayload({ list: items }).slice(62, 66), [['list[62]', '62'], ['list[63]', '63'], ['list[64]', '64'], ['list[65]', '65']])
  const before = rememberedChildKeyCount()
  const long = 'p'.repeat(126)
  t.strictSame(flattenPayload({ [long]: { c: '1' } }), [[`${long}[c]`, '1']])
  t.equal(rememberedChildKeyCount(), before + 1, 'the parent is remembered, its 129-character child key is not')
  const longer = 'q'.repeat(129)
  t.strictSame(flattenPayload({ [longer]: { c: '1' } }), [[`${longer}[c]`, '1']])
  t.equal(rememberedChildKeyCount(), before + 1, 'a parent longer than 128 characters is not remembered either')
})

t.test('nothing is remembered under a list item past the first 64, so a long list does not churn the memory', async t => {
  const list = (length: number): Record<string, unknown> => ({ longList: Array.from({ length }, (_, index) => ({ a: String(index) })) })
  t.equal(flattenPayload(list(64)).length, 64)
  const before = rememberedChildKeyCount()
  const pairs = flattenPayload(list(200))
  t.equal(pairs.length, 200)
  t.strictSame(pairs[150], ['longList[150][a]', '150'])
  t.equal(rememberedChildKeyCount(), before, 'the 136 items past the 64th, and the keys under them, add nothing')
})

t.test('remembered keys stay bounded in number, parents included', async t => {
  // Parents with nothing under them, then parents with one child each: both kinds count.
  const empty = Object.fromEntries(Array.from({ length: 3000 }, (_, index) => [`empty${index}`, {}]))
  t.strictSame(flattenPayload(empty), [])
  const full = Object.fromEntries(Array.from({ length: 3000 }, (_, index) => [`full${index}`, { a: String(index) }]))
  const pairs = flattenPayload(full)
  t.equal(pairs.length, 3000)
  t.strictSame(pairs[2999], ['full2999[a]', '2999'])
  const count = rememberedChildKeyCount()
  t.ok(count > 0 && count <= 4096, `at most 4096 remembered (${count})`)
})
