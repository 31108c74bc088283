CREATE TABLE "slot_offers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"artist_id" uuid NOT NULL,
	"freed_start" timestamp with time zone NOT NULL,
	"freed_end" timestamp with time zone NOT NULL,
	"lead_id" uuid NOT NULL,
	"slot_start" timestamp with time zone NOT NULL,
	"slot_end" timestamp with time zone NOT NULL,
	"offered_at" timestamp with time zone NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"outcome" text DEFAULT 'OFFERED' NOT NULL,
	"answered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "slot_offers_outcome_ck" CHECK ("outcome" IN ('OFFERED', 'ACCEPTED', 'DECLINED', 'LOST', 'LAPSED', 'SKIPPED')),
	CONSTRAINT "slot_offers_times_ck" CHECK ("slot_offers"."freed_end" > "slot_offers"."freed_start" AND "slot_offers"."slot_end" > "slot_offers"."slot_start")
);
--> statement-breakpoint
ALTER TABLE "slot_offers" ADD CONSTRAINT "slot_offers_artist_id_artists_id_fk" FOREIGN KEY ("artist_id") REFERENCES "public"."artists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slot_offers" ADD CONSTRAINT "slot_offers_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "slot_offers_lead_uq" ON "slot_offers" USING btree ("artist_id","freed_start","freed_end","lead_id");--> statement-breakpoint
CREATE UNIQUE INDEX "slot_offers_open_uq" ON "slot_offers" USING btree ("artist_id","freed_start","freed_end") WHERE "outcome" = 'OFFERED';--> statement-breakpoint
CREATE INDEX "slot_offers_deadline_idx" ON "slot_offers" USING btree ("deadline") WHERE "outcome" = 'OFFERED';