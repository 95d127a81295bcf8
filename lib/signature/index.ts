/** fastify-magnetis-webhooks/signature: the signature rule free of Fastify, for other servers (docs/signature-rule.md). */
export { signatureBaseString, sign, verifySignature, SIGNATURE_HEADER } from './sign.js'
export { pairsFromBody } from '../body/read.js'
export { verifyRawBody } from '../body/verify.js'
export type { VerifyRawBodyOptions } from '../body/verify.js'
