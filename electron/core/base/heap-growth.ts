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
 */
import v8 from 'node:v8';

/**
 * The heap may grow to 3× what was live at the last full collection (V8 alone goes up to 4×). Not less: at
 * 1.5× (50) full collections came so often under 100 KB bodies that capture's CPU per request went 367 → 666 µs
 * in the quiet benchmark (http-100k, shared harness, 2026-12-05), at 2× (100) 493 µs; at 3× it was 291 µs with
 * peak RSS 232 MB (230 with V8's own choice).
 */
export const HEAP_GROWING_PERCENT = 200;

const FLAG = '--heap-growing-percent';

/**
 * Fixes V8's heap growing factor for this process (serve, the desktop app's main process), unless the user
 * set the flag themselves (node's command line or NODE_OPTIONS), which then wins.
 */
export function boundHeapGrowth(): void {
  const own = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.replace(/_/g, '-').startsWith(FLAG));
  if (own) return;
  v8.setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
}
