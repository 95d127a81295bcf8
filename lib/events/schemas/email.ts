/** The EMAIL resource (`email:received`, EMAIL `test`): the page names it only, so every field is inferred from the CALL sample and none is guaranteed (docs/resources.md); replace it with the `schemas` option. */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Maybe, VendorDateTime, Visitor } from './shared.js'

/** A tracked email received, every field inferred and optional (docs/resources.md). */
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
