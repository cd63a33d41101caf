/**
 * What the capture proxy writes into. The flow store implements it (electron/core/store); the proxy
 * knows nothing else about storage. Calls are fire-and-forget on the proxy's hot path: an
 * implementation must never throw or block, and must batch its own work.
 */
import type { Flow, BodyRef, BodySide } from '../../common/flow';

export interface CaptureSink {
  /** A new flow (state 'live' or 'intercepted'); `seq` and `id` are already set by the proxy's allocator. */
  flowStarted(flow: Flow): void;
  /** The flow changed (response arrived, completed, failed): the whole new value, plain data. */
  flowUpdated(flow: Flow): void;
}

/** Streams one body to its body file while the proxy forwards it. */
export interface BodyWriter {
  write(chunk: Buffer): void;
  /** Closes the file; resolves to the final reference (size counts every byte seen, kept or not). */
  end(): BodyRef;
}

export interface BodyStoreLike {
  open(flowId: string, side: BodySide, info: { contentType?: string; encoding?: string }): BodyWriter;
  /** The stored bytes (raw as received). Empty buffer when the body had no bytes. */
  read(ref: BodyRef): Promise<Buffer>;
  /** Deletes body files; missing files are not an error. */
  remove(blobs: string[]): Promise<void>;
}
