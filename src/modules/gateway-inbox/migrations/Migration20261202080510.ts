import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261202080510 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "gateway_order" drop constraint if exists "gateway_order_session_id_unique";`);

    this.addSql(`create table if not exists "gateway_order" ("id" text not null, "provider_id" text not null, "session_id" text not null, "payment_collection_id" text not null, "cart_id" text null, "amount" numeric not null, "currency_code" text not null, "gateway_reference" text null, "state" text check ("state" in ('open', 'settled', 'dropped')) not null default 'open', "next_check_at" timestamptz null, "checks" integer not null default 0, "raw_amount" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "gateway_order_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_order_deleted_at" ON "gateway_order" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_gateway_order_session_id_unique" ON "gateway_order" ("session_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_order_state_next_check_at" ON "gateway_order" ("state", "next_check_at") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gateway_order" cascade;`);
  }

}
