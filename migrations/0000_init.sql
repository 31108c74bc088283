CREATE TABLE "action_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token_hash" text NOT NULL,
	"lead_id" uuid NOT NULL,
	"action" text NOT NULL,
	"allowed_statuses" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "action_tokens_action_ck" CHECK ("action" IN ('approve', 'reject', 'send_deposit', 'send_booking_link', 'mark_booked', 'resume', 'refund')),
	CONSTRAINT "action_tokens_hash_ck" CHECK ("token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "attachments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lead_id" uuid NOT NULL,
	"provider_media_id" text NOT NULL,
	"source_message_id" text,
	"mime_type" text,
	"caption" text,
	"sha256" text,
	"size_bytes" integer,
	"r2_key" text,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "attachments_status_ck" CHECK ("status" IN ('PENDING', 'UPLOADED', 'FAILED')),
	CONSTRAINT "attachments_size_ck" CHECK ("attachments"."size_bytes" IS NULL OR "attachments"."size_bytes" >= 0)
);
--> statement-breakpoint
CREATE TABLE "lead_answers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"lead_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"question_key" text NOT NULL,
	"raw_text" text,
	"value" jsonb,
	"source_message_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lead_answers_seq_ck" CHECK ("lead_answers"."seq" > 0)
);
--> statement-breakpoint
CREATE TABLE "lead_notes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"lead_id" uuid NOT NULL,
	"author" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lead_notes_body_ck" CHECK (length("lead_notes"."body") BETWEEN 1 AND 5000)
);
--> statement-breakpoint
CREATE TABLE "leads" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"artist_id" text DEFAULT 'default' NOT NULL,
	"phone_e164" text NOT NULL,
	"wa_id" text,
	"display_name" text,
	"locale" text DEFAULT 'en_GB' NOT NULL,
	"status" text DEFAULT 'NEW' NOT NULL,
	"status_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"current_question" text,
	"failure_counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"answer_count" integer DEFAULT 0 NOT NULL,
	"opted_out" boolean DEFAULT false NOT NULL,
	"opted_out_at" timestamp with time zone,
	"pilot_notice_sent_at" timestamp with time zone,
	"last_client_message_at" timestamp with time zone,
	"last_client_message_id" text,
	"service_window_ends_at" timestamp with time zone,
	"last_outbound_at" timestamp with time zone,
	"outbox_count" integer DEFAULT 0 NOT NULL,
	"last_delivery_error" text,
	"handover_reason" text,
	"handover_at" timestamp with time zone,
	"handover_packet" jsonb,
	"holding_reply_sent_at" timestamp with time zone,
	"resume_status" text,
	"region" text,
	"size_category" text,
	"estimated_days" integer,
	"price_min_minor" integer,
	"price_max_minor" integer,
	"price_currency" text,
	"estimate_trace" jsonb,
	"tour_offer" jsonb,
	"tour_city" text,
	"waitlist_city" text,
	"time_windows" jsonb,
	"approved_at" timestamp with time zone,
	"rejected_at" timestamp with time zone,
	"rejection_reason" text,
	"deposit_amount_minor" integer,
	"deposit_currency" text,
	"deposit_rule_version" text,
	"deposit_locked_at" timestamp with time zone,
	"deposit_attempt" integer DEFAULT 0 NOT NULL,
	"stripe_checkout_session_id" text,
	"deposit_link_url" text,
	"deposit_link_expires_at" timestamp with time zone,
	"deposit_paid_at" timestamp with time zone,
	"stripe_payment_intent_id" text,
	"refunded_amount_minor" integer DEFAULT 0 NOT NULL,
	"deposit_ledger" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"slot_start" timestamp with time zone,
	"slot_end" timestamp with time zone,
	"slot_hold_expires_at" timestamp with time zone,
	"calendar_event_id" text,
	"booking_link_sent_at" timestamp with time zone,
	"booked_at" timestamp with time zone,
	"next_reminder_at" timestamp with time zone,
	"reminders_sent" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"consultation_completed_at" timestamp with time zone,
	"artist_notified_at" timestamp with time zone,
	"sheets_synced_version" integer,
	"sheets_synced_at" timestamp with time zone,
	"version" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "leads_status_ck" CHECK ("status" IN ('NEW', 'QUALIFYING', 'PENDING_APPROVAL', 'NEEDS_ARTIST_REPLY', 'NEEDS_FOLLOW_UP', 'TOUR_CONVERSION_OFFERED', 'WAITLISTED', 'COLLECTING_TIME_WINDOWS', 'AWAITING_DEPOSIT', 'DEPOSIT_EXPIRED', 'DEPOSIT_PAID', 'BOOKING_PENDING', 'BOOKED', 'REJECTED', 'ABANDONED', 'STALE', 'OPTOUT')),
	CONSTRAINT "leads_resume_status_ck" CHECK ("resume_status" IN ('NEW', 'QUALIFYING', 'PENDING_APPROVAL', 'NEEDS_ARTIST_REPLY', 'NEEDS_FOLLOW_UP', 'TOUR_CONVERSION_OFFERED', 'WAITLISTED', 'COLLECTING_TIME_WINDOWS', 'AWAITING_DEPOSIT', 'DEPOSIT_EXPIRED', 'DEPOSIT_PAID', 'BOOKING_PENDING', 'BOOKED', 'REJECTED', 'ABANDONED', 'STALE', 'OPTOUT')),
	CONSTRAINT "leads_phone_e164_ck" CHECK ("phone_e164" ~ '^\+[1-9][0-9]{6,14}$'),
	CONSTRAINT "leads_region_ck" CHECK ("region" IN ('UK', 'EUROPE', 'ROW')),
	CONSTRAINT "leads_size_category_ck" CHECK ("size_category" IN ('SMALL', 'MEDIUM', 'LARGE', 'XL')),
	CONSTRAINT "leads_price_range_ck" CHECK ("leads"."price_min_minor" IS NULL OR "leads"."price_max_minor" >= "leads"."price_min_minor"),
	CONSTRAINT "leads_deposit_positive_ck" CHECK ("leads"."deposit_amount_minor" IS NULL OR "leads"."deposit_amount_minor" > 0),
	CONSTRAINT "leads_refund_ck" CHECK ("leads"."refunded_amount_minor" >= 0),
	CONSTRAINT "leads_version_ck" CHECK ("leads"."version" >= 0)
);
--> statement-breakpoint
CREATE TABLE "outbox_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"lead_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"to_phone" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"copy_key" text,
	"status" text DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"provider_message_id" text,
	"last_error_code" text,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"read_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_kind_ck" CHECK ("kind" IN ('text', 'buttons', 'list', 'template', 'media')),
	CONSTRAINT "outbox_status_ck" CHECK ("status" IN ('PENDING', 'SENT', 'DELIVERED', 'READ', 'FAILED', 'SKIPPED')),
	CONSTRAINT "outbox_to_phone_ck" CHECK ("to_phone" ~ '^\+[1-9][0-9]{6,14}$'),
	CONSTRAINT "outbox_seq_ck" CHECK ("outbox_messages"."seq" > 0)
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"lead_id" uuid,
	"outcome" text,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_events_provider_ck" CHECK ("provider" IN ('whatsapp', 'stripe', 'artist', 'admin', 'cron', 'system'))
);
--> statement-breakpoint
CREATE TABLE "system_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"level" text DEFAULT 'info' NOT NULL,
	"type" text NOT NULL,
	"lead_id" uuid,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"correlation_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "system_events_level_ck" CHECK ("level" IN ('debug', 'info', 'warn', 'error'))
);
--> statement-breakpoint
ALTER TABLE "action_tokens" ADD CONSTRAINT "action_tokens_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_answers" ADD CONSTRAINT "lead_answers_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_notes" ADD CONSTRAINT "lead_notes_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_messages_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "processed_events" ADD CONSTRAINT "processed_events_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "system_events" ADD CONSTRAINT "system_events_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "action_tokens_hash_uq" ON "action_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "action_tokens_lead_idx" ON "action_tokens" USING btree ("lead_id","action");--> statement-breakpoint
CREATE UNIQUE INDEX "attachments_lead_media_uq" ON "attachments" USING btree ("lead_id","provider_media_id");--> statement-breakpoint
CREATE INDEX "attachments_pending_idx" ON "attachments" USING btree ("next_attempt_at") WHERE "attachments"."status" = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "lead_answers_lead_seq_uq" ON "lead_answers" USING btree ("lead_id","seq");--> statement-breakpoint
CREATE INDEX "lead_answers_latest_idx" ON "lead_answers" USING btree ("lead_id","question_key","seq" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "lead_notes_lead_idx" ON "lead_notes" USING btree ("lead_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "leads_phone_e164_uq" ON "leads" USING btree ("phone_e164");--> statement-breakpoint
CREATE INDEX "leads_status_updated_idx" ON "leads" USING btree ("status","updated_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "leads_created_idx" ON "leads" USING btree ("created_at" DESC NULLS LAST,"id");--> statement-breakpoint
CREATE INDEX "leads_next_reminder_idx" ON "leads" USING btree ("next_reminder_at") WHERE "leads"."next_reminder_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "leads_deposit_expiry_idx" ON "leads" USING btree ("deposit_link_expires_at") WHERE "leads"."status" = 'AWAITING_DEPOSIT';--> statement-breakpoint
CREATE UNIQUE INDEX "leads_checkout_session_uq" ON "leads" USING btree ("stripe_checkout_session_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_lead_seq_uq" ON "outbox_messages" USING btree ("lead_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_provider_message_uq" ON "outbox_messages" USING btree ("provider_message_id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox_messages" USING btree ("next_attempt_at") WHERE "outbox_messages"."status" = 'PENDING';--> statement-breakpoint
CREATE UNIQUE INDEX "processed_events_provider_event_uq" ON "processed_events" USING btree ("provider","event_id");--> statement-breakpoint
CREATE INDEX "processed_events_lead_idx" ON "processed_events" USING btree ("lead_id");--> statement-breakpoint
CREATE INDEX "system_events_type_time_idx" ON "system_events" USING btree ("type","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "system_events_lead_time_idx" ON "system_events" USING btree ("lead_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "system_events_time_idx" ON "system_events" USING btree ("created_at" DESC NULLS LAST);