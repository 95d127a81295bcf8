// Step 2 of the signature rule (docs/signature-rule.md): the raw body as
// received becomes the (key, value) pairs that are signed.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { bodyEncodingOf } from '../../lib/body/media-types.js'
import { pairsFromBody, readBody } from '../../lib/body/read.js'
import { MalformedBodyError, UnsupportedMediaTypeError } from '../../lib/errors.js'
import { httpBuildQuery, referenceFlatten, referenceFormPairs } from '../helpers/reference-signer.js'

const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'
const sampleText = readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')
const sample = JSON.parse(sampleText) as Record<string, unknown>

/** Pairs from lib and from the reference parser, which must agree. */
function formPairs (t: Test, body: Buffer | string): Array<readonly [string, string]> {
  const pairs = pairsFromBody(body, FORM)
  t.strictSame(pairs, referenceFormPairs(body), 'lib agrees with the reference form parser')
  return pairs
}

t.test('form: split on &, each part on its first =', async t => {
  t.strictSame(formPairs(t, 'event=test&data=a=b=c'), [['event', 'test'], ['data', 'a=b=c']])
})

t.test('form: "+" and "%20" are both a space and give the same pair', async t => {
  const plus = formPairs(t, 'name=My+account&x=a%20b')
  const percent = formPairs(t, 'name=My%20account&x=a+b')
  t.strictSame(plus, [['name', 'My account'], ['x', 'a b']])
  t.strictSame(percent, plus)
  t.strictSame(formPairs(t, 'a%2Bb=c%2B'), [['a+b', 'c+']], 'an escaped plus stays a plus')
})

t.test('form: percent-escapes decode as UTF-8, accents and emoji included, in keys and values', async t => {
  t.strictSame(formPairs(t, 'pr%C3%A9nom=Zo%C3%AB+%F0%9F%98%80&%F0%9F%94%91=caf%C3%A9'), [['prénom', 'Zoë 😀'], ['🔑', 'café']])
  t.strictSame(formPairs(t, Buffer.from('prénom=Zoë 😀', 'utf8')), [['prénom', 'Zoë 😀']], 'raw UTF-8 bytes read the same')
  t.strictSame(formPairs(t, 'hex=%c3%a9%C3%A9'), [['hex', 'éé']], 'hex digits in either case')
})

t.test('form: raw non-ASCII bytes and percent-escapes join into one UTF-8 character', async t => {
  const body = Buffer.concat([Buffer.from('euro='), Buffer.from([0xe2]), Buffer.from('%82%AC')])
  t.strictSame(formPairs(t, body), [['euro', '€']])
})

t.test('form: raw non-ASCII text beside an escape that decodeURIComponent rejects is not garbled', async t => {
  // Node 20's URLSearchParams falls back to a low-byte decoder for these.
  t.strictSame(formPairs(t, 'a=日本%C3'), [['a', '日本\uFFFD']])
  t.strictSame(formPairs(t, 'a=é%41%'), [['a', 'éA%']])
  t.strictSame(formPairs(t, 'note=100%+s%C3%BBr+😀%21'), [['note', '100% sûr 😀!']])
  t.strictSame(formPairs(t, Buffer.from('\u{10000}B%26%%320=', 'utf8')), [['\u{10000}B&%20', '']])
  t.strictSame(formPairs(t, 'clé=Zoë+😀&x=a+b'), [['clé', 'Zoë 😀'], ['x', 'a b']], 'raw UTF-8 with no escapes at all')
})

t.test('form: an invalid escape stays literal; bytes that are not UTF-8 become U+FFFD', async t => {
  t.strictSame(formPairs(t, 'a=%zz%4&b=100%'), [['a', '%zz%4'], ['b', '100%']])
  t.strictSame(formPairs(t, 'b=%C3%28&c=%FF'), [['b', '\uFFFD('], ['c', '\uFFFD']])
  t.strictSame(formPairs(t, Buffer.from([0x61, 0x3d, 0xff, 0xfe])), [['a', '\uFFFD\uFFFD']])
})

t.test('form: an empty value, and a key without "=", both give the value ""', async t => {
  t.strictSame(formPairs(t, 'a=&b=2'), [['a', ''], ['b', '2']])
  t.strictSame(formPairs(t, 'a&b=2'), [['a', ''], ['b', '2']])
  t.strictSame(formPairs(t, '=&=x'), [['', ''], ['', 'x']], 'an empty key is a key')
})

t.test('form: empty parts are skipped, an empty body has no pairs', async t => {
  t.strictSame(formPairs(t, '&&a=1&&b=2&'), [['a', '1'], ['b', '2']])
  t.strictSame(formPairs(t, ''), [])
  t.strictSame(formPairs(t, Buffer.alloc(0)), [])
})

t.test('form: repeated keys are all kept, in arrival order (unsorted)', async t => {
  t.strictSame(formPairs(t, 'k=2&k=1'), [['k', '2'], ['k', '1']])
  t.strictSame(formPairs(t, 'k=1&k=2'), [['k', '1'], ['k', '2']])
})

t.test('form: bracket keys stay literal, escaped or not (no nesting)', async t => {
  t.strictSame(formPairs(t, 'data%5Baccount%5D%5Bid%5D=acc-1&data[account][name]=My+account&data[events][]=x'), [
    ['data[account][id]', 'acc-1'],
    ['data[account][name]', 'My account'],
    ['data[events][]', 'x']
  ])
})

t.test('form: a leading "?" is part of the first key', async t => {
  t.strictSame(formPairs(t, '?event=test'), [['?event', 'test']])
  t.strictSame(formPairs(t, '??a=1'), [['??a', '1']])
})

t.test('form: a byte-order mark is kept as part of the first key', async t => {
  t.strictSame(formPairs(t, Buffer.from('\uFEFFevent=test', 'utf8')), [['\uFEFFevent', 'test']])
})

t.test('form: keys are case-sensitive and never trimmed', async t => {
  t.strictSame(formPairs(t, 'Event=a&event=b& x =c'), [['Event', 'a'], ['event', 'b'], [' x ', 'c']])
})

t.test('json: the object is flattened as http_build_query would', async t => {
  t.strictSame(pairsFromBody('{"event":"test","data":{"id":"call-1","ok":true,"no":false,"n":null,"e":[],"o":{},"d":43,"r":1.5,"big":1e21,"list":["a","b"]}}', JSON_TYPE), [
    ['event', 'test'],
    ['data[id]', 'call-1'],
    ['data[ok]', '1'],
    ['data[no]', '0'],
    ['data[d]', '43'],
    ['data[r]', '1.5'],
    ['data[big]', '1.0E+21'],
    ['data[list][0]', 'a'],
    ['data[list][1]', 'b']
  ])
})

t.test('json: the seed sample gives the same pairs as the same payload sent as a form', async t => {
  const fromJson = pairsFromBody(Buffer.from(sampleText, 'utf8'), JSON_TYPE)
  t.strictSame(fromJson, referenceFlatten(sample))
  t.equal(fromJson.length, 42, 'nulls and empty arrays give no pair')
  for (const spaceAsPlus of [false, true]) {
    const form = httpBuildQuery(sample, { spaceAsPlus })
    t.match(form, spaceAsPlus ? /channel_name%5D=Google\+Ads/ : /channel_name%5D=Google%20Ads/)
    t.strictSame(pairsFromBody(form, FORM), fromJson, `form with spaces as ${spaceAsPlus ? '+' : '%20'}`)
  }
})

t.test('json: readBody also returns the parsed object; a form has none', async t => {
  const json = readBody(sampleText, JSON_TYPE)
  t.equal(json.encoding, 'json')
  t.strictSame(json.json, sample)
  t.strictSame(json.pairs, referenceFlatten(sample))
  const form = readBody('event=test', FORM)
  t.equal(form.encoding, 'form')
  t.equal(form.json, undefined)
  t.strictSame(form.pairs, [['event', 'test']])
})

t.test('json: a top-level value that is not an object is a 400', async t => {
  for (const body of ['[]', '[{"event":"test"}]', '"event"', '42', 'true', 'null']) {
    const error = t.throws(() => pairsFromBody(body, JSON_TYPE), MalformedBodyError, body) as MalformedBodyError
    t.equal(error.statusCode, 400)
    t.equal(error.code, 'FST_MAGNETIS_MALFORMED_BODY')
    t.match(error.message, /^fastify-magnetis-webhooks: the JSON body must be an object/)
  }
})

t.test('json: malformed JSON is a 400 that keeps the parser error as its cause', async t => {
  for (const body of ['', '{', '{"a":1,}', "{'a':1}", 'event=test', '\uFEFF\uFEFF{"a":"1"}']) {
    const error = t.throws(() => pairsFromBody(body, JSON_TYPE), MalformedBodyError, JSON.stringify(body)) as MalformedBodyError
    t.equal(error.statusCode, 400)
    t.match(error.message, /not valid JSON/)
    t.type(error.cause, SyntaxError)
  }
})

t.test('json: nesting deeper than 32 levels is a 400; 32 is accepted', async t => {
  const json = (depth: number): string => '{"a":'.repeat(depth) + '{"leaf":"x"}' + '}'.repeat(depth)
  t.strictSame(pairsFromBody(json(1), JSON_TYPE), [['a[leaf]', 'x']], 'json(1): the leaf object is 1 level below the top')
  t.equal(pairsFromBody(json(32), JSON_TYPE).length, 1, 'the leaf object 32 levels below the top')
  t.throws(() => pairsFromBody(json(33), JSON_TYPE), { statusCode: 400, message: /deeper than 32/ })
  t.throws(() => pairsFromBody('['.repeat(100000) + ']'.repeat(100000), JSON_TYPE), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 }, 'very deep arrays are refused, not a crash')
  t.equal(pairsFromBody(json(5), JSON_TYPE, 5).length, 1, 'a custom limit')
  t.throws(() => pairsFromBody(json(6), JSON_TYPE, 5), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 })
})

t.test('media types other than form and JSON are a 415, the header missing included', async t => {
  for (const contentType of ['text/plain', 'multipart/form-data; boundary=x', undefined, '', 'application/xml', 'application/jsonx', 'application/vnd.api+json', 'form']) {
    const error = t.throws(() => pairsFromBody('event=test', contentType), UnsupportedMediaTypeError, String(contentType)) as UnsupportedMediaTypeError
    t.equal(error.statusCode, 415)
    t.equal(error.code, 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE')
    t.match(error.message, /^fastify-magnetis-webhooks: the media type .* is not supported: send application\/x-www-form-urlencoded or application\/json$/)
  }
})

t.test('media types: parameters such as charset=UTF-8, odd case and spaces are accepted', async t => {
  for (const contentType of ['application/x-www-form-urlencoded; charset=UTF-8', 'Application/X-WWW-Form-URLEncoded', ' application/x-www-form-urlencoded ;charset=utf-8']) {
    t.equal(bodyEncodingOf(contentType), 'form', contentType)
    t.strictSame(pairsFromBody('event=test', contentType), [['event', 'test']])
  }
  for (const contentType of ['application/json; charset=UTF-8', 'APPLICATION/JSON', 'application/json;charset=utf-8;q=1']) {
    t.equal(bodyEncodingOf(contentType), 'json', contentType)
    t.strictSame(pairsFromBody('{"event":"test"}', contentType), [['event', 'test']])
  }
  t.equal(bodyEncodingOf(undefined), undefined)
  t.equal(bodyEncodingOf('text/plain; charset=UTF-8'), undefined)
})
