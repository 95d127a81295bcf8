// The UTF-8 byte order of compareUtf8 (lib/signature/sign.ts; step 3 of
// docs/signature-rule.md) at the edges of the ranges it treats apart: below
// the surrogates (up to U+D7FF), the private use area and above (U+E000 to
// U+FFFF), and the characters above U+FFFF, whose surrogate halves start at
// 0xD800. Every pair of edge characters is compared with Buffer.compare on
// the UTF-8 bytes, the order the sender's sort sees.
import t from 'tap'
import { compareUtf8, signatureBaseString } from '../../lib/signature/sign.js'
import { referenceBaseString } from '../helpers/reference-signer.js'

const EDGES = ['\u0000', 'A', '\u007F', '\u0080', '\u07FF', '\u0800', '\uB7FF', '\uB800', '\uC000', '\uD7A3', '\uD7FF',
  '\uE000', '\uE001', '\uF7FF', '\uF800', '\uFFFF', '\u{10000}', '\u{103FF}', '\u{10400}', '\u{1F600}', '\u{10FFFF}']

const bytesOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

t.test('every pair of edge characters, alone, after a common prefix, and one longer than the other, compares as its UTF-8 bytes', async t => {
  let agreed = 0
  let tried = 0
  const disagreements: string[] = []
  for (const a of EDGES) {
    for (const b of EDGES) {
      for (const [left, right] of [[a, b], ['k' + a, 'k' + b], [a + 'x', b], [a, b + 'x']]) {
        tried++
        if (Math.sign(compareUtf8(left as string, right as string)) === bytesOrder(left as string, right as string)) agreed++
        else disagreements.push(`${JSON.stringify(left)} vs ${JSON.stringify(right)}`)
      }
    }
  }
  t.strictSame(disagreements.slice(0, 5), [])
  t.equal(agreed, tried, `${tried} comparisons`)
})

t.test('the signature base string sorts keys at those edges as the reference signer does', async t => {
  // Reversed, so that the sort has to move every pair.
  const pairs = EDGES.map((character, index) => [`k${character}`, String(index)] as [string, string]).reverse()
  t.equal(signatureBaseString('https://shop.example/hook', pairs), referenceBaseString('https://shop.example/hook', pairs))
  const withoutAstral = pairs.filter(([key]) => key.length === 2)
  t.equal(signatureBaseString('https://shop.example/hook', withoutAstral), referenceBaseString('https://shop.example/hook', withoutAstral), 'and without a character above U+FFFF (the fast path)')
})
