/**
 * Matrix rows: the endpoint URL (contract step 1, vendor page: "Create a
 * string with the webhook URL, exactly as entered in the interface"). A
 * request signed over the URL as typed passes; signed over any rewriting of
 * it (the WHATWG-normalised form, another spelling of its query, the URL a
 * proxy's headers describe) it is refused, whatever the sender's `Host` and
 * `X-Forwarded-*` headers claim.
 */
import { JSON_TYPE, PATH, URL_AS_TYPED, callSample, signJson, type MatrixRow } from './hostile-harness.js'

const INVALID = 'FST_MAGNETIS_INVALID_SIGNATURE'
const body = JSON.stringify(callSample())

/** A URL as typed, and rewritings of it that must not verify. */
interface TypedUrl {
  what: string
  typed: string
  /** where the app serves it (what a proxy forwards to) */
  path: string
  /** the request target, query string included */
  target?: string
  rewritings: Array<[what: string, url: string]>
}

const typedUrls: TypedUrl[] = [
  {
    what: 'a non-default port',
    typed: 'https://shop.example:8443/webhooks/magnetis',
    path: PATH,
    rewritings: [
      ['the port dropped', 'https://shop.example/webhooks/magnetis'],
      ['http: with the same port', 'http://shop.example:8443/webhooks/magnetis']
    ]
  },
  {
    what: 'the default port written out (:443)',
    typed: 'https://shop.example:443/webhooks/magnetis',
    path: PATH,
    rewritings: [
      // WHATWG URL drops a default port: new URL(typed).href
      ['as new URL() writes it, without :443', new URL('https://shop.example:443/webhooks/magnetis').href]
    ]
  },
  {
    what: "a query string with ', + and %20",
    typed: "https://shop.example/webhooks/magnetis?tenant=o'brien&tag=a+b&name=a%20b",
    path: PATH,
    target: "/webhooks/magnetis?tenant=o'brien&tag=a+b&name=a%20b",
    rewritings: [
      // WHATWG URL escapes ' in the query of a special scheme
      ["as new URL() writes it (' as %27)", new URL("https://shop.example/webhooks/magnetis?tenant=o'brien&tag=a+b&name=a%20b").href],
      ['re-serialised by URLSearchParams (%20 as +)', 'https://shop.example/webhooks/magnetis?' +
        new URLSearchParams("tenant=o'brien&tag=a+b&name=a%20b").toString()],
      ['+ written as %20', "https://shop.example/webhooks/magnetis?tenant=o'brien&tag=a%20b&name=a%20b"],
      ['%20 decoded to a space', "https://shop.example/webhooks/magnetis?tenant=o'brien&tag=a+b&name=a b"],
      ['the query string left out', 'https://shop.example/webhooks/magnetis']
    ]
  },
  {
    what: 'no path at all',
    typed: 'https://shop.example',
    path: '/',
    rewritings: [
      ['as new URL() writes it (a slash added)', new URL('https://shop.example').href]
    ]
  },
  {
    what: 'a trailing slash',
    typed: 'https://shop.example/webhooks/magnetis/',
    path: '/webhooks/magnetis/',
    rewritings: [
      ['the trailing slash removed', 'https://shop.example/webhooks/magnetis']
    ]
  },
  {
    what: 'upper-case scheme and host',
    typed: 'HTTPS://Shop.Example/webhooks/magnetis',
    path: PATH,
    rewritings: [
      ['as new URL() writes it (lower case)', new URL('HTTPS://Shop.Example/webhooks/magnetis').href]
    ]
  }
]

function json (signature: string, extra: Record<string, string> = {}): { headers: Record<string, string>, body: string } {
  return { headers: { 'content-type': JSON_TYPE, 'x-calltracking-signature': signature, ...extra }, body }
}

const typedRows: MatrixRow[] = typedUrls.flatMap(({ what, typed, path, target, rewritings }): MatrixRow[] => [
  {
    name: `URL with ${what}: signed over the URL as typed, it passes`,
    setup: { url: typed, path },
    request: { ...json(signJson(body, { url: typed })), url: target ?? path },
    status: 200,
    dispatched: 1
  },
  ...rewritings.map(([rewriting, url]): MatrixRow => ({
    name: `URL with ${what}: signed over ${rewriting}, it is refused`,
    setup: { url: typed, path },
    request: { ...json(signJson(body, { url })), url: target ?? path },
    status: 401,
    code: INVALID,
    dispatched: 0,
    check: (t) => { t.not(url, typed, 'the rewriting differs from the URL as typed') }
  }))
])

/** What a proxy, or an attacker, would have the URL be. */
const forwarded = { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example', host: 'evil.example:8080' }
const rebuilt = 'http://evil.example/webhooks/magnetis'

const headerRows: MatrixRow[] = [false, true].flatMap((trustProxy): MatrixRow[] => {
  const setup = { trustProxy }
  const where = trustProxy ? ' (Fastify trustProxy on)' : ''
  return [
    {
      name: `X-Forwarded-Proto, X-Forwarded-Host and Host all differ${where}: signed over the typed URL, it passes`,
      setup,
      request: json(signJson(body), forwarded),
      status: 200,
      dispatched: 1
    },
    {
      name: `X-Forwarded-Proto, X-Forwarded-Host and Host${where}: signed over the URL they describe, it is refused`,
      setup,
      request: json(signJson(body, { url: rebuilt }), forwarded),
      status: 401,
      code: INVALID,
      dispatched: 0
    },
    {
      name: `Host alone${where}: signed over https://<Host><path>, it is refused`,
      setup,
      request: json(signJson(body, { url: 'https://evil.example/webhooks/magnetis' }), { host: 'evil.example' }),
      status: 401,
      code: INVALID,
      dispatched: 0
    },
    {
      name: `X-Forwarded-Proto alone${where}: signed over the typed URL with that scheme, it is refused`,
      setup,
      request: json(signJson(body, { url: URL_AS_TYPED.replace('https:', 'http:') }), { 'x-forwarded-proto': 'http' }),
      status: 401,
      code: INVALID,
      dispatched: 0
    }
  ]
})

const targetRows: MatrixRow[] = [
  {
    name: 'a query string on the request that the typed URL lacks: signed over the typed URL, it passes',
    request: { ...json(signJson(body)), url: `${PATH}?utm=1` },
    status: 200,
    dispatched: 1
  },
  {
    name: 'a query string on the request that the typed URL lacks: signed with it appended, it is refused',
    request: { ...json(signJson(body, { url: `${URL_AS_TYPED}?utm=1` })), url: `${PATH}?utm=1` },
    status: 401,
    code: INVALID,
    dispatched: 0
  },
  {
    name: 'served on another path than the typed URL\'s (a proxy rewrites it): signed over the typed URL, it passes',
    setup: { path: '/internal/hooks' },
    request: { ...json(signJson(body)), url: '/internal/hooks' },
    status: 200,
    dispatched: 1
  },
  {
    name: 'served on another path: signed over the path it was served on, it is refused',
    setup: { path: '/internal/hooks' },
    request: { ...json(signJson(body, { url: 'https://shop.example/internal/hooks' })), url: '/internal/hooks' },
    status: 401,
    code: INVALID,
    dispatched: 0
  }
]

export const urlRows: MatrixRow[] = [...typedRows, ...headerRows, ...targetRows]
