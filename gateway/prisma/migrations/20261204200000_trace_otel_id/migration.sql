-- AlterTable: the W3C trace id of each call (OpenTelemetry), so a stored trace links to the tracing backend.
-- Traces stored before this column existed keep NULL.
ALTER TABLE "traces" ADD COLUMN "trace_id" TEXT;

-- CreateIndex: finding the row of a trace id seen in the tracing backend.
CREATE INDEX "traces_trace_id_idx" ON "traces"("trace_id");
