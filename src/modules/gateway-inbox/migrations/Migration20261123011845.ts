import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261123011845 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "gateway_event" drop constraint if exists "gateway_event_provider_id_event_key_unique";`);
    this.addSql(`create table if not exists "gateway_event" ("id" text not null, "provider_id" text not null, "event_key" text not null, "session_id" text null, "action" text not null, "gateway_status" text not null, "gateway_reference" text null, "amount" numeric null, "currency_code" text null, "state" text check ("state" in ('received', 'processing', 'processed', 'failed', 'flagged', 'ignored')) not null default 'received', "flag_reason" text null, "attempts" integer not null default 0, "last_error" text null, "processed_at" timestamptz null, "confirmation" jsonb null, "payload" jsonb null, "raw_amount" jsonb null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "gateway_event_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_event_deleted_at" ON "gateway_event" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_gateway_event_provider_id_event_key_unique" ON "gateway_event" ("provider_id", "event_key") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_event_session_id" ON "gateway_event" ("session_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_event_state" ON "gateway_event" ("state") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gateway_event" cascade;`);
  }

}
