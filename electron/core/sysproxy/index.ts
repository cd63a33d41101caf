// The OS proxy switch (see system-proxy.ts) and what shells need around it.
export { createSystemProxy, backendNameFor, pointsAt } from './system-proxy';
export type { SystemProxyOptions } from './system-proxy';
export { DEFAULT_BYPASS } from './types';
export type { AppliedProxy, EnableOptions, ProxyView, RestoreOutcome, SysproxyStatus, SystemProxy } from './types';
export { loadSysproxySettings, saveSysproxySettings } from './settings';
export { SysproxyController } from './controller';
export type { SysproxySettings } from './settings';
