/**
 * A value made the first time it is asked for, then kept: for the packages only some features use
 * (Postman export, PAC scripts, gRPC schemas, the PostgreSQL client …), required on first use instead of
 * when `serve` starts. Each package a process loads stays resident for its whole life, source and compiled
 * code alike, and so does what the heap grows by in proportion to it: loading these at start cost `serve`
 * about 35 MB of its 120 MB idle RSS, and more at peak under load (docs/BENCHMARKS.md, "Packages required on
 * first use"). The first use pays the require (milliseconds), once.
 */
export function onFirstUse<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
