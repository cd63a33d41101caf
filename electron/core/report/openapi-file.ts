/**
 * An OpenAPI 3 document from its text (YAML or JSON; JSON is YAML too) or a file, as route templates and
 * operations (electron/common/openapi-routes.ts).
 */
import fs from 'node:fs';
import { OpenApiError, openApiRoutes, type OpenApiRoutes } from '../../common/openapi-routes';
import { onFirstUse } from '../base/on-first-use';

/** The YAML parser (~3 MB of a process's memory), loaded by the first OpenAPI document read. */
const yaml = onFirstUse(() => require('yaml') as typeof import('yaml'));

/** Largest document accepted: real API descriptions run to a few MB. */
export const MAX_OPENAPI_BYTES = 32 * 1024 * 1024;

/** Throws OpenApiError naming what is wrong (syntax with its line, or the missing field). */
export function parseOpenApi(text: string): OpenApiRoutes {
  if (text.length > MAX_OPENAPI_BYTES) throw new OpenApiError(`the document is larger than ${MAX_OPENAPI_BYTES / 1024 / 1024} MB`);
  let doc: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    doc = yaml().parse(text, { maxAliasCount: 1000 });
  } catch (err) {
    throw new OpenApiError(`not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return openApiRoutes(doc);
}

export function readOpenApiFile(file: string): OpenApiRoutes {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new OpenApiError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseOpenApi(text);
  } catch (err) {
    throw new OpenApiError(`${file}: ${(err as Error).message}`);
  }
}
