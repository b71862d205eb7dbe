import { Migration } from "@medusajs/framework/mikro-orm/migrations";

/** Paid, no order: payments whose cart could not become its order, kept for the operator (issue 22). */
export class Migration20261208001000 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table if not exists "gateway_paid_without_order" ("id" text not null, "provider_id" text not null, "session_id" text not null, "event_id" text null, "cart_id" text not null, "email" text null, "amount" text not null, "currency_code" text not null, "reason" text not null, "state" text check ("state" in ('open', 'resolved')) not null default 'open', "resolution" text null, "resolved_by" text null, "resolved_at" timestamptz null, "order_id" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "gateway_paid_without_order_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_paid_without_order_deleted_at" ON "gateway_paid_without_order" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_gateway_paid_without_order_session_id_unique" ON "gateway_paid_without_order" ("session_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_paid_without_order_state" ON "gateway_paid_without_order" ("state") WHERE deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "gateway_paid_without_order" cascade;`);
  }

}
