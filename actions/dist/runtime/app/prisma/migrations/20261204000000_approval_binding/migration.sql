-- AlterTable: an approval is bound to the principal who asked (four eyes by issuer + sub) and to the hash of the
-- exact arguments; approvers see the arguments whole with their masked and cut parts listed.
ALTER TABLE "approvals" ADD COLUMN "principal" TEXT;
ALTER TABLE "approvals" ADD COLUMN "args_hash" TEXT;
ALTER TABLE "approvals" ADD COLUMN "masked_paths" TEXT[];
ALTER TABLE "approvals" ADD COLUMN "truncated" JSONB;
