/**
 * The EMAIL resource: the `data` of `email:received` and of a `test` event
 * sent for the EMAIL data model.
 *
 * From the page: only that the resource exists ("EMAIL resource: for tracked
 * emails received", "Testing the Webhook") and its event `email:received`.
 * Inferred: every field, by analogy with the CALL sample (a tracked address
 * in place of a tracked number, a sender in place of a caller).
 *
 * Guaranteed: nothing. Since every field is a guess, requiring one (even
 * `id`) could refuse every real delivery; so each field may be absent or
 * null (filled with `null` when absent), and objects keep unknown fields.
 * Replace this schema (the validator's `schemas` option) once the real
 * shape is known.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Maybe, VendorDateTime, Visitor } from './shared.js'

/** A tracked email received, every field inferred and optional (see the module comment). */
export const Email = Type.Object({
  id: Maybe(Type.String(), 'inferred: email id, "eml-" then a UUID (by analogy with "call-…")'),
  account: Maybe(Account, 'inferred: the account, shaped as the CALL sample\'s account'),
  date: Maybe(VendorDateTime('when the email was received'), 'inferred: when the email was received'),
  channel_name: Maybe(Type.String(), 'inferred: marketing channel the email is attributed to, as for a call'),
  channel_type: Maybe(Type.String(), 'inferred: that channel\'s type, as for a call'),
  tracked_email: Maybe(Type.String(), 'inferred: the tracked address the email was sent to (the counterpart of tracked_number)'),
  recipient_email: Maybe(Type.String(), 'inferred: the address the email was forwarded to (the counterpart of recipient_number)'),
  sender_email: Maybe(Type.String(), 'inferred: the sender\'s address (the counterpart of calling_number)'),
  sender_name: Maybe(Type.String(), 'inferred: the sender\'s display name; null when the message has none'),
  subject: Maybe(Type.String(), 'inferred: the subject line; null when the message has none'),
  visitor: Maybe(Visitor, 'inferred: the web visitor the tracked address was shown to, shaped as the CALL sample\'s visitor')
}, { description: 'EMAIL resource: a tracked email received (fields inferred, none guaranteed)' })
/** The `data` of an `email:received` event, every field optional and nullable (TypeScript type of the `Email` schema). */
export type Email = Static<typeof Email>
