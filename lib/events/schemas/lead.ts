/** The LEAD resource (`lead:created`, LEAD `test`): the page names it only, so every field is inferred (origin ids, contact, CALL analogy) and none is guaranteed (docs/resources.md); replace it with the `schemas` option. */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Maybe, VendorDateTime, Visitor } from './shared.js'

/** A lead created after a call or a tracked email, every field inferred and optional (docs/resources.md). */
export const Lead = Type.Object({
  id: Maybe(Type.String(), 'inferred: lead id, "lead-" then a UUID (by analogy with "call-…")'),
  account: Maybe(Account, 'inferred: the account, shaped as the CALL sample\'s account'),
  date: Maybe(VendorDateTime('when the lead was created'), 'inferred: when the lead was created'),
  channel_name: Maybe(Type.String(), 'inferred: marketing channel the lead is attributed to, as for a call'),
  channel_type: Maybe(Type.String(), 'inferred: that channel\'s type, as for a call'),
  call_id: Maybe(Type.String(), 'inferred: id ("call-…") of the call the lead came from; null when it came from an email'),
  email_id: Maybe(Type.String(), 'inferred: id ("eml-…") of the email the lead came from; null when it came from a call'),
  contact_name: Maybe(Type.String(), 'inferred: the contact\'s name; null when unknown'),
  contact_email: Maybe(Type.String(), 'inferred: the contact\'s address; null when unknown'),
  contact_phone: Maybe(Type.String(), 'inferred: the contact\'s number, international without "+"; null when unknown'),
  tracked_number: Maybe(Type.String(), 'inferred: the tracked number called, for a lead from a call; null for a lead from an email'),
  tracked_email: Maybe(Type.String(), 'inferred: the tracked address written to, for a lead from an email; null for a lead from a call'),
  visitor: Maybe(Visitor, 'inferred: the web visitor attributed to the lead, shaped as the CALL sample\'s visitor')
}, { description: 'LEAD resource: a lead created after a call or a tracked email (fields inferred, none guaranteed)' })
/** The `data` of a `lead:created` event, every field optional and nullable (TypeScript type of the `Lead` schema). */
export type Lead = Static<typeof Lead>
