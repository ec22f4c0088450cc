-- AlterTable: the zone of the gateway's bundle that served the call (the console filters and charts by it).
-- Traces stored before this column existed keep NULL.
ALTER TABLE "traces" ADD COLUMN "zone" TEXT;

-- CreateIndex: the console's trace filters on decision, rule and zone, newest first. Chosen from EXPLAIN ANALYZE
-- at 1,000,000 traces (docs/traces.md, "Indexes"): without them a rare value (decision none, an approval rule)
-- walked the time index for 0.3-1.4 s; with them each first page took 5-20 ms.
CREATE INDEX "traces_decision_time_idx" ON "traces"("decision", "time" DESC);

-- CreateIndex
CREATE INDEX "traces_rule_time_idx" ON "traces"("rule", "time" DESC);

-- CreateIndex
CREATE INDEX "traces_zone_time_idx" ON "traces"("zone", "time" DESC);
