// One payload per data model of the vendor page's "Testing the Webhook": CALL is the page's sample exactly; EMAIL and LEAD are ours.
import { resourceOfEvent, type ResourceName } from './names.js'
import type { Call, Email, Lead, ResourceData } from './schemas/index.js'

/** A whole delivery body: `{ data, event }` (the page's sample lists `data` first). */
export type SampleEnvelope<T> = { data: T, event: string }

type DeepReadonly<T> = T extends ReadonlyArray<infer U>
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T

/** The built-in payloads, by resource. */
export type SamplePayloads = { readonly [R in ResourceName]: DeepReadonly<SampleEnvelope<ResourceData[R]>> }

/** The visitor of the vendor page's sample, shared by the call and lead samples (the lead came from that call). */
const SAMPLE_VISITOR = {
  condition_name: 'Google Ads',
  condition_type: 'google_ads',
  custom_cookies: [],
  custom_local_storage: [],
  custom_params: [],
  ga: 'GA1.1.12345678.87654321',
  gclid: 'EAIaIQobChER4_LZnaeJ4gIV3EdFFh2raA5aEAAYAiAAEgKyCF3_BwE',
  msclkid: null,
  utm: [
    {
      key: 'utm_source',
      value: 'googleads'
    }
  ],
  valuetrack: [],
  '3rdparty': []
}

const CALL_SAMPLE: SampleEnvelope<Call> = {
  data: {
    id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5',
    account: {
      id: 'acc-efd1bbeb-afbb-4895-a6d5-40a13558af49',
      name: 'My account'
    },
    calling_country: 'FRA',
    calling_number: '0033612345678',
    calling_type: 'mobile',
    channel_name: 'Google Ads',
    channel_type: 'googleads',
    date: '2023-08-30 13:57:30',
    duration: 43,
    end_status: 'completed',
    events: [
      {
        date: '2023-08-30 13:57:30',
        name: 'call:in',
        value: null
      },
      {
        date: '2023-08-30 13:57:31',
        name: 'call:out',
        value: '0033687654321'
      },
      {
        date: '2023-08-30 13:57:33',
        name: 'call:ringing',
        value: '0033687654321'
      },
      {
        date: '2023-08-30 13:57:48',
        name: 'call:answered',
        value: '0033687654321'
      },
      {
        date: '2023-08-30 13:58:13',
        name: 'call:completed',
        value: 'no-answer'
      }
    ],
    firsttime_caller: true,
    flow_status: 'completed',
    google_ads_extension: null,
    missed: false,
    number_id: 'num-18dd0fdb-7f21-4999-9335-a5d50d8c716e',
    pool_id: 'pul-c8c7912c-5e3e-4b19-8769-4daadea66dea',
    recipient_number: '0033687654321',
    tracked_country: 'FRA',
    tracked_number: '0033412345678',
    tracked_type: 'geographic',
    voice_duration: 43,
    visitor: SAMPLE_VISITOR
  },
  event: 'test'
}

const EMAIL_SAMPLE: SampleEnvelope<Email> = {
  data: {
    id: 'eml-5b0e7c2a-91d4-4f3e-8a6b-3c2d1e0f9a87',
    account: {
      id: 'acc-efd1bbeb-afbb-4895-a6d5-40a13558af49',
      name: 'My account'
    },
    date: '2023-08-30 14:12:05',
    channel_name: 'Google Ads',
    channel_type: 'googleads',
    tracked_email: 'contact-7h2k@track.example.com',
    recipient_email: 'sales@example.com',
    sender_email: 'jeanne.martin@example.com',
    sender_name: 'Jeanne Martin',
    subject: 'Demande de devis',
    visitor: {
      condition_name: 'Google Ads',
      condition_type: 'google_ads',
      custom_cookies: [],
      custom_local_storage: [],
      custom_params: [],
      ga: 'GA1.1.23456789.98765432',
      gclid: 'EAIaIQobChMI2p3x8cTz4AIVexample_BwE',
      msclkid: null,
      utm: [
        {
          key: 'utm_source',
          value: 'googleads'
        },
        {
          key: 'utm_campaign',
          value: 'devis-2023'
        }
      ],
      valuetrack: [],
      '3rdparty': []
    }
  },
  event: 'test'
}

const LEAD_SAMPLE: SampleEnvelope<Lead> = {
  data: {
    id: 'lead-2e9f4a1c-7b3d-4d8e-b6a0-5f1c9e2d4a6b',
    account: {
      id: 'acc-efd1bbeb-afbb-4895-a6d5-40a13558af49',
      name: 'My account'
    },
    date: '2023-08-30 13:58:20',
    channel_name: 'Google Ads',
    channel_type: 'googleads',
    call_id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5',
    email_id: null,
    contact_name: 'Paul Durand',
    contact_email: 'paul.durand@example.com',
    contact_phone: '0033612345678',
    tracked_number: '0033412345678',
    tracked_email: null,
    visitor: SAMPLE_VISITOR
  },
  event: 'test'
}

/** The built-in payloads, deeply frozen (fake numbers, example.com addresses); `samplePayload` gives a copy you can change. */
export const SAMPLE_PAYLOADS: SamplePayloads = deepFreeze({ call: CALL_SAMPLE, email: EMAIL_SAMPLE, lead: LEAD_SAMPLE })

/** A fresh `{ data, event }` copy of the sample of `resource` (default: the event's resource, else `call`), with `event` set. */
export function samplePayload<R extends ResourceName> (event: string, resource: R): SampleEnvelope<ResourceData[R]>
export function samplePayload (event: string, resource?: ResourceName): SampleEnvelope<Call | Email | Lead>
export function samplePayload (event: string, resource?: ResourceName): SampleEnvelope<Call | Email | Lead> {
  const sample = SAMPLE_PAYLOADS[resource ?? resourceOfEvent(event) ?? 'call']
  return { data: structuredClone(sample.data) as Call | Email | Lead, event }
}

function deepFreeze<T> (value: T): DeepReadonly<T> {
  const pending: unknown[] = [value]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next === null || typeof next !== 'object') continue
    Object.freeze(next)
    pending.push(...Object.values(next))
  }
  return value as DeepReadonly<T>
}
