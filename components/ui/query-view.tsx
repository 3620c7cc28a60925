"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { EmptyState, ErrorState, Loading } from "./states";

/**
 * The three states every list has: loading, error (with retry) and empty
 * (saying what will appear there); otherwise renders the rows.
 */
export function QueryView<T>({
  query,
  what,
  emptyTitle,
  empty,
  children,
}: {
  query: UseQueryResult<T[]>;
  what: string;
  emptyTitle: string;
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}) {
  if (query.isPending) return <Loading label={`Loading ${what}…`} />;
  if (query.isError) return <ErrorState what={what} error={query.error} onRetry={() => void query.refetch()} />;
  if (query.data.length === 0) return <EmptyState title={emptyTitle}>{empty}</EmptyState>;
  return <>{children(query.data)}</>;
}
