DROP INDEX "leads_next_reminder_idx";--> statement-breakpoint
ALTER TABLE "leads" DROP COLUMN "next_reminder_at";--> statement-breakpoint
ALTER TABLE "leads" DROP COLUMN "reminders_sent";