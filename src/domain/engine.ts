/**
 * The conversation engine's public face: `decide()` and its types. The rules live in
 * `./engine/` (dispatch, consultation, handover, triggers, estimate, tour, summary, deposit); callers
 * import from here.
 */
export { decide, outsidePilot } from "./engine/decide.ts";
export { decideArtistAction, type ActionDecision } from "./engine/artist-actions.ts";
export { decidePayment, linkTtlMs, withCheckout, withRefund, type PaymentDecision } from "./engine/deposit.ts";
export { attachmentsOf, REFERENCE_FILES_PER_LEAD, type NotKeptReason } from "./engine/attachments.ts";
export { decideFreedOffer, decideFreedWithdraw, type FreedAnswer, type FreedOfferInput, type FreedOfferOutcome } from "./engine/freed-offer.ts";
export { retainAnswers } from "./engine/answers.ts";
export type { HandoverPacket } from "./engine/handover.ts";
export { HandoverReason } from "./engine/triggers.ts";
export {
  ENGINE_DEFAULTS,
  type ActionLinkRequest,
  type ArtistActionInput,
  STORED_MEDIA_KINDS,
  type Decision,
  type EngineConfig,
  type EngineInput,
  type EstimateTrace,
  type EventRecord,
  type LeadPatch,
  type LeadState,
  type NewAnswer,
  type PanicState,
  type NewAttachment,
  type RecordedAnswer,
  type StoredMediaKind,
} from "./engine/types.ts";
