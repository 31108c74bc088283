CREATE TABLE "inbox_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"key_fingerprint" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "inbox_sessions_id_ck" CHECK ("id" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "inbox_sessions_key_fingerprint_ck" CHECK ("key_fingerprint" ~ '^[0-9a-f]{16}$'),
	CONSTRAINT "inbox_sessions_lifetime_ck" CHECK ("inbox_sessions"."expires_at" > "inbox_sessions"."created_at")
);
--> statement-breakpoint
CREATE INDEX "inbox_sessions_expires_idx" ON "inbox_sessions" USING btree ("expires_at");