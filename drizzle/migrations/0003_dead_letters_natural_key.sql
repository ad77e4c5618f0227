ALTER TABLE "dead_letters" ADD COLUMN "position" integer DEFAULT -1 NOT NULL;--> statement-breakpoint
-- copies written before this index existed (a replica died between COMMIT and ack) are removed first
DELETE FROM "dead_letters" a USING "dead_letters" b WHERE a."id" > b."id" AND a."stream_seq" = b."stream_seq" AND a."received_at" = b."received_at" AND a."code" = b."code" AND a."reason" = b."reason";--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_natural_key_idx" ON "dead_letters" USING btree ("stream_seq","received_at","position","code",md5("reason"));