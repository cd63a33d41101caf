/**
 * The "Modify" (rewrite) action as the editor holds it: header, query and body edits as rows, the status as
 * typed. Sent as typed for validateRule to name what is wrong (`action.requestHeaders[1].name`).
 */
import type { BodyReplace, HeaderEdit, RewriteAction } from '../../../../electron/common/rule';

export type NameEditList = 'requestHeaders' | 'query' | 'responseHeaders';
export type BodyEditList = 'requestBody' | 'responseBody';

export interface ModifyForm {
  requestHeaders: HeaderEdit[];
  query: HeaderEdit[];
  requestBody: BodyReplace[];
  status: string;
  responseHeaders: HeaderEdit[];
  responseBody: BodyReplace[];
}

export function emptyModify(): ModifyForm {
  return { requestHeaders: [{ op: 'set', name: '', value: '' }], query: [], requestBody: [], status: '', responseHeaders: [], responseBody: [] };
}

export function modifyForm(a: RewriteAction): ModifyForm {
  const copy = <T extends object>(list: T[] | undefined): T[] => (list ?? []).map((e) => ({ ...e }));
  return {
    requestHeaders: copy(a.requestHeaders),
    query: copy(a.query),
    requestBody: copy(a.requestBody),
    status: a.status === undefined ? '' : String(a.status),
    responseHeaders: copy(a.responseHeaders),
    responseBody: copy(a.responseBody),
  };
}

export function modifyAction(form: ModifyForm, numberOrText: (text: string) => number | string | undefined): Record<string, unknown> {
  const names = (list: HeaderEdit[]) => list.map((e) => (e.op === 'remove' ? { op: e.op, name: e.name } : { op: e.op, name: e.name, value: e.value ?? '' }));
  const bodies = (list: BodyReplace[]) => list.map((e) => ({ find: e.find, replace: e.replace, syntax: e.syntax, ...(e.syntax === 'regex' && e.flags ? { flags: e.flags } : {}) }));
  const status = numberOrText(form.status);
  return {
    type: 'rewrite',
    ...(form.requestHeaders.length ? { requestHeaders: names(form.requestHeaders) } : {}),
    ...(form.query.length ? { query: names(form.query) } : {}),
    ...(form.requestBody.length ? { requestBody: bodies(form.requestBody) } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(form.responseHeaders.length ? { responseHeaders: names(form.responseHeaders) } : {}),
    ...(form.responseBody.length ? { responseBody: bodies(form.responseBody) } : {}),
  };
}
