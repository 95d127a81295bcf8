// The remembered key segments of unflattenPairs (lib/signature/unflatten.ts): the same reading from memory, bounded memory.
import t from 'tap'
import { rememberedKeyPlanCount, unflattenPairs } from '../../lib/signature/unflatten.js'

t.test('a remembered key reads as it did the first time, forbidden segments included', async t => {
  const pairs: Array<[string, string]> = [['data[account][id]', 'acc-1'], ['data[__proto__][x]', 'y'], ['data[list][]', 'a'], ['data[list][]', 'b']]
  const first = unflattenPairs(pairs)
  const second = unflattenPairs(pairs)
  t.strictSame(first, { data: { account: { id: 'acc-1' }, list: ['a', 'b'] } })
  t.strictSame(second, first)
  t.equal(Object.getPrototypeOf(second.data), Object.prototype, 'no prototype change from the remembered forbidden key')
})

t.test('a key with a lone surrogate keeps its exact segments from memory', async t => {
  const key = 'a[\uD800]'
  t.strictSame(unflattenPairs([[key, '1']]), { a: { '\uD800': '1' } })
  t.strictSame(unflattenPairs([[key, '2']]), { a: { '\uD800': '2' } })
})

t.test('remembered keys stay bounded in number and length', async t => {
  const before = rememberedKeyPlanCount()
  unflattenPairs([['k'.repeat(129) + '[x]', '1']])
  t.equal(rememberedKeyPlanCount(), before, 'a key longer than 128 characters is not remembered')
  unflattenPairs([['K'.repeat(125) + '[x]', '1']])
  t.equal(rememberedKeyPlanCount(), before + 1, 'a key of 128 characters is')
  const pairs = Array.from({ length: 1500 }, (_, index): [string, string] => [`key${index}[a]`, 'v'])
  const decoded = unflattenPairs(pairs)
  t.equal(Object.keys(decoded).length, 1500)
  t.strictSame(decoded.key1499, { a: 'v' })
  const count = rememberedKeyPlanCount()
  t.ok(count > 0 && count <= 1024, `at most 1024 keys remembered (${count})`)
})

t.test('depth is checked on every read, remembered or not', async t => {
  const key = 'a[b][c]'
  t.strictSame(unflattenPairs([[key, '1']], { maxDepth: 2 }), { a: { b: { c: '1' } } })
  t.throws(() => unflattenPairs([[key, '1']], { maxDepth: 1 }), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 })
})
