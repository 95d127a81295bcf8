/**
 * The schemas of the vendor's payloads (TypeBox, so each is both a JSON
 * Schema and a TypeScript type), and the map from resource name to schema.
 */
import type { Static, TSchema } from '@sinclair/typebox'
import type { ResourceName } from '../names.js'
import { Call } from './call.js'
import { Email } from './email.js'
import { Lead } from './lead.js'

export { Account, Maybe, Nullable, PhpArray, PhpList, Seconds, Utm, VendorDateTime, Visitor } from './shared.js'
export { Call, CallEvent } from './call.js'
export { Email } from './email.js'
export { Lead } from './lead.js'
export { WebhookEnvelope } from './envelope.js'

/** The schema of each resource of the page's "Testing the Webhook" (CALL, EMAIL, LEAD). */
export const RESOURCE_SCHEMAS = { call: Call, email: Email, lead: Lead } as const satisfies Record<ResourceName, TSchema>


/** The data type of each resource, derived from its schema. */
export type ResourceData = { [R in ResourceName]: Static<typeof RESOURCE_SCHEMAS[R]> }
