/**
 * How far V8 lets the process's heaps grow past what is live (issue 16: memory flat under sustained capture).
 *
 * After each full collection V8 sets the heap's next limit at its live size times a factor it picks between
 * 1.1 and 4 from how fast the program allocates against how fast it collects. A proxy forwarding thousands of
 * requests a second allocates fast, so V8 picked close to 4 for both heaps: under sustained http-1k capture
 * (store cap 20,000) the proxy thread's heap reached 150–183 MB around 37 MB live, and the store worker's
 * 106 MB around 31 MB live; RSS went 114 → 376 MB in 90 s (docs/BENCHMARKS.md, issue 16). Nothing there was
 * leaked: a full collection brought both back to their live size, which the store's cap bounds.
 *
 * V8 reads `--heap-growing-percent` each time it sets a limit, so setting it at start (also from code, after
 * V8 is running) fixes the factor at 1 + percent/100 for every isolate of the process: the proxy's thread and
 * the store's worker. Each heap then stays within about 3× its live size (plus V8's minimum step of a few MB
 * and the young generation), at the price of more frequent full collections, which V8 runs mostly
 * concurrently. A soft bound, unlike `--max-old-space-size`: a heap that truly needs more still gets it
 * instead of the proxy dying out of memory.
 *
 * Allocation-site pretenuring is turned off the same way. V8 allocates straight into the old generation the
 * objects of any allocation site whose objects mostly survived their first scavenges. A captured flow's parts
 * (headers, timings, the summary) live until the store's next batch, so their sites get pretenured — and so
 * do the short-lived objects the same sites make for every forwarded request, which then die in the old
 * generation, fill it and bring full collections. Without it (issue 16/17, quiet 2-vCPU VM, 2026-12-05, four
 * runs each through ../shared/bench, medians): peak RSS http-1k 224 → 198–200 MB, https-1k 233 → 192–197,
 * http-100k 245 → 239–253, https-h2-1k 240 → 252–254, with CPU per request 174 → 156–180 µs, 221 → 207–242,
 * 308 → 316–331, 317 → 237: memory down where the flows are small, CPU within the runs' noise.
 */
import v8 from 'node:v8';

/**
 * The heap may grow to 3× what was live at the last full collection (V8 alone goes up to 4×). Not less: at
 * 1.5× (50) full collections came so often under 100 KB bodies that capture's CPU per request went 367 → 666 µs
 * in the quiet benchmark (http-100k, shared harness, 2026-12-05), at 2× (100) 493 µs; at 3× it was 291 µs with
 * peak RSS 232 MB (230 with V8's own choice).
 */
export const HEAP_GROWING_PERCENT = 200;

/** The V8 flags set at start, each unless the user set it (or its `--no-` form) on node's command line or in NODE_OPTIONS. */
export const HEAP_FLAGS: readonly { name: string; value: string }[] = [
  { name: 'heap-growing-percent', value: `--heap-growing-percent=${HEAP_GROWING_PERCENT}` },
  { name: 'allocation-site-pretenuring', value: '--no-allocation-site-pretenuring' },
];

/** The flags of HEAP_FLAGS the user did not set: what boundHeapGrowth sets. */
export function heapFlagsToSet(userArgs: readonly string[]): string[] {
  const named = userArgs.map((arg) => arg.replace(/_/g, '-').replace(/^--(no-)?/, '').split('=')[0]);
  return HEAP_FLAGS.filter((flag) => !named.includes(flag.name)).map((flag) => flag.value);
}

/**
 * Fixes V8's heap growing factor and turns off pretenuring for this process (serve, the desktop app's main
 * process), except what the user set themselves (node's command line or NODE_OPTIONS), which then wins.
 */
export function boundHeapGrowth(): void {
  const userArgs = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter((arg) => arg.startsWith('--'));
  for (const flag of heapFlagsToSet(userArgs)) v8.setFlagsFromString(flag);
}
