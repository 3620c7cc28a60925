"use client";

import { AdminTokensSection } from "@/components/admin-tokens/admin-tokens-section";
import { AlertChannelsSection } from "@/components/alerts/alert-channels-section";
import { useTenant } from "@/components/tenant/tenant-context";
import { formatDateTime, formatJson } from "@/components/ui/format";
import { PageHeader, Section } from "@/components/ui/page-header";
import { ErrorState, Loading } from "@/components/ui/states";
import { useTenantSettings } from "./use-tenant-settings";

export function SettingsView() {
  const { slug } = useTenant();
  const settings = useTenantSettings(slug);

  return (
    <>
      <PageHeader title="Settings" description="This tenant's identity and data settings, and the admin tokens that script it." />
      <Section title="Tenant">
        {settings.isPending ? (
          <Loading label="Loading settings…" />
        ) : settings.isError ? (
          <ErrorState what="settings" error={settings.error} onRetry={() => void settings.refetch()} />
        ) : (
          <div className="card">
            <div className="card-body">
              <dl className="kv">
                <dt>Name</dt>
                <dd>{settings.data.name}</dd>
                <dt>Slug</dt>
                <dd className="mono">{settings.data.slug}</dd>
                <dt>Tenant id</dt>
                <dd className="mono">{settings.data.id}</dd>
                <dt>Created</dt>
                <dd>{formatDateTime(settings.data.createdAt)}</dd>
                <dt>Request log retention</dt>
                <dd>
                  {settings.data.settings.requestLogRetentionDays !== undefined
                    ? `${settings.data.settings.requestLogRetentionDays} days`
                    : "Not set (platform default)"}
                </dd>
                <dt>Store prompts and completions</dt>
                <dd>
                  {settings.data.settings.storeRequestBodies === undefined
                    ? "Not set (platform default)"
                    : settings.data.settings.storeRequestBodies
                      ? "Yes, sanitised by the guards"
                      : "No, metadata only"}
                </dd>
                <dt>All settings</dt>
                <dd>
                  <pre className="code">{formatJson(settings.data.settings)}</pre>
                </dd>
              </dl>
            </div>
          </div>
        )}
      </Section>
      <AdminTokensSection />
      <AlertChannelsSection />
    </>
  );
}
