/**
 * The save-time check of a `rewrite` rule action: header, query and body edits and a status, each bad field
 * named by its path (`action.requestHeaders[1].name`, `action.responseBody[0].find`). Body regexes go through
 * compileUserRegex like every user pattern, so they are refused when they could freeze the proxy.
 */
import type { BodyReplace, HeaderEdit, QueryEdit, RewriteAction } from './rule';
import type { FieldError } from './rule-validate';
import { compileUserRegex } from './user-regex';

export type RewriteCheck = { ok: true; action: RewriteAction } | { ok: false; errors: FieldError[] };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const OPS = ['add', 'set', 'remove'] as const;
const MAX_EDITS = 100;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(o: Obj, field: string, at: string, errors: FieldError[]): unknown[] | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return void errors.push({ field: `${at}.${field}`, message: 'must be a list' });
  if (v.length > MAX_EDITS) return void errors.push({ field: `${at}.${field}`, message: `must hold at most ${MAX_EDITS} edits` });
  return v;
}

function nameValueEdits(o: Obj, field: string, at: string, errors: FieldError[], what: 'header' | 'query'): (HeaderEdit | QueryEdit)[] | undefined {
  const items = list(o, field, at, errors);
  if (!items) return undefined;
  const out: (HeaderEdit | QueryEdit)[] = [];
  items.forEach((item, i) => {
    const path = `${at}.${field}[${i}]`;
    if (!isObject(item)) return errors.push({ field: path, message: 'must be an object with op, name and value' });
    const before = errors.length;
    if (typeof item.op !== 'string' || !(OPS as readonly string[]).includes(item.op)) errors.push({ field: `${path}.op`, message: `must be one of "add", "set", "remove", not ${JSON.stringify(item.op)}` });
    const name = item.name;
    if (typeof name !== 'string' || name === '') errors.push({ field: `${path}.name`, message: 'must not be empty' });
    else if (what === 'header' && !TOKEN.test(name)) errors.push({ field: `${path}.name`, message: `"${name}" is not a valid header name` });
    const value = item.value;
    if (item.op !== 'remove') {
      if (typeof value !== 'string') errors.push({ field: `${path}.value`, message: `must be text (the ${what === 'header' ? 'header' : 'parameter'} value), not ${JSON.stringify(value) ?? 'nothing'}` });
      else if (what === 'header' && /[\r\n]/.test(value)) errors.push({ field: `${path}.value`, message: 'a header value must not contain line breaks' });
    }
    if (errors.length > before) return;
    out.push(item.op === 'remove' ? { op: 'remove', name: name as string } : { op: item.op as 'add' | 'set', name: name as string, value: value as string });
  });
  return out;
}

function bodyEdits(o: Obj, field: string, at: string, errors: FieldError[]): BodyReplace[] | undefined {
  const items = list(o, field, at, errors);
  if (!items) return undefined;
  const out: BodyReplace[] = [];
  items.forEach((item, i) => {
    const path = `${at}.${field}[${i}]`;
    if (!isObject(item)) return errors.push({ field: path, message: 'must be an object with find, replace and syntax' });
    const edit = checkFindReplace(item, path, errors);
    if (edit) out.push(edit);
  });
  return out;
}

/**
 * One find/replace as typed (find, replace, syntax, flags), also used by the ws-message action: errors named
 * under `path`; a regex goes through the user-regex gate. Undefined when something is wrong.
 */
export function checkFindReplace(item: Obj, path: string, errors: FieldError[]): BodyReplace | undefined {
  const before = errors.length;
  const syntax = item.syntax ?? 'text';
  if (syntax !== 'text' && syntax !== 'regex') errors.push({ field: `${path}.syntax`, message: `must be "text" or "regex", not ${JSON.stringify(syntax)}` });
  const find = item.find;
  if (typeof find !== 'string' || find === '') errors.push({ field: `${path}.find`, message: 'must not be empty' });
  const replace = item.replace ?? '';
  if (typeof replace !== 'string') errors.push({ field: `${path}.replace`, message: `must be text, not ${JSON.stringify(replace)}` });
  const flags = item.flags ?? '';
  if (typeof flags !== 'string' || !/^[ims]*$/.test(flags)) errors.push({ field: `${path}.flags`, message: `must be some of i, m, s, not ${JSON.stringify(flags)}` });
  if (errors.length > before) return undefined;
  if (syntax === 'regex') {
    const compiled = compileUserRegex(find as string, flags as string);
    if (!compiled.ok) return void errors.push({ field: `${path}.find`, message: compiled.error });
  }
  return { find: find as string, replace: replace as string, syntax: syntax as 'text' | 'regex', ...(syntax === 'regex' && flags ? { flags: flags as string } : {}) };
}

export function checkRewrite(o: Obj, at: string): RewriteCheck {
  const errors: FieldError[] = [];
  const action: RewriteAction = { type: 'rewrite' };
  const requestHeaders = nameValueEdits(o, 'requestHeaders', at, errors, 'header');
  const query = nameValueEdits(o, 'query', at, errors, 'query');
  const requestBody = bodyEdits(o, 'requestBody', at, errors);
  const responseHeaders = nameValueEdits(o, 'responseHeaders', at, errors, 'header');
  const responseBody = bodyEdits(o, 'responseBody', at, errors);
  if (o.status !== undefined) {
    const s = o.status;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 100 || s > 599) errors.push({ field: `${at}.status`, message: `must be a whole number from 100 to 599 (an HTTP status), not ${JSON.stringify(s)}` });
    else action.status = s;
  }
  if (errors.length > 0) return { ok: false, errors };
  if (requestHeaders?.length) action.requestHeaders = requestHeaders as HeaderEdit[];
  if (query?.length) action.query = query as QueryEdit[];
  if (requestBody?.length) action.requestBody = requestBody;
  if (responseHeaders?.length) action.responseHeaders = responseHeaders as HeaderEdit[];
  if (responseBody?.length) action.responseBody = responseBody;
  if (Object.keys(action).length === 1) return { ok: false, errors: [{ field: at, message: 'must change something: headers, query, a body or the status' }] };
  return { ok: true, action };
}
