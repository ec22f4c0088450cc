-- CreateTable
CREATE TABLE "traces" (
    "id" UUID NOT NULL,
    "time" TIMESTAMPTZ(3) NOT NULL,
    "subject" TEXT NOT NULL,
    "subject_kind" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "route" TEXT,
    "target" TEXT,
    "decision" TEXT NOT NULL,
    "rule" TEXT,
    "revision" TEXT NOT NULL,
    "latency_ms" DOUBLE PRECISION NOT NULL,
    "status" TEXT NOT NULL,
    "args_bytes" INTEGER NOT NULL,
    "result_bytes" INTEGER NOT NULL,
    "args" JSONB,
    "result" JSONB,
    "error" TEXT,

    CONSTRAINT "traces_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "subject_kind" TEXT NOT NULL,
    "groups" TEXT[],
    "arguments" JSONB NOT NULL,
    "approval_id" UUID,
    "result" JSONB,
    "error" TEXT,
    "cancelled_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approvals" (
    "id" UUID NOT NULL,
    "status" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "approvers" TEXT[],
    "tool" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "args" JSONB,
    "revision" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "decided_by" TEXT,
    "reason" TEXT,
    "job_id" UUID,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployments" (
    "id" UUID NOT NULL,
    "zone" TEXT NOT NULL,
    "workload" TEXT NOT NULL,
    "pack" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "image_digest" TEXT,
    "health" TEXT NOT NULL,
    "revision" TEXT,
    "detail" JSONB,
    "observed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "traces_time_id_idx" ON "traces"("time" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "traces_subject_time_idx" ON "traces"("subject", "time" DESC);

-- CreateIndex
CREATE INDEX "traces_tool_time_idx" ON "traces"("tool", "time" DESC);

-- CreateIndex
CREATE INDEX "traces_status_time_idx" ON "traces"("status", "time" DESC);

-- CreateIndex
CREATE INDEX "jobs_status_created_idx" ON "jobs"("status", "created_at");

-- CreateIndex
CREATE INDEX "jobs_subject_created_idx" ON "jobs"("subject", "created_at" DESC);

-- CreateIndex
CREATE INDEX "jobs_approval_idx" ON "jobs"("approval_id");

-- CreateIndex
CREATE INDEX "approvals_status_created_idx" ON "approvals"("status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "approvals_status_expires_idx" ON "approvals"("status", "expires_at");

-- CreateIndex
CREATE INDEX "deployments_zone_observed_idx" ON "deployments"("zone", "observed_at" DESC);

-- CreateIndex
CREATE INDEX "deployments_pack_observed_idx" ON "deployments"("pack", "observed_at" DESC);
