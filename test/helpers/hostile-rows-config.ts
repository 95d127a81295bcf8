/**
 * Matrix rows: configuration (contract step 7). A missing or empty key or
 * URL stops the app at start-up (`ready()` rejects) with a message that says
 * what to set; a key resolver that finds no key for a request refuses it
 * (401); a resolver that fails is a server error (500), never a way in.
 */
import type { FastifyServerOptions } from 'fastify'
import { KEY, URL_AS_TYPED, buildMatrixApp, callSample, signedJsonHeaders, type MatrixRow, type Recorder, type RouteSetup } from './hostile-harness.js'

/** One start-up that must fail. */
export interface ConfigRow {
  name: string
  setup: RouteSetup
  /** what the error message must say */
  says: RegExp[]
}

/** Builds the row's app and readies it; resolves with the error it failed with, or `undefined` when it started. */
export async function startUp (setup: RouteSetup, logger: FastifyServerOptions['logger'] = false): Promise<Error | undefined> {
  const recorder: Recorder = { events: [], routeHandlerCalls: 0, routePreHandlerCalls: 0, errors: [] }
  let app
  try {
    app = await buildMatrixApp(setup, recorder, logger)
    await app.ready()
    return undefined
  } catch (error) {
    return error as Error
  } finally {
    await app?.close()
  }
}

const SET_THE_KEY = [/"key" is missing or empty/, /signature key/, /API & Connectors > Webhooks/, /MAGNETIS_KEY/]
const SET_THE_URL = [/"url" is required/, /exactly as typed/]
const KEY_TYPE = [/"key" must be a string, a list of strings or a function of the request/]

export const configRows: ConfigRow[] = [
  { name: 'no key option at all', setup: { noKey: true }, says: SET_THE_KEY },
  { name: 'key undefined (an unset environment variable)', setup: { key: undefined }, says: SET_THE_KEY },
  { name: 'key null', setup: { key: null }, says: [...KEY_TYPE, /got object/] },
  { name: 'a blank key (white space only)', setup: { key: '   ' }, says: SET_THE_KEY },
  { name: 'empty key', setup: { key: '' }, says: SET_THE_KEY },
  { name: 'empty key list', setup: { key: [] }, says: SET_THE_KEY },
  { name: 'a key list holding an empty key', setup: { key: [KEY, ''] }, says: SET_THE_KEY },
  { name: 'a key that is not a string', setup: { key: 42 }, says: [...KEY_TYPE, /got number/] },
  { name: 'a relative url', setup: { url: '/webhooks/magnetis' }, says: [/"url" must be the absolute endpoint URL exactly as typed/] },
  { name: 'no url option at all', setup: { noUrl: true }, says: SET_THE_URL },
  { name: 'empty url', setup: { url: '' }, says: SET_THE_URL },
  { name: 'per-route wiring, empty key: the message names the route', setup: { perRoute: true, key: '' }, says: [...SET_THE_KEY, /route POST \/webhooks\/magnetis/] },
  { name: 'per-route wiring, empty key list', setup: { perRoute: true, key: [] }, says: SET_THE_KEY },
  { name: 'per-route wiring, no url', setup: { perRoute: true, noUrl: true }, says: [...SET_THE_URL, /route POST \/webhooks\/magnetis/] }
]

const body = JSON.stringify(callSample())
const NO_KEY = 'FST_MAGNETIS_NO_SIGNATURE_KEY'

function resolvedBy (name: string, key: unknown, status: number, code?: string): MatrixRow {
  return {
    name,
    setup: { key },
    request: { headers: signedJsonHeaders(body), body },
    status,
    ...(code === undefined ? {} : { code }),
    dispatched: status === 200 ? 1 : 0
  }
}

/** Request rows for key and URL resolvers (per-request configuration). */
export const resolverRows: MatrixRow[] = [
  resolvedBy('a key resolver that gives the key (async): passes (control)', async () => KEY, 200),
  resolvedBy('a key resolver that gives undefined (an unknown tenant)', () => undefined, 401, NO_KEY),
  resolvedBy('a key resolver that gives an empty key', () => '', 401, NO_KEY),
  resolvedBy('a key resolver that gives an empty list', () => [], 401, NO_KEY),
  resolvedBy('a key resolver that gives a list holding an empty key', () => [KEY, ''], 401, NO_KEY),
  // A failing lookup (a database down) must not let the request in, and 5xx makes the vendor retry.
  resolvedBy('a key resolver that rejects: 500, no handler', async () => { throw new Error('tenant store unavailable') }, 500),
  {
    name: 'a URL resolver that gives an empty URL: 500, no handler',
    setup: { url: () => '' },
    request: { headers: signedJsonHeaders(body), body },
    status: 500,
    dispatched: 0
  },
  {
    name: 'a URL resolver that gives the URL as typed: passes (control)',
    setup: { url: async () => URL_AS_TYPED },
    request: { headers: signedJsonHeaders(body), body },
    status: 200,
    dispatched: 1
  }
]
