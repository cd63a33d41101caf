/**
 * Route templates and operation names from an OpenAPI 3 document (already parsed from YAML or JSON by the
 * caller): which documented path a request path belongs to, and the list of documented operations (the
 * coverage baseline). Pure. Paths are matched segment by segment through a tree, literal segments before
 * templated ones as the OpenAPI spec asks (`/users/me` wins over `/users/{id}`), so a document with
 * hundreds of paths costs a few map lookups per request, never one regular expression per path.
 */
import { pathOnly } from './route-template';

export const OPENAPI_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface OpenApiOperation {
  /** Upper case: GET, POST… */
  method: string;
  /** The document's path template, as written (`/users/{userId}`). */
  route: string;
  /** operationId, else `METHOD route`. */
  operation: string;
}

export interface OpenApiRoutes {
  /** Document title and version, for report headings. */
  title: string;
  operations: OpenApiOperation[];
  /**
   * The documented path a request path matches (query ignored, a server URL's base path stripped), with the
   * operation when the document has one for this method; undefined when no documented path matches.
   */
  match(method: string, pathAndQuery: string): { route: string; operation?: string } | undefined;
}

/** A document that is not usable OpenAPI 3; the message names what is wrong. */
export class OpenApiError extends Error {
  override name = 'OpenApiError';
}

interface PathNode {
  literal: Map<string, PathNode>;
  /** Segments with a template part (`{id}`, `{name}.json`): tried after literals, in document order. */
  templated: { test: RegExp; node: PathNode }[];
  /** The documented path ending here, and its operations by upper-case method. */
  route?: string;
  operations?: Map<string, string>;
}

const newNode = (): PathNode => ({ literal: new Map(), templated: [] });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A templated segment as a whole-segment regex: literal text escaped, each `{name}` one or more non-slash characters. */
function segmentRegex(segment: string): RegExp {
  const source = segment
    .split(/(\{[^}]*\})/)
    .map((part) => (part.startsWith('{') && part.endsWith('}') ? '[^/]+?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/** Segments after the leading slash; a trailing slash is ignored (`/users/` is `/users`). */
function splitPath(path: string): string[] {
  const segments = path.split('/').slice(1);
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  return segments;
}

/** Base paths of the document's servers (`https://api.example.com/v1` → `/v1`), longest first. */
function serverBasePaths(servers: unknown): string[] {
  if (!Array.isArray(servers)) return [];
  const bases = new Set<string>();
  for (const server of servers) {
    if (!isObject(server) || typeof server.url !== 'string') continue;
    const path = server.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/\/+$/, '');
    if (path && path !== '/') bases.add(path.startsWith('/') ? path : `/${path}`);
  }
  return [...bases].sort((a, b) => b.length - a.length);
}

/** Reads the document's paths; throws OpenApiError when it is not OpenAPI 3 with a `paths` object. */
export function openApiRoutes(doc: unknown): OpenApiRoutes {
  if (!isObject(doc)) throw new OpenApiError('the document is not an object');
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.')) {
    throw new OpenApiError(typeof doc.swagger === 'string' ? 'Swagger 2 documents are not supported; convert it to OpenAPI 3' : "the document has no 'openapi: 3.x' field");
  }
  if (!isObject(doc.paths)) throw new OpenApiError("the document has no 'paths' object");
  const info = isObject(doc.info) ? doc.info : {};
  const title = [typeof info.title === 'string' ? info.title : 'API', typeof info.version === 'string' ? info.version : ''].filter(Boolean).join(' ');
  const root = newNode();
  const operations: OpenApiOperation[] = [];
  for (const [route, item] of Object.entries(doc.paths)) {
    if (!route.startsWith('/') || !isObject(item)) continue;
    let node = root;
    for (const segment of splitPath(route)) {
      if (segment.includes('{')) {
        let next = node.templated.find((t) => t.test.source === segmentRegex(segment).source);
        if (!next) node.templated.push((next = { test: segmentRegex(segment), node: newNode() }));
        node = next.node;
      } else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = newNode()));
        node = next;
      }
    }
    node.route = route;
    node.operations ??= new Map();
    for (const method of OPENAPI_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const name = typeof op.operationId === 'string' && op.operationId ? op.operationId : `${method.toUpperCase()} ${route}`;
      node.operations.set(method.toUpperCase(), name);
      operations.push({ method: method.toUpperCase(), route, operation: name });
    }
  }
  const bases = serverBasePaths(doc.servers);

  const find = (node: PathNode, segments: string[], i: number): PathNode | undefined => {
    if (i === segments.length) return node.route !== undefined ? node : undefined;
    const literal = node.literal.get(segments[i]);
    const viaLiteral = literal && find(literal, segments, i + 1);
    if (viaLiteral) return viaLiteral;
    for (const t of node.templated) {
      if (!t.test.test(segments[i])) continue;
      const found = find(t.node, segments, i + 1);
      if (found) return found;
    }
    return undefined;
  };

  return {
    title,
    operations,
    match(method, pathAndQuery) {
      const path = pathOnly(pathAndQuery);
      const candidates = bases.filter((b) => path === b || path.startsWith(`${b}/`)).map((b) => path.slice(b.length) || '/');
      candidates.push(path);
      for (const candidate of candidates) {
        const node = find(root, splitPath(candidate), 0);
        if (!node) continue;
        const operation = node.operations?.get(method.toUpperCase());
        return operation ? { route: node.route!, operation } : { route: node.route! };
      }
      return undefined;
    },
  };
}
