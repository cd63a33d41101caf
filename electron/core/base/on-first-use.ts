/**
 * A dependency loaded the first time it is used instead of at start (issue 16, peak RSS).
 *
 * Every module `serve` loads stays in the proxy thread's heap for good, and V8 lets the old generation grow to
 * about 3× what is live before a full collection (heap-growth.ts): each megabyte loaded at start costs up to
 * three in peak RSS. Libraries only some features need — the Postman exporter (postman-collection brings
 * faker, lodash and 200 more modules), the PAC engine, YAML, PostgreSQL's client — are loaded through this
 * when the feature first runs; a session that never exports a collection never pays for them.
 */
export function onFirstUse<T>(load: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}
