import { Migration } from "@medusajs/framework/mikro-orm/migrations";

/** Indexes for the reads that grew with the shop's history (issue 21). */
export class Migration20261207231918 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_order_payment_collection_id" ON "gateway_order" ("payment_collection_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_event_created_at_id" ON "gateway_event" ("created_at", "id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_gateway_event_flagged_created_at_id" ON "gateway_event" ("created_at", "id") WHERE flag_reason IS NOT NULL AND deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "IDX_gateway_event_flagged_created_at_id";`);
    this.addSql(`drop index if exists "IDX_gateway_event_created_at_id";`);
    this.addSql(`drop index if exists "IDX_gateway_order_payment_collection_id";`);
  }

}
