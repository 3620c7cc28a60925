-- Rate limits can be switched off without deleting them (issue 5).
ALTER TABLE "rate_limits" ADD COLUMN     "enabled" BOOLEAN NOT NULL DEFAULT true;
