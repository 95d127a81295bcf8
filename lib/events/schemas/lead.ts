/**
 * The LEAD resource: the `data` of `lead:created` and of a `test` event sent
 * for the LEAD data model.
 *
 * From the page: that the resource exists and when it is sent ("LEAD
 * resource: when a lead is created after an incoming call or a tracked
 * email", "Testing the Webhook"), and its event `lead:created`. Inferred:
 * every field: the origin's id (`call_id` or `email_id`, from "after an
 * incoming call or a tracked email"), the contact fields, and the rest by
 * analogy with the CALL sample. So EVERY field is optional, and objects keep
 * unknown fields. Replace this schema (the validator's `schemas` option) once
 * the real shape is known.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Nullable, VendorDateTime, Visitor } from './shared.js'

/** A lead created after a call or a tracked email, every field optional and inferred (see the module comment). */
export const Lead = Type.Object({
  id: Type.Optional(Type.String({ description: 'inferred: lead id, "lead-" then a UUID (by analogy with "call-…")' })),
  account: Type.Optional(Type.Partial(Account, { description: 'inferred: the account, shaped as the CALL sample\'s account' })),
  date: Type.Optional(VendorDateTime('inferred: when the lead was created')),
  channel_name: Type.Optional(Type.String({ description: 'inferred: marketing channel the lead is attributed to, as for a call' })),
  channel_type: Type.Optional(Type.String({ description: 'inferred: that channel\'s type, as for a call' })),
  call_id: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: id ("call-…") of the call the lead came from; null when it came from an email' })),
  email_id: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: id ("eml-…") of the email the lead came from; null when it came from a call' })),
  contact_name: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the contact\'s name; null when unknown' })),
  contact_email: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the contact\'s address; null when unknown' })),
  contact_phone: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the contact\'s number, international without "+"; null when unknown' })),
  tracked_number: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the tracked number called, for a lead from a call; null for a lead from an email' })),
  tracked_email: Type.Optional(Nullable(Type.String(), { default: null, description: 'inferred: the tracked address written to, for a lead from an email; null for a lead from a call' })),
  visitor: Type.Optional(Type.Partial(Visitor, { description: 'inferred: the web visitor attributed to the lead, shaped as the CALL sample\'s visitor' }))
}, { description: 'LEAD resource: a lead created after a call or a tracked email (fields inferred, all optional)' })
/** The `data` of a `lead:created` event, every field optional (TypeScript type of the `Lead` schema). */
export type Lead = Static<typeof Lead>
