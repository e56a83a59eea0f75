import type { StackIo } from "../iostack/stack-io.js";
import type { HddCache } from "./hdd-cache.js";
import type { HddQueue } from "./hdd-queue.js";

/** Where `serveQueuedFromStream` hands each queued read it takes out of the queue (the drive, which books its data). */
export interface StreamHitSink {
  /** `io` (out of the queue) is served from the buffer: its data is ready at `ready`, its command processed at `processed`. */
  streamHit(io: StackIo, ready: number, processed: number): void;
}

/**
 * Queued reads that the read-ahead stream just started covers become cache hits (a queued sequential stream): each is
 * taken out of `queue` and handed to `sink`. Each hit may extend the stream to the next queued command, so the queue
 * is scanned again until a pass takes none.
 */
export function serveQueuedFromStream(queue: HddQueue, cache: HddCache, now: number, sink: StreamHitSink): void {
  for (let before = -1; before !== queue.count; ) {
    before = queue.count;
    servePass(queue, cache, now, sink);
  }
}

function servePass(q: HddQueue, cache: HddCache, now: number, sink: StreamHitSink): void {
  // The stream's reach is checked on the typed arrays first: most queued commands are far from it.
  // The reach only moves when the cache is asked, so it is re-read after each lookup.
  let from = cache.streamFromLba;
  let to = cache.streamToLba;
  for (let i = 0; i < q.count; ) {
    const lba = q.lba[i];
    // Non-short-circuit (`&`): one branch, and it is almost always "far".
    if (!(q.read[i] & +(lba >= from) & +(lba <= to))) {
      i++;
      continue;
    }
    const io = q.io[i];
    const ready = cache.lookupReadQuiet(io.lba, io.sectors, now, q.ready[i]);
    from = cache.streamFromLba;
    to = cache.streamToLba;
    if (ready < 0) {
      i++;
      continue;
    }
    const processed = q.ready[i];
    q.remove(i);
    sink.streamHit(io, ready, processed);
  }
}
