// A lone surrogate half reads as U+FFFD in each key and value on its own
// (docs/signature-rule.md, step 4: each part is UTF-8 encoded), even when the
// whole signature base string is made of surrogate halves: with an empty URL,
// two halves in adjacent parts must not join into one character.
import t from 'tap'
import { sign, signatureBaseString } from '../../lib/signature/sign.js'
import { referenceBaseString, referenceSign } from '../helpers/reference-signer.js'

t.test('a base string of surrogate halves only: each half is U+FFFD, never joined with its neighbour', async t => {
  const pairs = [['\uD83D', '\uDE00']] as const
  t.equal(referenceBaseString('', pairs), '\uFFFD\uFFFD', 'the reference signer encodes each part on its own')
  t.equal(signatureBaseString('', pairs), '\uFFFD\uFFFD')
  t.not(signatureBaseString('', pairs), '\u{1F600}', 'not the emoji the two halves would make together')
  t.equal(sign('k', '', pairs), referenceSign('k', '', pairs))
})

t.test('a well-formed astral character alone stays itself', async t => {
  const pairs = [['\u{1F600}', '\u{1F601}']] as const
  t.equal(signatureBaseString('', pairs), '\u{1F600}\u{1F601}')
  t.equal(signatureBaseString('', pairs), referenceBaseString('', pairs))
})
