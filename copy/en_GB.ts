/**
 * Client-facing copy, British English. Every sentence a client or the artist reads lives here.
 *
 * Placeholders are `{name}`; a key may hold several variants (an array), picked deterministically
 * by the renderer so a retry renders the same text. Keys are grouped by feature.
 */
export const en_GB = {
  "consultation.welcome": [
    "Hi{greetingName}! I'm {artistName}'s booking assistant. I'll ask a few quick questions about your tattoo, one at a time. Type HUMAN at any point to talk to {artistName}, or STOP to stop messages.",
    "Hello{greetingName}! Thanks for getting in touch with {artistName}. I'll ask you a few short questions about your idea, one at a time. Type HUMAN whenever you'd like {artistName} instead, or STOP to stop messages.",
  ],
  "question.idea": "First, tell me about your idea: what would you like to get tattooed?",
  "question.placement": "Where on your body would you like it?",
  "question.dimensions": "Roughly how big should it be? A width and height is perfect, e.g. 10 x 15 cm.",
  "question.style": "Which style are you after? For example fine line, blackwork, traditional, realism…",
  "question.complexity": "How detailed is it? 1 = simple, 2 = some detail, 3 = very detailed.",
  "question.coverup": "Is this a cover-up of an existing tattoo?",
  "question.reference_images": "Do you have any reference images? Send them here, or reply NO.",
  "question.budget": "What budget do you have in mind? e.g. £400",
  "question.location_city": "Which city are you based in?",
  "question.location_country": "And which country?",
  "question.instagram": "What's your Instagram handle? (Reply NONE if you'd rather not say.)",
  "question.travel_city": "Which city would you travel to for your session? Reply SAME if it's where you live.",
  "question.timing": "Finally, when would suit you? e.g. weekday evenings, or the next 2–4 weeks.",
  "consultation.complete":
    "Thank you{greetingName}, that's everything I need! {artistName} will look over your idea and get back to you here, usually within {replyDays} days.",
  "optout.confirmed": "You won't receive any more messages from us. If you change your mind, just reply START.",
  "optin.confirmed": "Welcome back! Let's carry on where we left off.",
  "pilot.not_enrolled":
    "Thanks for your message! {artistName} is trying out a new booking assistant with a small group of clients at the moment, so they'll reply to you personally as soon as they can.",
  "outbox.template_default_name": "there",
  "outbox.template_fallback_notice": "Hi{greetingName}, {artistName} has an update about your tattoo enquiry. Reply to this message to continue.",
  "artist.template_alert_subject": "a message needs your attention in the Inkline inbox",
  "artist.parked_message":
    "Inkline could not process a message from {maskedPhone} after {attempts} attempts ({reason}). It has been set aside; open the inbox to look at it.",
} as const;

export type CopyKey = keyof typeof en_GB;
