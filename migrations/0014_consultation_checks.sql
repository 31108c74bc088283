ALTER TABLE "leads" ADD COLUMN "pending_check" jsonb;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "brief" jsonb;