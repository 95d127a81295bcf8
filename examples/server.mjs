// Standalone example server: MAGNETIS_KEY (required), MAGNETIS_URL (the
// endpoint URL as typed in the Magnétis interface), PORT, HOST.
// The durable inbox is on: every verified delivery is stored in a SQLite
// file before the 200 (MAGNETIS_INBOX_FILE, default var/magnetis-inbox.db)
// and handled from there, with retries; MAGNETIS_INBOX=off handles events
// inside the request instead.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { buildApp } from './app.mjs'
import { sqliteInbox } from '../dist/esm/inbox/index.js'

const DEFAULT_INBOX_FILE = 'var/magnetis-inbox.db'
const key = process.env.MAGNETIS_KEY
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const url = process.env.MAGNETIS_URL ?? `http://${host}:${port}/webhooks/magnetis`
const inboxSetting = process.env.MAGNETIS_INBOX ?? 'on'

if (!key) {
  console.error('Set MAGNETIS_KEY to your webhook\'s signature key (Magnétis: API & Connectors > Webhooks), e.g.\n' +
    '  MAGNETIS_KEY=your-key MAGNETIS_URL=https://your.host/webhooks/magnetis npm start')
  process.exit(2)
}
if (inboxSetting !== 'on' && inboxSetting !== 'off') {
  console.error(`MAGNETIS_INBOX must be "on" (the default: a SQLite inbox) or "off", not ${JSON.stringify(inboxSetting)}`)
  process.exit(2)
}

let inboxFile
if (inboxSetting === 'on') {
  inboxFile = resolve(process.env.MAGNETIS_INBOX_FILE || DEFAULT_INBOX_FILE)
  // Only the default's directory is created: a path you chose must exist (a typo should not start an empty inbox elsewhere).
  if (!process.env.MAGNETIS_INBOX_FILE) mkdirSync(dirname(inboxFile), { recursive: true })
}

let app
try {
  app = await buildApp({ key, url, inbox: inboxFile === undefined ? undefined : sqliteInbox({ file: inboxFile }) })
  await app.listen({ port, host })
} catch (error) {
  // A configuration mistake (say, the inbox file's directory is missing) is one clear line, not a stack trace.
  console.error(`Cannot start: ${error.message}`)
  await app?.close().catch(() => {})
  process.exit(1)
}
app.log.info(`POST Magnétis webhooks to ${url} (signed with that URL, as typed)`)
app.log.info(inboxFile === undefined
  ? 'inbox off (MAGNETIS_INBOX=off): handlers run inside the request; a failure is a 500 and the event is not kept'
  : `inbox: ${inboxFile}; each verified delivery is stored before the 200, then handled with retries. ` +
    `See it with: npx magnetis-webhooks inbox list --file ${inboxFile}`)
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    // close() lets handlers in flight finish (bounded); what is left runs at the next start.
    app.close().then(() => process.exit(0), () => process.exit(1))
  })
}
