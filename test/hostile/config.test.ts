// The hostile-input matrix, configuration rows (issue 4): no key, an empty
// key or key list, no URL: ready() fails with a message that says what to set.
// Rows: test/helpers/hostile-rows-config.ts.
import t from 'tap'
import { ConfigurationError } from '../../lib/errors.js'
import { KEY, defineRow, lineCollector } from '../helpers/hostile-harness.js'
import { configRows, resolverRows, startUp } from '../helpers/hostile-rows-config.js'

for (const row of configRows) {
  t.test(`ready() fails: ${row.name}`, async t => {
    const error = await startUp(row.setup)
    t.ok(error instanceof ConfigurationError, 'a ConfigurationError')
    t.equal((error as ConfigurationError | undefined)?.code, 'FST_MAGNETIS_CONFIGURATION')
    t.match(error?.message, /^fastify-magnetis-webhooks: /, 'the message names the package')
    for (const says of row.says) t.match(error?.message, says, `the message says ${String(says)}`)
  })
}

for (const row of resolverRows) defineRow(t, row)

t.test('a key with stray white space starts, with a warning that does not quote the key', async t => {
  const { stream, lines } = lineCollector()
  const error = await startUp({ key: ` ${KEY}\n` }, { level: 'trace', stream })
  t.equal(error, undefined, 'the app starts: the vendor may really sign with that key')
  const warning = lines.find((line) => line.includes('white space'))
  t.ok(warning, 'a warning is logged')
  t.equal(JSON.parse(warning ?? '{}').level, 40, 'at warn level')
  t.notMatch(warning ?? '', KEY, 'without the key')
})
