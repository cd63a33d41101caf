/**
 * What one direction of a relay with message rules writes, in order: whole frames that go on as they are,
 * and places kept for messages still being decided (a compressed one waits for its decompression before the
 * rules can read it). A place is filled with the frames to send (none for a dropped message); everything
 * behind it waits, so the receiver gets frames in the order the sender sent them.
 */
import type { Writable } from 'node:stream';

interface Slot {
  ready: boolean;
  frames: Buffer[];
}

export class OrderedOutput {
  private readonly queue: Slot[] = [];
  private ending = false;
  private to: Writable | undefined;

  /** Where the frames go (the socket, or a sink piped into it). */
  attach(to: Writable): void {
    this.to = to;
  }

  push(frame: Buffer): void {
    this.queue.push({ ready: true, frames: [frame] });
    this.flush();
  }

  /** Keeps a place; the returned function fills it with the frames to send there. */
  reserve(): (frames: Buffer[]) => void {
    const slot: Slot = { ready: false, frames: [] };
    this.queue.push(slot);
    return (frames) => {
      slot.ready = true;
      slot.frames = frames;
      this.flush();
    };
  }

  /** Ends the receiver's side once every place before is written. */
  end(): void {
    this.ending = true;
    this.flush();
  }

  private flush(): void {
    const to = this.to;
    if (!to) return;
    while (this.queue.length && this.queue[0].ready) {
      const { frames } = this.queue.shift()!;
      if (to.destroyed || to.writableEnded) continue;
      for (const frame of frames) if (frame.length) to.write(frame);
    }
    if (this.ending && this.queue.length === 0 && !to.writableEnded) to.end();
  }
}
