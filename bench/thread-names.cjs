/**
 * Preloaded into a bench's proxy process (BENCH_THREADS=1, `--require`): names its threads in
 * /proc/<pid>/task/<tid>/comm, so the bench can tell where the proxy's CPU goes per thread (child.ts
 * threadCpuByName). Node names none of its threads ("node" for all): here the threads that exist when the
 * main thread starts are V8's platform threads (garbage collection helpers, concurrent compilation) and
 * Node's own few; a worker names itself when it starts (the flow store's by its workerData); threads the
 * main thread makes later (libuv's thread pool) stay "node". Linux only; does nothing elsewhere.
 */
'use strict';
const fs = require('node:fs');
const { isMainThread, workerData } = require('node:worker_threads');

function name(tid, text) {
  try {
    fs.writeFileSync(`/proc/self/task/${tid}/comm`, text);
  } catch {
    // Not Linux, or the thread ended.
  }
}

if (isMainThread) {
  let tids = [];
  try {
    tids = fs.readdirSync('/proc/self/task');
  } catch {
    // Not Linux.
  }
  // The main thread keeps its name: a thread inherits its creator's, and the pool's threads, made later by the
  // main thread, are told apart by still being "node".
  for (const tid of tids) if (Number(tid) !== process.pid) name(tid, 'v8-platform');
} else {
  let self;
  try {
    self = fs.readlinkSync('/proc/thread-self').split('/').pop();
  } catch {
    // Not Linux.
  }
  const store = workerData && typeof workerData === 'object' && 'flowsDb' in workerData;
  if (self) name(self, store ? 'store-worker' : 'other-worker');
}
