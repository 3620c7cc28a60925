"use client";

import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { UsageGranularity } from "@/lib/usage/schema";
import type { ChartRow } from "./pivot";

const COLORS = ["#4f46e5", "#0891b2", "#16a34a", "#ca8a04", "#dc2626", "#9333ea", "#64748b"];

const hourFmt = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", day: "2-digit", month: "short", timeZone: "UTC" });
const dayFmt = new Intl.DateTimeFormat("en-GB", { day: "2-digit", month: "short", timeZone: "UTC" });

export function tickOf(granularity: UsageGranularity): (t: number) => string {
  return (t) => (granularity === "hour" ? hourFmt.format(new Date(t)) : dayFmt.format(new Date(t)));
}

export function StackedBars({
  rows,
  columns,
  labels,
  granularity,
  format,
  ariaLabel,
}: {
  rows: ChartRow[];
  columns: string[];
  labels?: Record<string, string>;
  granularity: UsageGranularity;
  format: (v: number) => string;
  ariaLabel: string;
}) {
  const tick = tickOf(granularity);
  return (
    <div className="chart" role="img" aria-label={ariaLabel} style={{ width: "100%", height: 260 }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={tick} minTickGap={24} fontSize={12} />
          <YAxis tickFormatter={format} width={72} fontSize={12} />
          <Tooltip labelFormatter={(t) => tick(Number(t))} formatter={(v) => format(Number(v))} />
          <Legend />
          {columns.map((c, i) => (
            <Bar key={c} dataKey={c} name={labels?.[c] ?? c} stackId="a" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function StackedAreas({
  rows,
  columns,
  labels,
  granularity,
  format,
  ariaLabel,
}: {
  rows: ChartRow[];
  columns: string[];
  labels?: Record<string, string>;
  granularity: UsageGranularity;
  format: (v: number) => string;
  ariaLabel: string;
}) {
  const tick = tickOf(granularity);
  return (
    <div className="chart" role="img" aria-label={ariaLabel} style={{ width: "100%", height: 260 }}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="t" tickFormatter={tick} minTickGap={24} fontSize={12} />
          <YAxis tickFormatter={format} width={72} fontSize={12} />
          <Tooltip labelFormatter={(t) => tick(Number(t))} formatter={(v) => format(Number(v))} />
          <Legend />
          {columns.map((c, i) => (
            <Area
              key={c}
              type="monotone"
              dataKey={c}
              name={labels?.[c] ?? c}
              stackId="a"
              stroke={COLORS[i % COLORS.length]}
              fill={COLORS[i % COLORS.length]}
              fillOpacity={0.25}
              isAnimationActive={false}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
