// Type-level tests of the public API (tsd reads the built types: run
// `npm run build` first). What must compile, and what must not.
import Fastify, { type FastifyRequest } from 'fastify'
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd'
import magnetisWebhooks, {
  MagnetisWebhooks,
  isWebhookEvent,
  type AnyWebhookEvent,
  type Call,
  type Email,
  type Lead,
  type MagnetisWebhooksOptions,
  type WebhookErrorHandler,
  type WebhookEvent,
  type WebhookRouteOptions,
  type WebhookContext,
  samplePayload,
  signedRequest
} from 'fastify-magnetis-webhooks'
import { sqliteInbox, postgresInbox, InboxUnavailableError, type InboxStore, type InboxRow, type InboxStatus, type InboxSettings, type SqliteInboxOptions, type PostgresInboxOptions } from 'fastify-magnetis-webhooks/inbox'
import { sign, verifySignature, verifyRawBody, signatureBaseString, pairsFromBody, SIGNATURE_HEADER, type VerifyRawBodyOptions } from 'fastify-magnetis-webhooks/signature'

const app = Fastify()
const url = 'https://shop.example/webhooks/magnetis'
const key = 'key'

// Shorthand handlers receive their resource's type.
app.register(magnetisWebhooks, {
  path: '/webhooks/magnetis',
  url,
  key,
  onCallCompleted: (event, request) => {
    expectType<Call>(event.data)
    expectType<'call:completed'>(event.name)
    expectType<'call'>(event.resource)
    expectType<FastifyRequest>(request)
    // Types tell the truth about null: only the call's id is guaranteed.
    expectType<string>(event.data.id)
    expectType<number | null | undefined>(event.data.duration)
    expectType<number | null | undefined>(event.data.voice_duration)
    expectType<string | null | undefined>(event.data.end_status)
    expectType<string | null | undefined>(event.data.calling_number)
    expectType<string | null | undefined>(event.data.recipient_number)
    expectType<boolean | null | undefined>(event.data.missed)
    expectType<string | null | undefined>(event.data.account?.id)
    // `visitor` may be null or absent; its PHP arrays are lists or maps.
    expectNotAssignable<object>(event.data.visitor)
    expectType<string | null | undefined>(event.data.visitor?.gclid)
    expectType<unknown[] | Record<string, unknown> | null | undefined>(event.data.visitor?.custom_params)
    type Listed<T> = Array<T | null> | Record<string, T | null> | null | undefined
    expectType<Listed<{ key?: string | null, value?: string | null }>>(event.data.visitor?.utm)
    // A PHP list may come as a map (after array_filter): Object.values reads both.
    expectType<string | null | undefined>(Object.values(event.data.events ?? [])[0]?.value)
    expectNotAssignable<number>(event.data.duration)
  },
  onCallMissed: (event) => { expectType<Call>(event.data) },
  onCallRinging: (event) => { expectType<Call>(event.data) },
  onEmailReceived: (event) => {
    expectType<Email>(event.data)
    expectType<'email'>(event.resource)
    // Nothing of an email is guaranteed (every field is inferred).
    expectType<string | null | undefined>(event.data.id)
    expectType<string | null | undefined>(event.data.visitor?.ga)
  },
  onLeadCreated: (event) => {
    expectType<Lead>(event.data)
    expectType<string | null | undefined>(event.data.call_id)
    expectNotAssignable<object>(event.data.account)
  },
  onTest: (event) => {
    expectType<WebhookEvent<'test'>>(event)
    if (event.resource === 'call') expectType<Call>(event.data)
    if (event.resource === 'email') expectType<Email>(event.data)
    if (event.resource === undefined) expectType<Record<string, unknown>>(event.data)
  },
  onAny: (event) => {
    expectType<AnyWebhookEvent>(event)
    // `name` alone cannot narrow the data: a future event (OtherEvent) may carry any name.
    if (event.name === 'lead:created') expectType<Lead | Record<string, unknown>>(event.data)
  },
  onError: (error, event) => {
    expectType<Error>(error)
    expectType<Parameters<WebhookErrorHandler>[1]>(event)
  }
})

// A handler declared with the wrong event type does not compile.
expectError(app.register(magnetisWebhooks, { path: '/p', url, key, onCallCompleted: (event: { data: number }) => {} }))
expectError(app.register(magnetisWebhooks, { path: '/p', url, key, onCallCompleted: (event: WebhookEvent<'email:received'>) => {} }))
expectError(app.register(magnetisWebhooks, { path: '/p', url, key, onEmailReceived: (event: { data: Call }) => {} }))
expectNotAssignable<WebhookRouteOptions['onCallCompleted']>((event: { data: number }) => event)
// …while one that asks for less than the event gives is fine.
expectAssignable<WebhookRouteOptions['onCallCompleted']>((event: { name: string, data: { id: string } }) => event)

// The 401 diagnosis budget is a number of diagnoses per minute.
expectAssignable<WebhookRouteOptions['diagnosisPerMinute']>(0)
expectError(app.register(magnetisWebhooks, { path: '/p', url, key, diagnosisPerMinute: '10' }))

// With a path, url and key are required; without one, nothing is.
expectError(app.register(magnetisWebhooks, { path: '/p' }))
expectError(app.register(magnetisWebhooks, { path: '/p', key }))
expectError(app.register(magnetisWebhooks, { path: '/p', url }))
expectError(app.register(magnetisWebhooks, { path: '/p', url: 42, key }))
expectError(app.register(magnetisWebhooks, { path: '/p', url, key: 42 }))
app.register(magnetisWebhooks)
app.register(magnetisWebhooks, {})
expectAssignable<MagnetisWebhooksOptions>({ path: '/p', url, key: ['old', 'new'] })
expectNotAssignable<MagnetisWebhooksOptions>({ path: '/p', url })

// url and key may be functions of the request, sync or async; a key resolver may find no key.
app.register(magnetisWebhooks, {
  path: '/webhooks/magnetis/:account',
  url: (request) => `${url}/${request.params.account}`,
  key: async (request) => {
    expectAssignable<FastifyRequest>(request)
    return Math.random() > 0.5 ? ['a', 'b'] : undefined
  }
})
expectError(app.register(magnetisWebhooks, { path: '/p', url: async () => 42, key }))

// MagnetisWebhooks.on: documented names are typed, any other name gives unknown-shaped data.
const webhooks = new MagnetisWebhooks()
expectType<MagnetisWebhooks>(webhooks.on('call:missed', (event) => {
  expectType<Call>(event.data)
  expectType<'call:missed'>(event.name)
}))
webhooks.on('email:received', (event) => { expectType<Email>(event.data) })
webhooks.on('lead:created', (event) => { expectType<Lead>(event.data) })
webhooks.on('some:future', (event) => {
  expectType<Record<string, unknown>>(event.data)
  expectType<WebhookEvent<string>>(event)
})
webhooks.onAny((event) => { expectType<AnyWebhookEvent>(event) })
webhooks.onError((error, event) => { expectType<Error>(error); expectType<string>(event.name) })
// A set only gathers handlers: the plugin dispatches (no public dispatch, reportError or handlerCount).
expectError(webhooks.dispatch)
expectError(webhooks.reportError)
expectError(webhooks.handlerCount)
expectError(webhooks.on('call:missed', (event: { data: { duration: string } }) => {}))
expectError(webhooks.on('call:missed', (event: { data: number }) => {}))
webhooks.on('call:transferred', (event: WebhookEvent<'call:transferred'>) => {})
const someName: string = 'call:transferred'
webhooks.on(someName, (event) => { expectType<WebhookEvent<string>>(event) })
expectError(webhooks.on('call:missed', 'handler'))
app.register(magnetisWebhooks, { path: '/shared', url, key, webhooks })
expectError(app.register(magnetisWebhooks, { path: '/shared', url, key, webhooks: {} }))

// Per route: config.magnetis is typed, and the request carries the verified event.
app.post('/hook', {
  config: {
    magnetis: {
      url,
      key,
      onLeadCreated: (event) => { expectType<Lead>(event.data) }
    }
  }
}, async (request) => {
  expectType<AnyWebhookEvent | null>(request.magnetisEvent)
  if (request.magnetisEvent?.name === 'call:completed') expectType<Call | Record<string, unknown>>(request.magnetisEvent.data)
  // The guard narrows where a name comparison cannot.
  const event = request.magnetisEvent
  if (isWebhookEvent(event, 'call:completed')) expectType<Call>(event.data)
  if (isWebhookEvent(event, 'email:received')) expectType<Email>(event.data)
  expectError(isWebhookEvent(event, 'not:documented'))
  return 'ok'
})
// Resolvers of a route's config know its path parameters (strings), under strict TypeScript.
app.post('/webhooks/magnetis/:account', {
  config: {
    magnetis: {
      key: async (request) => {
        expectType<Record<string, string>>(request.params)
        return request.params.account
      },
      url: (request) => `https://shop.example/webhooks/magnetis/${request.params.account}`
    }
  }
}, async (request) => request.magnetisEvent?.name ?? null)
// A resolver may name its own request type, with string path parameters…
app.post<{ Params: { account: string } }>('/webhooks/typed/:account', {
  config: {
    magnetis: {
      key: (request: FastifyRequest<{ Params: { account: string } }>) => request.params.account,
      url: (request) => `https://shop.example/webhooks/typed/${request.params.account}`
    }
  }
}, async (request) => request.params.account)
// …and the options object may be typed for its route before it is used.
const tenantRoute: WebhookRouteOptions<{ Params: { account: string, site: string } }> = {
  key: (request) => { expectType<string>(request.params.site); return key },
  url
}
app.post('/tenants/:account/:site', { config: { magnetis: tenantRoute } }, async () => 'ok')
expectError<WebhookRouteOptions<{ Params: { account: string } }>>({ key: (request: FastifyRequest<{ Params: { account: string } }>) => request.params.acount, url })
// A resolver that gives the wrong type does not compile.
expectError(app.post('/hook/:account', { config: { magnetis: { url, key: (request) => request.params.account?.length } } }, async () => 'ok'))

app.get('/elsewhere', async (request) => {
  expectType<AnyWebhookEvent | null>(request.magnetisEvent)
  return 'ok'
})
expectError(app.post('/hook', { config: { magnetis: { url, key: 42 } } }, async () => 'ok'))
expectError(app.post('/hook', { config: { magnetis: { url } } }, async () => 'ok'))
expectError(app.post('/hook', { config: { magnetis: { url, key, onCallCompleted: (event: { data: number }) => {} } } }, async () => 'ok'))
expectError(app.post('/hook', { config: { magnetis: { url, key, bodyLimit: '1mb' } } }, async () => 'ok'))

// The inbox: one option on the shorthand route and per route; handlers get a context as third argument.
app.register(magnetisWebhooks, {
  path: '/inbox',
  url,
  key,
  inbox: sqliteInbox({ file: 'var/magnetis-inbox.db', maxAttempts: 5, firstRetryDelay: 1000 }),
  onCallCompleted: (event, request, context) => {
    expectType<Call>(event.data)
    expectType<FastifyRequest>(request)
    expectType<WebhookContext>(context)
    expectType<string | undefined>(context.deliveryId)
    expectType<number>(context.attempt)
    expectType<boolean>(context.lastAttempt)
    expectType<Date>(context.receivedAt)
    expectType<Record<string, string>>(context.params)
  },
  onError: (error, event, request, context) => { expectType<number>(context.attempt) }
})
app.post('/inbox/:tenant', { config: { magnetis: { url, key, inbox: postgresInbox({ connectionString: 'postgres://app@db/app' }) } } }, async () => 'ok')
postgresInbox({ pool: { query: async () => ({ rows: [], rowCount: 0 }), end: async () => {} } })
expectError(postgresInbox({}))
expectError(sqliteInbox({ file: 'x.db', maxAttempts: '3' }))
expectError(app.register(magnetisWebhooks, { path: '/inbox', url, key, inbox: 'var/inbox.db' }))
const store: InboxStore = sqliteInbox({ file: 'x.db' })
expectType<Promise<InboxRow | undefined>>(store.get('1'))
expectType<InboxStatus[]>(['pending', 'processing', 'done', 'dead', 'invalid'] as InboxStatus[])

// The /inbox subpath: the stores' options share InboxSettings (times in ms); its error is the plugin's 503.
expectAssignable<InboxSettings>({ maxAttempts: 3, firstRetryDelay: 1000, maxRetryDelay: 60000 })
expectAssignable<SqliteInboxOptions>({ file: 'x.db', retention: 86400000 })
expectNotAssignable<SqliteInboxOptions>({})
expectAssignable<PostgresInboxOptions>({ connectionString: 'postgres://app@db/app' })
expectType<number>(new InboxUnavailableError('store down').statusCode)

// The /signature subpath: the rule free of Fastify, on a decoded payload or on the raw body's pairs.
const envelope = samplePayload('call:completed', 'call')
const signature: string = sign(key, url, envelope)
expectType<boolean>(verifySignature({ key: ['old', key], url, payload: pairsFromBody(Buffer.from(JSON.stringify(envelope)), 'application/json'), signature }))
expectType<boolean>(verifyRawBody({ key, url, rawBody: JSON.stringify(envelope), contentType: 'application/json', signature }))
expectType<boolean>(verifyRawBody({ key: [key], url, rawBody: Buffer.from(''), contentType: undefined, signature: undefined, maxDepth: 8 }))
expectNotAssignable<VerifyRawBodyOptions>({ key, url, rawBody: {}, contentType: 'application/json', signature })
expectError(verifyRawBody({ key, url, signature }))
expectType<string>(signatureBaseString(url, envelope))
expectType<'x-calltracking-signature'>(SIGNATURE_HEADER)
expectType<string>(signedRequest(key, url, envelope, 'form').headers[SIGNATURE_HEADER])
expectError(sign(key, url, 'not a payload'))
