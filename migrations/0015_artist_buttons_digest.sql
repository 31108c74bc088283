ALTER TABLE "outbox_messages" DROP CONSTRAINT "outbox_kind_ck";--> statement-breakpoint
ALTER TABLE "artists" ADD COLUMN "digest_hour" smallint;--> statement-breakpoint
ALTER TABLE "artists" ADD COLUMN "digest_sent_slot" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "artists" ADD CONSTRAINT "artists_digest_hour_ck" CHECK ("artists"."digest_hour" IS NULL OR "artists"."digest_hour" BETWEEN 0 AND 23);--> statement-breakpoint
ALTER TABLE "outbox_messages" ADD CONSTRAINT "outbox_kind_ck" CHECK ("kind" IN ('text', 'buttons', 'list', 'template', 'media', 'actions', 'cta'));