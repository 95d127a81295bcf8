// A UTF-8 byte order mark before a JSON body (lib/body/read.ts): skipped, as
// Fastify's own JSON parser skips it; it is no POST variable, so the pairs
// (what is signed) are those of the body without it (docs/signature-rule.md).
import t from 'tap'
import Fastify from 'fastify'
import { pairsFromBody, parseJsonObject, readBody } from '../../lib/body/read.js'

const JSON_TYPE = 'application/json'
const BODY = '{"event":"test","data":{"id":"call-1","duration":43}}'

t.test('a leading BOM, as text or as the bytes EF BB BF, gives the pairs and object of the body without it', async t => {
  const plain = readBody(BODY, JSON_TYPE)
  t.strictSame(readBody('\uFEFF' + BODY, JSON_TYPE), plain)
  t.strictSame(readBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(BODY)]), JSON_TYPE), plain)
  t.strictSame(parseJsonObject('\uFEFF{"a":"1"}'), { a: '1' })
})

t.test('only one leading BOM: a second one, or one inside the JSON outside a string, is malformed (400)', async t => {
  for (const body of ['\uFEFF\uFEFF' + BODY, '{\uFEFF"a":"1"}', ' \uFEFF{"a":"1"}']) {
    t.throws(() => pairsFromBody(body, JSON_TYPE), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 }, JSON.stringify(body))
  }
  t.strictSame(pairsFromBody('{"a":"\uFEFF1"}', JSON_TYPE), [['a', '\uFEFF1']], 'a BOM inside a string is text, kept and signed')
})

t.test('a plain Fastify JSON route accepts the same body: the plugin matches it', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.post('/plain', async (request) => request.body)
  const response = await app.inject({ method: 'POST', url: '/plain', headers: { 'content-type': JSON_TYPE }, payload: '\uFEFF' + BODY })
  t.equal(response.statusCode, 200)
  t.strictSame(response.json(), JSON.parse(BODY))
})
