// Event names and their resources (vendor page: "Webhook Configuration", "Testing the Webhook"): the one source the types derive from.

/** Every event the vendor documents, in the page's order, plus `test`. */
export const EVENT_NAMES = ['call:completed', 'call:missed', 'call:ringing', 'email:received', 'lead:created', 'test'] as const

/** A documented event name. */
export type EventName = typeof EVENT_NAMES[number]

/** The three resources of the page's "Testing the Webhook". */
export const RESOURCE_NAMES = ['call', 'email', 'lead'] as const

/** A documented resource. */
export type ResourceName = typeof RESOURCE_NAMES[number]

/** The resource of a documented production event. */
export const EVENT_RESOURCES = {
  'call:completed': 'call',
  'call:missed': 'call',
  'call:ringing': 'call',
  'email:received': 'email',
  'lead:created': 'lead'
} as const satisfies Record<Exclude<EventName, 'test'>, ResourceName>

/** The shorthand option for each documented event (`onCallCompleted` for `call:completed`, …). */
export const HANDLER_OPTIONS = {
  onCallCompleted: 'call:completed',
  onCallMissed: 'call:missed',
  onCallRinging: 'call:ringing',
  onEmailReceived: 'email:received',
  onLeadCreated: 'lead:created',
  onTest: 'test'
} as const satisfies Record<string, EventName>

/** The part of a name before `:` when it names a resource (a future `call:transferred` is a call), else `undefined`. */
export function resourceOfEvent (name: string): ResourceName | undefined {
  const colon = name.indexOf(':')
  if (colon === -1) return undefined
  const prefix = name.slice(0, colon)
  return (RESOURCE_NAMES as readonly string[]).includes(prefix) ? prefix as ResourceName : undefined
}
