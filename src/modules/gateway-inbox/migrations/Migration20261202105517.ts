import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261202105517 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "gateway_webhook_refusal" drop constraint if exists "gateway_webhook_refusal_provider_id_hour_reason_unique";`);
    this.addSql(`create table if not exists "gateway_webhook_refusal" ("id" text not null, "provider_id" text not null, "hour" timestamptz not null, "reason" text check ("reason" in ('unauthorized', 'malformed')) not null, "count" integer not null default 0, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "gateway_webhook_refusal_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_webhook_refusal_deleted_at" ON "gateway_webhook_refusal" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_gateway_webhook_refusal_provider_id_hour_reason_unique" ON "gateway_webhook_refusal" ("provider_id", "hour", "reason") WHERE deleted_at IS NULL;`);

    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_event_provider_id_created_at" ON "gateway_event" ("provider_id", "created_at") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "IDX_gateway_event_provider_id_created_at";`);

    this.addSql(`drop table if exists "gateway_webhook_refusal" cascade;`);
  }

}
