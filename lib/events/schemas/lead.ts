/**
 * The LEAD resource: the `data` of `lead:created` and of a `test` event sent
 * for the LEAD data model.
 *
 * From the page: that the resource exists and when it is sent ("LEAD
 * resource: when a lead is created after an incoming call or a tracked
 * email", "Testing the Webhook"), and its event `lead:created`. Inferred:
 * every field: the origin's id (`call_id` or `email_id`, from "after an
 * incoming call or a tracked email"), the contact fields, and the rest by
 * analogy with the CALL sample.
 *
 * Guaranteed: nothing, for the reason given for EMAIL: every field is a
 * guess, so each may be absent or null (filled with `null` when absent), and
 * objects keep unknown fields. Replace this schema (the validator's
 * `schemas` option) once the real shape is known.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Maybe, VendorDateTime, Visitor } from './shared.js'

/** A lead created after a call or a tracked email, every field inferred and optional (see the module comment). */
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
