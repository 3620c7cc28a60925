"use client";

import { useFeatures } from "./use-features";

/** Maps a feature id to "Name" for tables; falls back to the id while features load. */
export function useFeatureLabel(slug: string) {
  const features = useFeatures(slug);
  return (id: string | null, none = "—") => {
    if (!id) return none;
    return features.data?.find((f) => f.id === id)?.name ?? id;
  };
}
