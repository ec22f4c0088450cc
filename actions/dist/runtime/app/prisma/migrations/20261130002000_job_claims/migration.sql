-- AlterTable: the token claims the policy reads, kept with a job so it is decided as the call would be.
-- Existing jobs get NULL (no claims), which denies claim-based rules as before this column existed.
ALTER TABLE "jobs" ADD COLUMN "claims" JSONB;
