// Standalone example server: MAGNETIS_KEY (required), MAGNETIS_URL (the
// endpoint URL as typed in the Magnétis interface), PORT, HOST.
import { buildApp } from './app.mjs'

const key = process.env.MAGNETIS_KEY
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'
const url = process.env.MAGNETIS_URL ?? `http://${host}:${port}/webhooks/magnetis`

if (!key) {
  console.error('Set MAGNETIS_KEY to your webhook\'s signature key (Magnétis: API & Connectors > Webhooks), e.g.\n' +
    '  MAGNETIS_KEY=your-key MAGNETIS_URL=https://your.host/webhooks/magnetis npm start')
  process.exit(2)
}

const app = await buildApp({ key, url })
await app.listen({ port, host })
app.log.info(`POST Magnétis webhooks to ${url} (signed with that URL, as typed)`)
