CREATE TABLE "sheet_rows" (
	"lead_id" uuid PRIMARY KEY NOT NULL,
	"row_number" integer,
	"lead_version" integer DEFAULT 0 NOT NULL,
	"synced_version" integer,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dirty_since" timestamp with time zone,
	"written_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sheet_sync_state" (
	"spreadsheet_id" text PRIMARY KEY NOT NULL,
	"recent_writes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"blocked_until" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"flush_due_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	"failure" text,
	"artist_told_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sheet_rows" ADD CONSTRAINT "sheet_rows_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sheet_rows_row_number_uq" ON "sheet_rows" USING btree ("row_number");--> statement-breakpoint
CREATE INDEX "sheet_rows_dirty_idx" ON "sheet_rows" USING btree ("dirty_since") WHERE "sheet_rows"."dirty_since" IS NOT NULL;