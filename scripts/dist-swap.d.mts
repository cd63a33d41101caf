// Types for the parts of dist-swap.mjs its tests import.
export const NEXT_PREFIX: string;
export const PREVIOUS_PREFIX: string;
export function nextDistDir(root: string): string;
export function swapInto(root: string, next: string): void;
export function removeStaleBuilds(root: string): void;
