/**
 * Replay, edit-and-resend and the inputs of flows.diff. createCore() builds the service; see service.ts
 * for what it does and marks.ts for how the capture proxy recognises a replay.
 */
export { createReplayService, ReplayError, type ReplayOptions, type ReplayResult, type ReplayService } from './service';
export { diffInput } from './diff-input';
