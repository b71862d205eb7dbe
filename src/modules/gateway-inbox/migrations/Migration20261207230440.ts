import { Migration } from "@medusajs/framework/mikro-orm/migrations";

/**
 * A notification is the same as a stored one only for the same session too
 * (provider, gateway id + outcome, session). Stored rows keep their event keys,
 * which are the gateway's id and outcome as the providers still compute them,
 * and already name their session: copies arriving after the upgrade find them
 * under the new index. The old index was stricter, so every stored row fits the
 * new one; it is created before the old one goes, so no moment is without one.
 */
export class Migration20261207230440 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_gateway_event_provider_id_event_key_session_id_unique" ON "gateway_event" ("provider_id", "event_key", "session_id") WHERE deleted_at IS NULL;`);
    this.addSql(`drop index if exists "IDX_gateway_event_provider_id_event_key_unique";`);
  }

  override async down(): Promise<void> {
    // back to one event per gateway id and outcome: the later of two sessions' events sharing one is set aside
    this.addSql(`update "gateway_event" e set deleted_at = now() where deleted_at is null and exists (select 1 from "gateway_event" o where o.provider_id = e.provider_id and o.event_key = e.event_key and o.deleted_at is null and (o.created_at, o.id) < (e.created_at, e.id));`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_gateway_event_provider_id_event_key_unique" ON "gateway_event" ("provider_id", "event_key") WHERE deleted_at IS NULL;`);
    this.addSql(`drop index if exists "IDX_gateway_event_provider_id_event_key_session_id_unique";`);
  }

}
