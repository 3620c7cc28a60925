"use client";

import { useState } from "react";
import type { Feature } from "@/lib/features/schema";
import type { Flag } from "@/lib/flags/schema";
import { useCan, useTenant } from "@/components/tenant/tenant-context";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatDateTime } from "@/components/ui/format";
import { killSwitchImpact, killSwitchPanel, killSwitchSubject, type KillSwitchSlot } from "./kill-switches";
import { useCreateFlag } from "./use-create-flag";
import { useUpdateFlag } from "./use-update-flag";
import { useUpdateGlobalFlag } from "./use-update-global-flag";

type Confirming = { slot: KillSwitchSlot; turnOn: boolean };

const slotKey = (slot: KillSwitchSlot) => (slot.level === "feature" ? `feature:${slot.feature.id}` : slot.level === "other" ? `flag:${slot.flag.id}` : slot.level);

function slotTitle(slot: KillSwitchSlot, slug: string): { level: string; name: string; region: string } {
  switch (slot.level) {
    case "global":
      return { level: "Global", name: "Every tenant", region: "Global kill switch" };
    case "tenant":
      return { level: "Tenant", name: slug, region: "Tenant kill switch" };
    case "feature":
      return { level: "Feature", name: slot.feature.name, region: `Feature kill switch: ${slot.feature.name}` };
    case "other":
      return { level: slot.flag.scope === "target" ? "Provider / model" : slot.flag.scope, name: slot.flag.key, region: `Kill switch ${slot.flag.key}` };
  }
}

function SwitchCard({
  slot,
  slug,
  canFlip,
  cannotFlipWhy,
  busy,
  targetLabel,
  onFlip,
  onHistory,
}: {
  slot: KillSwitchSlot;
  slug: string;
  canFlip: boolean;
  cannotFlipWhy: string;
  busy: boolean;
  targetLabel: (f: Flag) => string;
  onFlip: (turnOn: boolean) => void;
  onHistory: (f: Flag) => void;
}) {
  const flag = slot.flag;
  const on = flag?.enabled ?? false;
  const title = slotTitle(slot, slug);
  const partial = flag && (flag.rules.length > 0 || flag.rolloutPercent < 100);
  return (
    <div className={`switch-card ${on ? "is-on" : "is-off"}`} role="region" aria-label={title.region} data-state={on ? "on" : "off"}>
      <div className="switch-head">
        <span className="switch-level">{title.level}</span>
        <h3 className={slot.level === "other" ? "mono" : undefined}>{title.name}</h3>
      </div>
      <div className="switch-state" role="status" aria-label={`${title.region} is ${on ? "on" : "off"}`}>
        <span className="switch-dot" aria-hidden="true" />
        <strong>{on ? "ON" : "OFF"}</strong>
        <span>{on ? "AI requests stopped" : "AI traffic flows"}</span>
      </div>
      <p className="switch-desc">
        {slot.level === "other" && slot.flag.scope === "target"
          ? `Stops traffic to ${targetLabel(slot.flag)}.`
          : `Stops every AI request of ${killSwitchSubject(slot, slug, targetLabel)}.`}
        {partial ? ` Partial: ${flag.rules.length ? `${flag.rules.length} rule${flag.rules.length === 1 ? "" : "s"}` : ""}${flag.rules.length && flag.rolloutPercent < 100 ? ", " : ""}${flag.rolloutPercent < 100 ? `${flag.rolloutPercent}% of end-users` : ""}.` : ""}
      </p>
      <div className="switch-meta">
        {flag ? (
          <>
            <span className="mono">{flag.key}</span> · changed {formatDateTime(flag.updatedAt)}
          </>
        ) : (
          "Not created yet: turning it on creates it."
        )}
      </div>
      <div className="switch-actions">
        {canFlip ? (
          slot.level === "global" && !flag ? (
            <span className="muted">No global kill switch is defined.</span>
          ) : (
            <Button variant={on ? "default" : "danger"} disabled={busy} pending={busy} onClick={() => onFlip(!on)}>
              {on ? "Turn off" : "Turn on"}
            </Button>
          )
        ) : (
          <span className="muted">{cannotFlipWhy}</span>
        )}
        {flag ? (
          <Button size="sm" variant="ghost" aria-label={`History of ${flag.key}`} onClick={() => onHistory(flag)}>
            History
          </Button>
        ) : null}
      </div>
    </div>
  );
}

/**
 * The big red buttons: the global switch (platform admins flip it), this
 * tenant's, one per feature, then any provider / model / segment switches.
 * Each shows ON/OFF; flipping asks for a confirmation that names what stops.
 * Roles without kill_switches:write see the state and no controls.
 */
export function KillSwitchPanel({
  flags,
  features,
  targetLabel,
  onHistory,
}: {
  flags: Flag[];
  features: Feature[];
  targetLabel: (f: Pick<Flag, "providerId" | "routeTargetId">) => string;
  onHistory: (f: Flag) => void;
}) {
  const { slug, isPlatformAdmin } = useTenant();
  const canFlip = useCan("kill_switches:write");
  const update = useUpdateFlag(slug);
  const create = useCreateFlag(slug);
  const updateGlobal = useUpdateGlobalFlag(slug);
  const [confirming, setConfirming] = useState<Confirming | null>(null);
  const model = killSwitchPanel(flags, features);
  const anyOn = [model.global, model.tenant, ...model.features, ...model.others].some((s) => s.flag?.enabled);

  const pending = update.isPending || create.isPending || updateGlobal.isPending;
  const error = update.error ?? create.error ?? updateGlobal.error;
  const reset = () => {
    update.reset();
    create.reset();
    updateGlobal.reset();
  };
  const isBusy = (slot: KillSwitchSlot) => pending && confirming !== null && slotKey(confirming.slot) === slotKey(slot);

  function confirm() {
    if (!confirming) return;
    const { slot, turnOn } = confirming;
    const done = { onSuccess: () => setConfirming(null) };
    if (slot.level === "global") {
      if (slot.flag) updateGlobal.mutate({ id: slot.flag.id, enabled: turnOn }, done);
      return;
    }
    if (slot.flag) {
      update.mutate({ id: slot.flag.id, enabled: turnOn }, done);
      return;
    }
    if (slot.level === "tenant") {
      create.mutate(
        { key: `${slug}-ai-kill-switch`, kind: "kill_switch", scope: "tenant", enabled: turnOn, description: `Turns every AI call of tenant ${slug} off when enabled.` },
        done,
      );
    } else if (slot.level === "feature") {
      create.mutate(
        {
          key: `${slot.feature.key}-kill-switch`,
          kind: "kill_switch",
          scope: "feature",
          featureId: slot.feature.id,
          enabled: turnOn,
          description: `Turns every AI call of feature ${slot.feature.name} off when enabled.`,
        },
        done,
      );
    }
  }

  const card = (slot: KillSwitchSlot) => {
    const global = slot.level === "global";
    return (
      <SwitchCard
        key={slotKey(slot)}
        slot={slot}
        slug={slug}
        canFlip={global ? isPlatformAdmin : canFlip}
        cannotFlipWhy={global ? "Only platform admins can flip it." : "Only owners and admins can flip it."}
        busy={isBusy(slot)}
        targetLabel={targetLabel}
        onFlip={(turnOn) => setConfirming({ slot, turnOn })}
        onHistory={onHistory}
      />
    );
  };

  const subject = confirming ? killSwitchSubject(confirming.slot, slug, targetLabel) : "";
  return (
    <section className={`kill-panel ${anyOn ? "has-on" : ""}`} aria-label="Kill switches">
      <div className="section-header">
        <div>
          <h2>Kill switches</h2>
          <p>
            {anyOn
              ? "A kill switch is ON: matching AI requests are being refused or answered with the static fallback."
              : "All off: AI traffic flows. Turning one on stops matching requests on every gateway instance within a second."}
          </p>
        </div>
      </div>
      <div className="switch-grid">
        {card(model.global)}
        {card(model.tenant)}
        {model.features.map(card)}
      </div>
      {model.others.length ? (
        <>
          <h3 className="switch-subhead">Provider, model and segment switches</h3>
          <div className="switch-grid">{model.others.map(card)}</div>
        </>
      ) : null}

      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? `Turn ${confirming.turnOn ? "on" : "off"} the kill switch for ${subject}?` : ""}
        description={confirming ? killSwitchImpact(confirming.slot, confirming.turnOn, slug, targetLabel) : ""}
        confirmLabel={confirming?.turnOn ? "Turn on kill switch" : "Turn off kill switch"}
        pending={pending}
        error={error}
        onConfirm={confirm}
        onClose={() => {
          reset();
          setConfirming(null);
        }}
      />
    </section>
  );
}
