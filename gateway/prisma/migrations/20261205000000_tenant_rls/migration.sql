-- Tenancy (docs/tenancy.md, "Database isolation"): every tenant-owned row names its tenant, and row-level
-- security keeps each transaction to the tenants it set. Rows stored before tenants existed belong to the
-- implicit tenant 'default' (a repository without tenants/ is that one tenant).

-- AlterTable
ALTER TABLE "traces" ADD COLUMN "tenant" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "approvals" ADD COLUMN "tenant" TEXT NOT NULL DEFAULT 'default';
ALTER TABLE "jobs" ADD COLUMN "tenant" TEXT NOT NULL DEFAULT 'default';

-- CreateIndex: a tenant's console pages (traces by time, approvals by status, jobs by date).
CREATE INDEX "traces_tenant_time_id_idx" ON "traces"("tenant", "time" DESC, "id" DESC);
CREATE INDEX "approvals_tenant_status_created_idx" ON "approvals"("tenant", "status", "created_at" DESC);
CREATE INDEX "jobs_tenant_created_idx" ON "jobs"("tenant", "created_at" DESC);

-- Row-level security. A transaction names its tenants with set_config('raku.tenants', 'a,b', true) or all of
-- them with set_config('raku.all_tenants', 'on', true) (organisation admins and the gateway's maintenance).
-- Nothing set: no row is visible and none can be written. FORCE applies the policies to the tables' owner too;
-- superusers and BYPASSRLS roles still bypass them, so the gateway's queries run as a role that is neither.
ALTER TABLE "traces" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "traces" FORCE ROW LEVEL SECURITY;
ALTER TABLE "approvals" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "approvals" FORCE ROW LEVEL SECURITY;
ALTER TABLE "jobs" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "jobs" FORCE ROW LEVEL SECURITY;

CREATE POLICY "traces_tenant_isolation" ON "traces" FOR ALL
    USING (current_setting('raku.all_tenants', true) = 'on'
        OR "tenant" = ANY (string_to_array(current_setting('raku.tenants', true), ',')))
    WITH CHECK (current_setting('raku.all_tenants', true) = 'on'
        OR "tenant" = ANY (string_to_array(current_setting('raku.tenants', true), ',')));
CREATE POLICY "approvals_tenant_isolation" ON "approvals" FOR ALL
    USING (current_setting('raku.all_tenants', true) = 'on'
        OR "tenant" = ANY (string_to_array(current_setting('raku.tenants', true), ',')))
    WITH CHECK (current_setting('raku.all_tenants', true) = 'on'
        OR "tenant" = ANY (string_to_array(current_setting('raku.tenants', true), ',')));
CREATE POLICY "jobs_tenant_isolation" ON "jobs" FOR ALL
    USING (current_setting('raku.all_tenants', true) = 'on'
        OR "tenant" = ANY (string_to_array(current_setting('raku.tenants', true), ',')))
    WITH CHECK (current_setting('raku.all_tenants', true) = 'on'
        OR "tenant" = ANY (string_to_array(current_setting('raku.tenants', true), ',')));
