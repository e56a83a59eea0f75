import { BlkparseReader, WAITING, WINDOW } from "./blkparse.js";

/**
 * The blkparse reader as it matched completions before `WaitingDispatches`: each C or R scans the window from its
 * oldest dispatch for the first one still waiting on the same sector (a zone append: its own key), direction and device. The reference the index is held
 * to (blkparse-index.test.ts). Test support, not in the package's index.
 */
export class ScanBlkparseReader extends BlkparseReader {
  private readonly pDevice = new Float64Array(WINDOW);

  protected override indexWaiting(_key: number, _read: number, slot: number): void {
    this.pDevice[slot] = this.device;
  }

  protected override takeWaiting(key: number, read: number): number {
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (WINDOW - 1);
      if (this.pResponseNs[i] === WAITING && this.waitingKey(i) === key && this.pRead[i] === read && this.pDevice[i] === this.device)
        return i;
    }
    return -1;
  }
}
