// Types for the parts of start.mjs its tests import.
export type LaunchDecision = { action: 'install' } | { action: 'electron'; binary: string } | { action: 'headless'; reason: string };
export function chooseLaunch(facts: {
  platform: string;
  env: Record<string, string | undefined>;
  binary: string | undefined;
  electronPackage: boolean;
  installTried: boolean;
}): LaunchDecision;
export function electronBinary(dir?: string, env?: Record<string, string | undefined>): string | undefined;
export function hasDisplay(platform: string, env: Record<string, string | undefined>): boolean;
