// The comparison of the received signature (docs/signature-rule.md, step 6):
// every one of its 28 characters counts. Each row changes exactly one
// character into another ASCII base64 character, so the header keeps its
// length and the length checks cannot be what refuses it; only a comparison
// of every position can (issue 14: a comparison that skipped the last
// character passed the whole suite, since its only row there was non-ASCII).
import t from 'tap'
import { sign, verifySignature } from '../../lib/signature/sign.js'
import { referenceSign } from '../helpers/reference-signer.js'

const KEY = 'mgn-compare-key'
const OTHER_KEY = 'mgn-compare-other-key'
const URL_TYPED = 'https://shop.example/webhooks/magnetis'
const PAYLOAD = [['event', 'call:completed'], ['data[id]', 'call-compare']] as const
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='

const valid = referenceSign(KEY, URL_TYPED, PAYLOAD)

function verifies (signature: string, key: string | string[] = KEY): boolean {
  return verifySignature({ key, url: URL_TYPED, payload: PAYLOAD, signature })
}

function withCharacter (signature: string, position: number, character: string): string {
  return signature.slice(0, position) + character + signature.slice(position + 1)
}

t.test('the signature under test is the reference signer\'s, 28 characters ending in "="', async t => {
  t.equal(valid.length, 28)
  t.match(valid, /^[A-Za-z0-9+/]{27}=$/)
  t.equal(sign(KEY, URL_TYPED, PAYLOAD), valid)
  t.equal(verifies(valid), true)
})

t.test('the last character: "=" changed into any other base64 character is refused', async t => {
  for (const character of ALPHABET.replace('=', '')) {
    t.equal(verifies(withCharacter(valid, 27, character)), false, `…${valid.slice(24, 27)}${character}`)
  }
})

t.test('every position: any other base64 character there is refused', async t => {
  let refused = 0
  let tried = 0
  for (let position = 0; position < valid.length; position++) {
    for (const character of ALPHABET) {
      if (character === valid[position]) continue
      tried++
      if (!verifies(withCharacter(valid, position, character))) refused++
    }
  }
  t.equal(tried, 28 * 64, 'every position, every other character')
  t.equal(refused, tried, 'every one refused')
})

t.test('with a list of keys, every position still counts for each key', async t => {
  const byOther = sign(OTHER_KEY, URL_TYPED, PAYLOAD)
  for (const keys of [[KEY, OTHER_KEY], [OTHER_KEY, KEY]]) {
    t.equal(verifies(valid, keys), true, `first key's signature, keys ${keys.join(', ')}`)
    t.equal(verifies(byOther, keys), true, `second key's signature, keys ${keys.join(', ')}`)
    for (const signature of [valid, byOther]) {
      for (const position of [0, 13, 26, 27]) {
        const character = signature[position] === 'A' ? 'B' : 'A'
        t.equal(verifies(withCharacter(signature, position, character), keys), false, `position ${position} changed, keys ${keys.join(', ')}`)
      }
    }
  }
})
