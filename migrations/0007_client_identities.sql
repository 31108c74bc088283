ALTER TABLE "leads" ALTER COLUMN "phone_e164" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox_messages" ALTER COLUMN "to_phone" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "conversation_key" text;--> statement-breakpoint
-- Every lead so far lives in the object named after its number.
UPDATE "leads" SET "conversation_key" = "phone_e164" WHERE "conversation_key" IS NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "bsuid" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "parent_bsuid" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "username" text;--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD COLUMN "to_user_id" text;--> statement-breakpoint
CREATE UNIQUE INDEX "leads_conversation_key_uq" ON "leads" USING btree ("conversation_key");--> statement-breakpoint
CREATE INDEX "leads_bsuid_idx" ON "leads" USING btree ("bsuid");--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_bsuid_ck" CHECK ("bsuid" ~ '^[A-Z]{2}\.[A-Za-z0-9][A-Za-z0-9.]{0,140}$');--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_reachable_ck" CHECK ("leads"."phone_e164" IS NOT NULL OR "leads"."bsuid" IS NOT NULL);--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_to_user_id_ck" CHECK ("to_user_id" ~ '^[A-Z]{2}\.[A-Za-z0-9][A-Za-z0-9.]{0,140}$');--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_recipient_ck" CHECK ("outbox_messages"."to_phone" IS NOT NULL OR "outbox_messages"."to_user_id" IS NOT NULL);