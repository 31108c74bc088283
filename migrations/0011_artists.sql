CREATE TABLE "artists" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"handle" text NOT NULL,
	"name" text NOT NULL,
	"whatsapp_number" text,
	"time_zone" text NOT NULL,
	"availability" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "artists_handle_ck" CHECK ("handle" ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
	CONSTRAINT "artists_name_ck" CHECK (length("artists"."name") BETWEEN 1 AND 100),
	CONSTRAINT "artists_whatsapp_number_ck" CHECK ("whatsapp_number" ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE UNIQUE INDEX "artists_handle_uq" ON "artists" USING btree ("handle");