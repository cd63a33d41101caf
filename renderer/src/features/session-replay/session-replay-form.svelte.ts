/**
 * The "Replay against…" form's fields, kept for the whole session of the window: the staging origin and a
 * fresh token are typed once and reused for the next comparison. Lists are one entry per line.
 */
import type { SessionReplayParams } from '../../../../electron/common/api';

export class SessionReplayForm {
  to = $state('');
  map = $state('');
  headers = $state('');
  ignore = $state('');
  concurrency = $state(1);
  bypassRules = $state(false);

  /** The API params for these fields and the flows to replay. */
  params(flows: { ids: string[] } | { filter: string }): SessionReplayParams {
    const lines = (text: string) =>
      text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    const params: SessionReplayParams = { ...flows, map: lines(this.map), headers: lines(this.headers), ignore: lines(this.ignore), concurrency: this.concurrency };
    if (this.to.trim()) params.to = this.to.trim();
    if (this.bypassRules) params.rules = 'bypass';
    return params;
  }
}

export const sessionReplayForm = new SessionReplayForm();
