/**
 * The EMAIL resource: the `data` of `email:received` and of a `test` event
 * sent for the EMAIL data model.
 *
 * From the page: only that the resource exists ("EMAIL resource: for tracked
 * emails received", "Testing the Webhook") and its event `email:received`.
 * Inferred: every field, by analogy with the CALL sample (a tracked address
 * in place of a tracked number, a sender in place of a caller). So EVERY
 * field is optional, and objects keep unknown fields: a delivery the vendor
 * shapes differently still reaches handlers. Replace this schema (the
 * validator's `schemas` option) once the real shape is known.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Nullable, VendorDateTime, Visitor } from './shared.js'

/** A tracked email received, every field optional and inferred (see the module comment). */
export const Email = Type.Object({
  id: Type.Optional(Type.String({ description: 'inferred: email id, "eml-" then a UUID (by analogy with "call-…")' })),
  account: Type.Optional(Type.Partial(Account, { description: 'inferred: the account, shaped as the CALL sample\'s account' })),
  date: Type.Optional(VendorDateTime('inferred: when the email was received')),
  channel_name: Type.Optional(Type.String({ description: 'inferred: marketing channel the email is attributed to, as for a call' })),
  channel_type: Type.Optional(Type.String({ description: 'inferred: that channel\'s type, as for a call' })),
  tracked_email: Type.Optional(Type.String({ description: 'inferred: the tracked address the email was sent to (the counterpart of tracked_number)' })),
  recipient_email: Type.Optional(Type.String({ description: 'inferred: the address the email was forwarded to (the counterpart of recipient_number)' })),
  sender_email: Type.Optional(Type.String({ description: 'inferred: the sender\'s address (the counterpart of calling_number)' })),
  sender_name: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the sender\'s display name; null when the message has none' })),
  subject: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the subject line; null when the message has none' })),
  visitor: Type.Optional(Type.Partial(Visitor, { description: 'inferred: the web visitor the tracked address was shown to, shaped as the CALL sample\'s visitor' }))
}, { description: 'EMAIL resource: a tracked email received (fields inferred, all optional)' })
/** The `data` of an `email:received` event, every field optional (TypeScript type of the `Email` schema). */
export type Email = Static<typeof Email>
