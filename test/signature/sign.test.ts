// The signature rule of docs/signature-rule.md, step by step. Every literal
// signature below was printed once by the independent reference signer
// (test/helpers/reference-signer.ts: byte-wise form parser, Buffer.compare
// sort, node:crypto HMAC, nothing from lib/), with
//   referenceSign(KEY, url, pairs)
// for the url and pairs the test names, and pasted here. Each test checks
// lib against the literal, and the reference signer against it too, so
// neither can drift without a test failing.
import t, { type Test } from 'tap'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
// The public names through the public entry (fastify-magnetis-webhooks/signature); the comparators are internal.
import { SIGNATURE_HEADER, pairsFromBody, sign, signatureBaseString, verifySignature } from '../../lib/signature/index.js'
import { comparePairs, compareUtf8, type SignaturePayload } from '../../lib/signature/sign.js'
import { httpBuildQuery, referenceSign, type ReferencePayload } from '../helpers/reference-signer.js'

const KEY = 'mgn-test-signature-key'
const URL_TYPED = 'https://shop.example/webhooks/magnetis'
const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'
const sampleText = readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')
const sample = JSON.parse(sampleText) as Record<string, unknown>

interface Pinned {
  url?: string
  key?: string
  payload: SignaturePayload
  /** the pairs as the reference signer gets them, when `payload` is not a plain list or object */
  reference?: ReferencePayload
  literal: string
}

/** lib signs `payload` as the literal; the reference signer agrees; lib verifies the literal. */
function pinned (t: Test, { url = URL_TYPED, key = KEY, payload, reference, literal }: Pinned): void {
  t.equal(sign(key, url, payload), literal, 'lib signs as the literal')
  t.equal(referenceSign(key, url, reference ?? (payload as ReferencePayload)), literal, 'the reference signer still prints the literal')
  t.equal(verifySignature({ key, url, payload, signature: literal }), true, 'lib verifies the literal')
}

t.test('the header name', async t => {
  t.equal(SIGNATURE_HEADER, 'x-calltracking-signature')
})

t.test('step 1: the URL is used exactly as typed, port and query string included', async t => {
  const typed = 'https://Shop.Example:8443/webhooks/magnetis/?account=acc-42&b=2&a=1'
  const payload = [['event', 'test']] as const
  // referenceSign(KEY, typed, [['event', 'test']])
  pinned(t, { url: typed, payload, literal: 'qc6wUdaRwwuncTZokpuTuih97Fw=' })
  t.equal(signatureBaseString(typed, payload), typed + 'eventtest')

  const normalised = [
    new URL(typed).href, // host lower-cased
    'https://shop.example:8443/webhooks/magnetis/?account=acc-42&b=2&a=1',
    'https://Shop.Example:8443/webhooks/magnetis?account=acc-42&b=2&a=1', // no trailing slash
    'https://Shop.Example:8443/webhooks/magnetis/?a=1&account=acc-42&b=2', // query sorted
    'https://Shop.Example/webhooks/magnetis/?account=acc-42&b=2&a=1', // port dropped
    'https://Shop.Example:8443/webhooks/magnetis/', // query dropped
    'https://Shop.Example:8443/webhooks/magnetis/?account=acc-42&b=2&a=1 ' // trailing space
  ]
  for (const url of normalised) {
    t.not(url, typed)
    t.equal(verifySignature({ key: KEY, url, payload, signature: 'qc6wUdaRwwuncTZokpuTuih97Fw=' }), false, `does not verify: ${JSON.stringify(url)}`)
  }
})

t.test('step 1: a default port stays as typed too', async t => {
  const typed = 'https://shop.example:443/webhooks/magnetis'
  const signature = sign(KEY, typed, [['event', 'test']])
  t.equal(signature, referenceSign(KEY, typed, [['event', 'test']]))
  t.equal(new URL(typed).href, 'https://shop.example/webhooks/magnetis', 'what normalising would give')
  t.equal(verifySignature({ key: KEY, url: new URL(typed).href, payload: [['event', 'test']], signature }), false)
})

t.test('step 1: the URL\'s query string is not read as POST variables', async t => {
  const withQuery = sign(KEY, 'https://shop.example/hook?a=1', [])
  t.equal(withQuery, referenceSign(KEY, 'https://shop.example/hook?a=1', []))
  t.not(withQuery, sign(KEY, 'https://shop.example/hook', [['a', '1']]))
  t.equal(signatureBaseString('https://shop.example/hook?a=1', [['b', '2']]), 'https://shop.example/hook?a=1b2')
})

t.test('step 2: "+" and "%20" in a form body are both a space: same pairs, same signature', async t => {
  const literal = 'oZeEjaJwoydvcOXZQQlFBnGjOl0=' // referenceSign(KEY, URL_TYPED, [['name', 'My account'], ['x', 'a b']])
  for (const body of ['name=My+account&x=a%20b', 'name=My%20account&x=a+b', 'name=My%20account&x=a%20b']) {
    pinned(t, { payload: pairsFromBody(body, FORM), reference: [['name', 'My account'], ['x', 'a b']], literal })
  }
})

t.test('step 2: accented letters and emoji in keys and values are signed as UTF-8', async t => {
  const literal = 'qHIMb/mhe2iR3kdlo8rhq2AM03I=' // referenceSign(KEY, URL_TYPED, [['prénom', 'Zoë 😀'], ['🔑', 'café']])
  const pairs = [['prénom', 'Zoë 😀'], ['🔑', 'café']] as Array<[string, string]>
  pinned(t, { payload: pairs, literal })
  pinned(t, { payload: pairsFromBody('pr%C3%A9nom=Zo%C3%AB+%F0%9F%98%80&%F0%9F%94%91=caf%C3%A9', FORM), reference: pairs, literal })
  pinned(t, { payload: pairsFromBody(JSON.stringify({ prénom: 'Zoë 😀', '🔑': 'café' }), JSON_TYPE), reference: pairs, literal })
  // The same characters decomposed (NFD) are other bytes: nothing is normalised.
  t.equal(verifySignature({ key: KEY, url: URL_TYPED, payload: [['pre\u0301nom', 'Zoe\u0308 😀'], ['🔑', 'cafe\u0301']], signature: literal }), false)
})

t.test('step 2: an empty value and a key without "=" sign alike', async t => {
  const literal = 'a7JXTkuhoBQloCXSHuqHM48CldM=' // referenceSign(KEY, URL_TYPED, [['a', ''], ['b', '2']])
  for (const body of ['a=&b=2', 'a&b=2', 'b=2&a', '&a&&b=2&']) {
    pinned(t, { payload: pairsFromBody(body, FORM), reference: [['a', ''], ['b', '2']], literal })
  }
  t.equal(signatureBaseString(URL_TYPED, [['a', ''], ['b', '2']]), URL_TYPED + 'ab2')
})

t.test('step 2: bracket keys of a form body are kept literal, and sign like the nested JSON', async t => {
  const literal = 'L2lUCmQXq/XJRd7X8W9MO67b8N4=' // referenceSign(KEY, URL_TYPED, [['data[account][id]', 'acc-1'], ['data[account][name]', 'My account'], ['event', 'test']])
  const pairs = [['data[account][id]', 'acc-1'], ['data[account][name]', 'My account'], ['event', 'test']] as Array<[string, string]>
  const form = pairsFromBody('event=test&data%5Baccount%5D%5Bid%5D=acc-1&data[account][name]=My+account', FORM)
  t.strictSame(form.map(([key]) => key), ['event', 'data[account][id]', 'data[account][name]'])
  pinned(t, { payload: form, reference: pairs, literal })
  pinned(t, { payload: { event: 'test', data: { account: { id: 'acc-1', name: 'My account' } } }, literal })
})

t.test('step 2: a leading "?" in a form body is part of the first key', async t => {
  const literal = 'wrYkgmvCsh/a3u9T0LXLODeQ8t0=' // referenceSign(KEY, URL_TYPED, [['?event', 'test']])
  pinned(t, { payload: pairsFromBody('?event=test', FORM), reference: [['?event', 'test']], literal })
  t.equal(verifySignature({ key: KEY, url: URL_TYPED, payload: pairsFromBody('event=test', FORM), signature: literal }), false)
})

t.test('step 2: JSON flatten rules: true "1", false "0", null / [] / {} no pair, numbers as PHP writes them', async t => {
  const literal = '8GRe3RwQZkwEXl7XSNt9LZD60R8=' // referenceSign(KEY, URL_TYPED, { t: true, f: false, n: null, e: [], o: {}, i: 43, x: 1.5, big: 1e21 })
  const payload = { t: true, f: false, n: null, e: [], o: {}, i: 43, x: 1.5, big: 1e21 }
  pinned(t, { payload, literal })
  pinned(t, { payload: pairsFromBody(JSON.stringify(payload), JSON_TYPE), reference: payload, literal })
  t.equal(signatureBaseString(URL_TYPED, payload), URL_TYPED + 'big1.0E+21f0i43t1x1.5')
  pinned(t, { payload: [['t', '1'], ['f', '0'], ['i', '43'], ['x', '1.5'], ['big', '1.0E+21']], literal })
})

t.test('step 2: the seed sample signs the same sent as JSON and as a form', async t => {
  const literal = 'Mcu9kOsZN7ltazndetQ/M7wp9Vk=' // referenceSign(KEY, URL_TYPED, sample)
  pinned(t, { payload: sample, literal })
  pinned(t, { payload: pairsFromBody(sampleText, 'application/json; charset=UTF-8'), reference: sample, literal })
  for (const spaceAsPlus of [false, true]) {
    const form = httpBuildQuery(sample, { spaceAsPlus })
    pinned(t, { payload: pairsFromBody(form, 'application/x-www-form-urlencoded; charset=UTF-8'), reference: sample, literal })
  }
})

t.test('step 2: the signature covers the decoded pairs, not the bytes of the body', async t => {
  const literal = 'ga/sNxuH+x0H5RLToBVCGgNdpnI=' // referenceSign(KEY, URL_TYPED, [['k', ''], ['x', 'é']])
  // Hex case in escapes, "k=" against "k", "+" against "%20" and pair order are not signed.
  for (const body of ['k=&x=%C3%A9', 'k&x=%c3%a9', 'x=%C3%a9&k', Buffer.from('x=é&k=', 'utf8')]) {
    pinned(t, { payload: pairsFromBody(body, FORM), reference: [['k', ''], ['x', 'é']], literal })
  }
  // Nor are JSON's whitespace, member order and escapes.
  for (const body of ['{"k":"","x":"é"}', '{ "x" : "\\u00e9",\n "k": "" }']) {
    pinned(t, { payload: pairsFromBody(body, JSON_TYPE), reference: [['k', ''], ['x', 'é']], literal })
  }
})

t.test('the worked example of docs/signature-rule.md', async t => {
  const url = 'https://shop.example:8443/webhooks/magnetis?account=acc-42'
  const body = '{"event":"call:completed","data":{"id":"call-0c5ac87f","account":{"id":"acc-efd1bbeb","name":"Café Zoë"},' +
    '"duration":43,"missed":false,"firsttime_caller":true,"google_ads_extension":null,"custom_params":[],"Tags":["VIP","😀"]}}'
  const form = 'event=call%3Acompleted&data%5Bid%5D=call-0c5ac87f&data%5Baccount%5D%5Bid%5D=acc-efd1bbeb&data%5Baccount%5D%5Bname%5D=Caf%C3%A9+Zo%C3%AB' +
    '&data%5Bduration%5D=43&data%5Bmissed%5D=0&data%5Bfirsttime_caller%5D=1&data%5BTags%5D%5B0%5D=VIP&data%5BTags%5D%5B1%5D=%F0%9F%98%80'
  const base = 'https://shop.example:8443/webhooks/magnetis?account=acc-42' +
    'data[Tags][0]VIP' + 'data[Tags][1]😀' + 'data[account][id]acc-efd1bbeb' + 'data[account][name]Café Zoë' + 'data[duration]43' +
    'data[firsttime_caller]1' + 'data[id]call-0c5ac87f' + 'data[missed]0' + 'eventcall:completed'
  // referenceSign('whsec-example-key', url, JSON.parse(body))
  const literal = '5GaZoR72hEkfVggWL/k2xsTmSzU='
  for (const [raw, contentType] of [[body, JSON_TYPE], [form, FORM]] as const) {
    const pairs = pairsFromBody(raw, contentType)
    t.equal(signatureBaseString(url, pairs), base, contentType)
    pinned(t, { key: 'whsec-example-key', url, payload: pairs, reference: JSON.parse(body) as Record<string, unknown>, literal })
  }
})

t.test('step 3: repeated keys sign the same in both arrival orders (equal keys sort by value)', async t => {
  const literal = '4C8FBxhxQ/bgibqxra2kz19p96U=' // referenceSign(KEY, URL_TYPED, [['k', '1'], ['k', '2']])
  pinned(t, { payload: pairsFromBody('k=2&k=1', FORM), reference: [['k', '2'], ['k', '1']], literal })
  pinned(t, { payload: pairsFromBody('k=1&k=2', FORM), reference: [['k', '1'], ['k', '2']], literal })
  t.equal(signatureBaseString(URL_TYPED, [['k', '2'], ['k', '1']]), URL_TYPED + 'k1k2')
})

t.test('step 3: keys sort case-sensitively by bytes: "B" before "a"', async t => {
  const literal = 'p4+iyfAQOvSvRuq1F0qvhrmAyhU=' // referenceSign(KEY, URL_TYPED, [['a', '1'], ['B', '2']])
  pinned(t, { payload: [['a', '1'], ['B', '2']], literal })
  pinned(t, { payload: pairsFromBody('a=1&B=2', FORM), reference: [['a', '1'], ['B', '2']], literal })
  t.equal(signatureBaseString(URL_TYPED, [['a', '1'], ['B', '2']]), URL_TYPED + 'B2a1')
  t.equal(verifySignature({ key: KEY, url: URL_TYPED, payload: [['A', '1'], ['B', '2']], signature: literal }), false)
})

t.test('step 3: UTF-8 byte order, not UTF-16 order: a character above U+FFFF sorts after U+E000–U+FFFF', async t => {
  const pairs = [['\u{1F600}', 'astral'], ['\uFFFD', 'replacement'], ['\uE000', 'private use']] as Array<[string, string]>
  const literal = 'dE/36/VvfSn3I9A0mw4+LoMgDw8=' // referenceSign(KEY, URL_TYPED, pairs)
  pinned(t, { payload: pairs, literal })
  t.equal(signatureBaseString(URL_TYPED, pairs), URL_TYPED + '\uE000private use\uFFFDreplacement\u{1F600}astral')
  // A sort by UTF-16 code units (JavaScript's default) puts the emoji first
  // (U+D83D < U+E000) and so signs other bytes.
  const utf16 = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1))
  t.equal(utf16[0]?.[0], '\u{1F600}')
  const utf16Signature = createHmac('sha1', KEY).update(URL_TYPED + utf16.map(([key, value]) => key + value).join('')).digest('base64')
  t.not(utf16Signature, literal)
  t.equal(verifySignature({ key: KEY, url: URL_TYPED, payload: pairs, signature: utf16Signature }), false)
})

t.test('step 3: a payload of many pairs (100, arriving in reverse order) sorts the same way', async t => {
  const many = Array.from({ length: 100 }, (_, i) => [`data[events][${99 - i}][name]`, i % 3 === 0 ? 'call:in' : 'Zoë'] as [string, string])
  // referenceSign(KEY, URL_TYPED, many)
  pinned(t, { payload: many, literal: 'JC3SvXaezcRad3ArsryyqzDALIk=' })
  pinned(t, { payload: [...many].reverse(), reference: many, literal: 'JC3SvXaezcRad3ArsryyqzDALIk=' })
  // With characters above U+FFFF in every tenth key; referenceSign(KEY, URL_TYPED, manyAstral)
  const manyAstral = many.map(([key, value], i) => [i % 10 === 0 ? key + '\u{1F600}' : key, value] as [string, string])
  pinned(t, { payload: manyAstral, literal: '1fr2ClI8xSkHteHyJNnBeqE9470=' })
})

t.test('compareUtf8 orders by UTF-8 bytes', async t => {
  const sign3 = (n: number): number => Math.sign(n)
  const cases: Array<[string, string]> = [
    ['B', 'a'], ['a', 'aa'], ['', 'a'], ['\u00e9', 'z'], ['\u07ff', '\u0800'], ['\uD7FF', '\uE000'],
    ['\uE000', '\u{10000}'], ['\uFFFF', '\u{1F600}'], ['\u{1F600}', '\u{1F601}'], ['\u{10000}', '\u{10FFFF}'],
    ['a\u{1F600}', 'a\uFFFD'], ['x\uE000y', 'x\u{10000}']
  ]
  for (const [a, b] of cases) {
    const bytes = Buffer.compare(Buffer.from(a), Buffer.from(b))
    t.equal(sign3(compareUtf8(a, b)), bytes, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
    t.equal(sign3(compareUtf8(b, a)), -bytes)
  }
  t.equal(compareUtf8('same', 'same'), 0)
  t.equal(comparePairs(['k', 'a'], ['k', 'b']) < 0, true, 'equal keys sort by value')
  t.equal(comparePairs(['k', 'a'], ['k', 'a']), 0)
})

t.test('lone surrogates (possible in JSON: "\\ud800") are signed as U+FFFD, each part on its own', async t => {
  // referenceSign(KEY, URL_TYPED, [['k', '\uD800']])
  const json = pairsFromBody('{"k":"\\ud800"}', JSON_TYPE)
  t.equal(json[0]?.[1], '\uD800')
  pinned(t, { payload: json, reference: [['k', '\uD800']], literal: 'ogtfCKZQGRDgSMNYBINYl13QPn8=' })
  t.equal(signatureBaseString(URL_TYPED, json), URL_TYPED + 'k\uFFFD')

  // referenceSign(KEY, URL_TYPED, [['\uD800\u0000', '1'], ['\uFFFD\uFFFF', '2']]): bytes EF BF BD 00 sort before EF BF BD EF BF BF.
  const sorted = [['\uFFFD\uFFFF', '2'], ['\uD800\u0000', '1']] as Array<[string, string]>
  pinned(t, { payload: sorted, literal: 'CqIyHvy4OUEMz83djvQGWc1uYOs=' })
  t.equal(signatureBaseString(URL_TYPED, sorted), URL_TYPED + '\uFFFD\u00001\uFFFD\uFFFF2')

  // Halves in a key and the next value do not join into one character.
  // referenceSign(KEY, URL_TYPED, [['a\uD83D', '\uDE00']])
  pinned(t, { payload: [['a\uD83D', '\uDE00']], literal: 'H0LUW9GzNrchFrTJk2cBiSVLg9w=' })
  t.not(sign(KEY, URL_TYPED, [['a\uD83D', '\uDE00']]), sign(KEY, URL_TYPED, [['a', '\u{1F600}']]))
  t.equal(signatureBaseString(URL_TYPED, [['\uDE00x', '\uD83D']]), URL_TYPED + '\uFFFDx\uFFFD')
})

t.test('step 4: key then value appended to the URL, no separator', async t => {
  t.equal(signatureBaseString('https://x.example/h', [['b', '2'], ['a', '1'], ['c', '']]), 'https://x.example/ha1b2c')
  t.equal(signatureBaseString('https://x.example/h', []), 'https://x.example/h')
  t.equal(signatureBaseString('https://x.example/h', {}), 'https://x.example/h')
})

t.test('step 4: payloads as an array, a Map or URLSearchParams give the same base; the array is not reordered', async t => {
  const pairs: Array<[string, string]> = [['b', '2'], ['a', '1 2']]
  const base = signatureBaseString(URL_TYPED, pairs)
  t.equal(base, URL_TYPED + 'a1 2b2')
  t.strictSame(pairs, [['b', '2'], ['a', '1 2']])
  t.equal(signatureBaseString(URL_TYPED, new Map(pairs)), base)
  t.equal(signatureBaseString(URL_TYPED, new URLSearchParams('b=2&a=1+2')), base)
})

t.test('step 5: HMAC-SHA1, standard base64 with padding (RFC 2202 test case 2)', async t => {
  // RFC 2202: HMAC-SHA1(key "Jefe", "what do ya want for nothing?") = effcdf6ae5eb2fa2d27416d5f184df9c259a7c79
  const expected = Buffer.from('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', 'hex').toString('base64')
  t.equal(sign('Jefe', 'what do ya ', [['want for ', 'nothing?']]), expected)
  t.equal(expected, '7/zfauXrL6LSdBbV8YTfnCWafHk=')
  t.match(sign(KEY, URL_TYPED, [['event', 'test']]), /^[A-Za-z0-9+/]{27}=$/)
})

t.test('step 5: the signature key is used as UTF-8', async t => {
  const literal = 'nBXNqrIDKxr3shh7QkKQyNn5jmw=' // referenceSign('clé-🔑', URL_TYPED, [['event', 'test']])
  pinned(t, { key: 'clé-🔑', payload: [['event', 'test']], literal })
  const latin1 = createHmac('sha1', Buffer.from('clé-🔑', 'latin1')).update(URL_TYPED + 'eventtest').digest('base64')
  t.not(latin1, literal)
})

t.test('step 6: every malformed header spelling is refused, never thrown', async t => {
  const payload = [['event', 'test'], ['n', '73']] as const
  const right = 'k0shxxJwFtweVgRlN+USnQAuD/s=' // referenceSign(KEY, URL_TYPED, [['event', 'test'], ['n', '73']])
  pinned(t, { payload, literal: right })
  t.match(right, /\+/, 'the case has a "+" to make URL-safe')
  t.match(right, /\//, 'the case has a "/" to make URL-safe')
  t.match(right, /A/, 'the case has an "A" to disguise')

  const urlSafe = right.replaceAll('+', '-').replaceAll('/', '_')
  t.match(urlSafe, /-/)
  t.match(urlSafe, /_/)
  const lookalike = right.replace('A', '\u0141')
  t.equal(Buffer.from(lookalike, 'latin1').toString('latin1'), right, 'Latin-1 would read "Ł" as "A"')
  const changed = right.slice(0, 5) + (right[5] === 'x' ? 'y' : 'x') + right.slice(6)
  t.equal(changed.length, right.length)

  const spellings: Array<[string, unknown]> = [
    ['undefined', undefined],
    ['empty', ''],
    ['array of two right signatures', [right, right]],
    ['array of one', [right]],
    ['repeated as "sig, sig"', `${right}, ${right}`],
    ['repeated as "sig,sig"', `${right},${right}`],
    ['without padding', right.slice(0, -1)],
    ['URL-safe alphabet', urlSafe],
    ['URL-safe without padding', urlSafe.slice(0, -1)],
    ['trailing space', right + ' '],
    ['trailing newline', right + '\n'],
    ['leading space', ' ' + right],
    ['one character changed', changed],
    ['lower-cased', right.toLowerCase()],
    ['1000 characters', right + 'A'.repeat(1000 - right.length)],
    ['1000 A', 'A'.repeat(1000)],
    ['non-ASCII lookalike (A → Ł)', lookalike],
    ['hex digest', createHmac('sha1', KEY).update(URL_TYPED + 'eventtestn73').digest('hex')],
    ['null', null],
    ['a number', 42],
    ['an object', { toString: () => right }]
  ]
  for (const [name, signature] of spellings) {
    t.equal(verifySignature({ key: KEY, url: URL_TYPED, payload, signature: signature as string }), false, name)
  }
})

t.test('step 7: rotation: any key of the list may match', async t => {
  const payload = [['event', 'test']] as const
  const signedWithOld = 'k4Qyye5stBPNSFXtcYmiY4VIO7g=' // referenceSign('old-key', URL_TYPED, [['event', 'test']])
  const signedWithNew = '7N4ScagtpcKwPz2VHj9b/9LZ5Bs=' // referenceSign('new-key', URL_TYPED, [['event', 'test']])
  pinned(t, { key: 'old-key', payload, literal: signedWithOld })
  pinned(t, { key: 'new-key', payload, literal: signedWithNew })
  for (const key of [['old-key', 'new-key'], ['new-key', 'old-key']]) {
    t.equal(verifySignature({ key, url: URL_TYPED, payload, signature: signedWithNew }), true, `new key in ${key.join(',')}`)
    t.equal(verifySignature({ key, url: URL_TYPED, payload, signature: signedWithOld }), true, `old key in ${key.join(',')}`)
  }
  t.equal(verifySignature({ key: ['new-key'], url: URL_TYPED, payload, signature: signedWithOld }), false)
  t.equal(verifySignature({ key: ['other-1', 'other-2'], url: URL_TYPED, payload, signature: signedWithNew }), false)
})

t.test('step 7: an empty key, an empty list, a list holding "" or a key that is not a string is a TypeError', async t => {
  const payload = [['event', 'test']] as const
  const message = /^fastify-magnetis-webhooks: /
  for (const key of ['', [], ['ok', ''], [''], undefined, null, 42, [42], { key: 'k' }]) {
    t.throws(() => verifySignature({ key: key as string, url: URL_TYPED, payload, signature: 'k4Qyye5stBPNSFXtcYmiY4VIO7g=' }),
      { name: 'TypeError', message }, `verifySignature with ${JSON.stringify(key)}`)
    t.throws(() => verifySignature({ key: key as string, url: URL_TYPED, payload, signature: undefined }),
      { name: 'TypeError', message }, `even with no header: ${JSON.stringify(key)}`)
  }
  for (const key of ['', undefined, 42]) {
    t.throws(() => sign(key as string, URL_TYPED, payload), { name: 'TypeError', message }, `sign with ${JSON.stringify(key)}`)
  }
})

t.test('sign and verifySignature are mirrors', async t => {
  for (const payload of [sample, [['a', 'b']] as const, {}, []]) {
    const signature = sign(KEY, URL_TYPED, payload)
    t.equal(verifySignature({ key: KEY, url: URL_TYPED, payload, signature }), true)
    t.equal(verifySignature({ key: KEY + 'x', url: URL_TYPED, payload, signature }), false)
  }
})
