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
  const list = (length: number): Record<string, unknown> => ({ longList: Array.from({ length }, (_, index) => ({ a: { b: String(index) } })) })
  t.equal(flattenPayload(list(64)).length, 64)
  const before = rememberedChildKeyCount()
  const pairs = flattenPayload(list(200))
  t.equal(pairs.length, 200)
  t.strictSame(pairs[150], ['longList[150][a][b]', '150'])
  t.equal(rememberedChildKeyCount(), before, 'the 136 items past the 64th, and the keys under them, add nothing')
})

/** How many parents and keys flattening `payload` adds to the memory. */
function remembered (payload: Record<string, unknown>): number {
  const before = rememberedChildKeyCount()
  flattenPayload(payload)
  return rememberedChildKeyCount() - before
}

t.test('what is remembered, exactly: each parent (top-level or remembered itself) and each key under it, up to 128 characters', async t => {
  // A parent and its two keys.
  t.equal(remembered({ accountA: { id: 'a', name: 'b' } }), 3)
  // Nested: the key under a remembered parent is a parent in its turn.
  t.equal(remembered({ accountB: { inner: { id: 'a' } } }), 4, 'accountB, accountB[inner], and accountB[inner] as a parent, with its key')
  // List items are remembered like object keys (the first 64).
  t.equal(remembered({ listC: [{ x: '1' }, 'y'] }), 5, 'listC, listC[0] as key and as parent, listC[0][x], listC[1]')
  t.equal(remembered({ accountA: { id: 'c', name: 'd' } }), 0, 'nothing new the second time')
  // At the 128-character bounds: a parent of 128 is remembered, and so is a key of 128, which is then a parent too.
  const parent128 = 'P'.repeat(128)
  t.equal(remembered({ [parent128]: { x: '1' } }), 1, 'a 128-character parent; its 131-character key is not kept')
  const parent125 = 'Q'.repeat(125)
  t.equal(remembered({ [parent125]: { c: { x: '1' } } }), 3, `${parent125.length}-character parent, its 128-character key, and that key as a parent (its own key, 131 characters, is not kept)`)
  t.equal(remembered({ ['L'.repeat(125)]: [{ x: '1' }] }), 3, 'the same for a list item key of 128 characters')
  t.equal(remembered({ ['M'.repeat(126)]: [{ x: '1' }] }), 1, 'a list item key of 129 characters is neither kept nor a parent')
  t.equal(remembered({ ['N'.repeat(125)]: { cc: { x: '1' } } }), 1, 'nor an object key of 129 characters')
})

t.test('at most 4,096 remembered: the memory is emptied when it is full, never grows past it', async t => {
  let most = 0
  let emptied = false
  for (let index = 0; index < 5000; index++) {
    const before = rememberedChildKeyCount()
    flattenPayload({ [`bound${index}`]: {} })
    const after = rememberedChildKeyCount()
    most = Math.max(most, after)
    if (after < before) emptied = true
  }
  t.equal(most, 4096, 'it reaches 4,096, not one more')
  t.ok(emptied, 'and was emptied on the way')
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
