-- DropIndex
DROP INDEX "route_targets_tenant_id_route_id_position_key";

-- CreateIndex
CREATE INDEX "route_targets_tenant_id_route_id_position_idx" ON "route_targets"("tenant_id", "route_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "route_targets_tenant_id_route_id_model_id_key" ON "route_targets"("tenant_id", "route_id", "model_id");
