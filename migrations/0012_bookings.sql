-- Hand-written (issue 15): btree_gist lets one GiST index compare the artist (=) and the time (&&).
CREATE EXTENSION IF NOT EXISTS btree_gist;--> statement-breakpoint
CREATE TABLE "bookings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"artist_id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"status" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"blocked_until" timestamp with time zone NOT NULL,
	"hold_expires_at" timestamp with time zone,
	"checkout_session_id" text,
	"calendar_event_id" text,
	"revision" integer DEFAULT 0 NOT NULL,
	"released_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bookings_status_ck" CHECK ("status" IN ('HELD', 'CONFIRMED', 'RELEASED', 'CANCELLED')),
	CONSTRAINT "bookings_times_ck" CHECK ("bookings"."ends_at" > "bookings"."starts_at" AND "bookings"."blocked_until" >= "bookings"."ends_at")
);
--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_artist_id_artists_id_fk" FOREIGN KEY ("artist_id") REFERENCES "public"."artists"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bookings_artist_start_idx" ON "bookings" USING btree ("artist_id","starts_at");--> statement-breakpoint
CREATE INDEX "bookings_hold_expiry_idx" ON "bookings" USING btree ("hold_expires_at") WHERE "status" = 'HELD';--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_lead_blocking_uq" ON "bookings" USING btree ("lead_id") WHERE "status" IN ('HELD', 'CONFIRMED');--> statement-breakpoint
-- Hand-written (issue 15): the last line against double booking. Two HELD or CONFIRMED rows of one
-- artist can never block overlapping time ([starts_at, blocked_until): the session and the buffer
-- after it). A violation is SQLSTATE 23P01, which src/db/booking-store.ts reads as "slot taken".
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap" EXCLUDE USING gist (
	"artist_id" WITH =,
	tstzrange("starts_at", "blocked_until", '[)') WITH &&
) WHERE ("status" IN ('HELD', 'CONFIRMED'));
