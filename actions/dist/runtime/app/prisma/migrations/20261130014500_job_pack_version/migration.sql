-- AlterTable: the pack version range a call asked for, kept with its job so the job is routed as the call would be.
ALTER TABLE "jobs" ADD COLUMN "pack_version" TEXT;
