/**
 * The renderer in Chromium with 60,000 stored flows, against the real core and UI server
 * (test/helpers/renderer-harness.ts), in a 1400×900 window:
 *  - time to first list paint (navigation start → the first rows on screen, `hindsight:first-rows` mark);
 *  - time to apply an IP + URL filter (typing into both quick fields → the narrowed list painted;
 *    includes the filter bar's 120 ms typing pause);
 *  - longest frame and long tasks while 500 flows/s arrive for 10 s (live adds and completions, fed into the
 *    store the way the proxy does; the store's rolling trim fires during the run, removing 10,000 flows);
 *  - longest frame while scrolling 3,000 rows down (pages load as the end comes into view);
 *  - sorting by size (loads all matching flows);
 *  - renderer JS heap after a GC.
 * Run: `npm run bench renderer` (needs the renderer built and /usr/bin/chromium). Every loop is bounded.
 */
import { launchChromium, openPage, type PageElement, type PageGlobals } from '../test/helpers/browser';
import { flowGenerator, rendererBuilt, seedFlows, startRendererHarness } from '../test/helpers/renderer-harness';

const STORED = 60_000;
const RATE_PER_SECOND = 500;
const FEED_SECONDS = 10;
const TICK_MS = 50;
const FILTER = { ip: '192.168.1.23', url: 'cart' };

async function main(): Promise<void> {
  if (!rendererBuilt()) throw new Error('build the renderer first: npx vite build --config renderer/vite.config.ts');
  const harness = await startRendererHarness();
  const browser = await launchChromium();
  const results: [string, string][] = [];
  const report = (name: string, value: string) => {
    results.push([name, value]);
    console.log(`${name}: ${value}`);
  };
  try {
    const seedStart = performance.now();
    await seedFlows(harness.core, STORED);
    console.log(`(seeded ${STORED} flows into the store in ${Math.round(performance.now() - seedStart)} ms)`);

    const { page, context, errors } = await openPage(browser, harness.url);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).performance.getEntriesByName('hindsight:first-rows').length > 0, undefined, { timeout: 60_000 });
    const paint = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      return {
        firstRows: w.performance.getEntriesByName('hindsight:first-rows')[0].startTime,
        fcp: w.performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? NaN,
      };
    });
    report('time to first list paint (60,000 stored)', `${Math.round(paint.firstRows)} ms (first contentful paint ${Math.round(paint.fcp)} ms)`);

    // ---- IP + URL filter ----
    const expected = harness.core.store.query({ filter: `ip:${FILTER.ip} "${FILTER.url}"`, limit: 1 }).matched;
    const filterMs = await page.evaluate(
      async ({ ip, url, expected }) => {
        const w = globalThis as unknown as PageGlobals;
        const field = (id: string) => w.document.querySelector(`[data-testid=${id}]`) as PageElement;
        const type = (el: PageElement, value: string) => {
          el.value = value;
          el.dispatchEvent(new w.Event('input', { bubbles: true }));
        };
        const start = w.performance.now();
        type(field('filter-ip'), ip);
        type(field('filter-url'), url);
        await new Promise<void>((resolve, reject) => {
          const deadline = start + 30_000;
          const check = () => {
            const count = (w.document.querySelector('[data-testid=flow-count]')?.textContent ?? '').replace(/\s+/g, '');
            const first = w.document.querySelector('[data-flow-id] [role=gridcell]:nth-child(3)')?.textContent;
            if (count.startsWith(`${expected.toLocaleString('en-US')}/`) && first === ip) w.requestAnimationFrame(() => resolve());
            else if (w.performance.now() > deadline) reject(new Error(`filter not applied: ${count}`));
            else w.requestAnimationFrame(check);
          };
          check();
        });
        return w.performance.now() - start;
      },
      { ...FILTER, expected },
    );
    report('apply IP + URL filter', `${Math.round(filterMs)} ms to the painted list, ${expected} of ${STORED} match (includes the 120 ms typing pause)`);

    // Back to everything for the live run.
    await page.fill('[data-testid=filter-ip]', '');
    await page.fill('[data-testid=filter-url]', '');
    await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=flow-count]')?.textContent?.replace(/\s+/g, '').startsWith(`${n}/`), STORED.toLocaleString('en-US'), { timeout: 30_000 });

    // ---- 500 flows/s for 10 s ----
    await startFrameProbe(page);
    const next = flowGenerator(harness.core, 7);
    const fed = await new Promise<number>((resolve) => {
      let sent = 0;
      let pending: ReturnType<typeof next>[] = [];
      const perTick = (RATE_PER_SECOND * TICK_MS) / 1000;
      const started = Date.now();
      const timer = setInterval(() => {
        // Last tick's flows complete now (an update each), this tick's start live.
        for (const flow of pending) harness.core.store.flowUpdated({ ...flow, state: flow.error ? 'failed' : 'completed' });
        pending = [];
        if (sent >= RATE_PER_SECOND * FEED_SECONDS || Date.now() - started > FEED_SECONDS * 1000 + 2000) {
          clearInterval(timer);
          resolve(sent);
          return;
        }
        for (let i = 0; i < perTick; i++) {
          const flow = next(Date.now(), false);
          harness.core.store.flowStarted({ ...flow, state: 'live', response: undefined, timings: {} });
          pending.push(flow);
          sent++;
        }
      }, TICK_MS);
    });
    await harness.core.store.flush();
    const frames = await stopFrameProbe(page);
    report(
      `longest frame while ${RATE_PER_SECOND} flows/s arrive (${FEED_SECONDS} s, ${fed} flows, a 10,000-flow trim during the run)`,
      `${frames.longest.toFixed(1)} ms (p99 ${frames.p99.toFixed(1)} ms, ${frames.count} frames, long tasks > 50 ms: ${frames.longTasks}, longest task ${frames.longestTask.toFixed(0)} ms)`,
    );

    // ---- scrolling ----
    await startFrameProbe(page);
    await page.evaluate(async () => {
      const w = globalThis as unknown as PageGlobals;
      const viewport = w.document.querySelector('.flow-list .viewport') as PageElement;
      for (let i = 0; i < 120; i++) {
        viewport.scrollTop += 25 * 24;
        await new Promise((resolve) => w.requestAnimationFrame(resolve));
      }
    });
    const scroll = await stopFrameProbe(page);
    report('longest frame scrolling 3,000 rows (paging in as it goes)', `${scroll.longest.toFixed(1)} ms (p99 ${scroll.p99.toFixed(1)} ms)`);

    // ---- sort by size over everything ----
    const sortMs = await page.evaluate(async () => {
      const w = globalThis as unknown as PageGlobals;
      const button = [...w.document.querySelectorAll('.flow-list .sort')].find((b) => b.textContent?.trim() === 'Size') as PageElement & { click(): void };
      const start = w.performance.now();
      button.click();
      await new Promise<void>((resolve) => {
        const check = () => {
          const list = w.document.querySelector('.flow-list');
          if (list?.getAttribute('data-complete') === 'true' && list.getAttribute('aria-busy') === 'false') w.requestAnimationFrame(() => resolve());
          else w.requestAnimationFrame(check);
        };
        w.requestAnimationFrame(check);
      });
      return w.performance.now() - start;
    });
    report('sort by size (loads every stored flow in 5,000-flow pages, then sorts)', `${Math.round(sortMs)} ms`);

    const cdp = await context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    const rows = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-testid=flow-count]')?.textContent?.replace(/\s+/g, ' '));
    report('renderer JS heap after GC (all stored flows loaded for the sort)', `${(heap.usedSize / 1024 / 1024).toFixed(1)} MB used of ${(heap.totalSize / 1024 / 1024).toFixed(1)} MB (list: ${rows})`);
    if (errors.length) console.log(`page errors: ${errors.join('; ')}`);
    await context.close();
  } finally {
    await browser.close();
    await harness.dispose();
  }
  console.log('\n| measure | result |\n| --- | --- |');
  for (const [name, value] of results) console.log(`| ${name} | ${value} |`);
}

/** Records every frame's duration (rAF to rAF) and long tasks until stopFrameProbe. */
async function startFrameProbe(page: import('playwright-core').Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    const probe = { frames: [] as number[], longTasks: [] as number[], running: true, last: 0 };
    w.__probe = probe;
    const observer = new w.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
    });
    observer.observe({ type: 'longtask' });
    w.__probeObserver = observer;
    const tick = (time: number) => {
      if (probe.last) probe.frames.push(time - probe.last);
      probe.last = time;
      if (probe.running) w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
  });
}

async function stopFrameProbe(page: import('playwright-core').Page): Promise<{ longest: number; p99: number; count: number; longTasks: number; longestTask: number }> {
  return page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    const probe = w.__probe as { frames: number[]; longTasks: number[]; running: boolean };
    probe.running = false;
    (w.__probeObserver as { disconnect(): void }).disconnect();
    const sorted = [...probe.frames].sort((a, b) => a - b);
    return {
      longest: sorted[sorted.length - 1] ?? 0,
      p99: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
      count: sorted.length,
      longTasks: probe.longTasks.length,
      longestTask: Math.max(0, ...probe.longTasks),
    };
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
