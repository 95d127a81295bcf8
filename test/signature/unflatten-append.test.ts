// Two rules of unflattenPairs (lib/signature/unflatten.ts) at their edges:
// where `a[]` appends to an object (PHP: the largest integer key + 1, where an
// integer key is "0" or digits without a leading zero, here at most 15 of
// them so the number stays exact), and the body-wide budget of null holes,
// which a pair that lands inside an array never refills.
import t from 'tap'
import { unflattenPairs } from '../../lib/signature/unflatten.js'

const pairs = (body: string): Array<[string, string]> => body.split('&').map((part) => part.split('=') as [string, string])

t.test('a[] on an object appends after its largest integer key, the key just set included', async t => {
  t.strictSame(unflattenPairs(pairs('a[b]=1&a[0]=x&a[]=y')), { a: { b: '1', 0: 'x', 1: 'y' } })
  t.strictSame(unflattenPairs(pairs('a[b]=1&a[7]=x&a[3]=z&a[]=y')), { a: { b: '1', 3: 'z', 7: 'x', 8: 'y' } })
})

t.test('a key that is not an integer key leaves the next index alone', async t => {
  t.strictSame(unflattenPairs(pairs('a[b]=1&a[01]=x&a[]=y')), { a: { b: '1', '01': 'x', 0: 'y' } }, '"01" has a leading zero')
  t.strictSame(unflattenPairs(pairs('a[b]=1&a[1.5]=x&a[]=y')), { a: { b: '1', 1.5: 'x', 0: 'y' } }, '"1.5" is not an integer')
  t.strictSame(unflattenPairs(pairs('a[b]=1&a[-1]=x&a[]=y')), { a: { b: '1', '-1': 'x', 0: 'y' } }, '"-1" is not an index')
})

t.test('an integer key has at most 15 digits', async t => {
  const fifteen = '999999999999999'
  const decoded = unflattenPairs(pairs(`a[b]=1&a[${fifteen}]=x&a[]=y`)).a as Record<string, string>
  t.equal(decoded['1000000000000000'], 'y', '15 digits: the next index follows it')
  const sixteen = '1000000000000000'
  t.strictSame(unflattenPairs(pairs(`a[b]=1&a[${sixteen}]=x&a[]=y`)), { a: { b: '1', [sixteen]: 'x', 0: 'y' } }, '16 digits: an ordinary key')
})

t.test('the hole budget is spent by holes and never refilled by a pair that lands inside an array', async t => {
  // maxArrayIndex 2: two holes in the whole body. a[1] opens one, a[0] fills it
  // (no new hole, and no hole given back), b[1] opens the second, c[1] has none left.
  t.strictSame(unflattenPairs(pairs('a[1]=x&a[0]=y&b[1]=z&c[1]=w'), { maxArrayIndex: 2 }), {
    a: ['y', 'x'],
    b: [null, 'z'],
    c: { 1: 'w' }
  })
})
