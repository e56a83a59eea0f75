/** A FIFO of page numbers (uint32, as the page table's keys) on a growable power-of-two ring: no allocation per page once grown. */
export class PageFifo {
  private items: Uint32Array;
  private head = 0;
  length = 0;

  /** Holding `pages`, oldest first. */
  constructor(pages: ArrayLike<number> = []) {
    let size = 1024;
    while (size < pages.length) size *= 2;
    this.items = new Uint32Array(size);
    this.items.set(pages);
    this.length = pages.length;
  }

  push(page: number): void {
    if (this.length === this.items.length) {
      const old = this.items;
      const grown = new Uint32Array(old.length * 2);
      for (let i = 0; i < this.length; i++) grown[i] = old[(this.head + i) & (old.length - 1)];
      this.items = grown;
      this.head = 0;
    }
    this.items[(this.head + this.length) & (this.items.length - 1)] = page;
    this.length++;
  }

  /** Removes and returns the oldest page; call only when `length > 0`. */
  shift(): number {
    const page = this.items[this.head];
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    return page;
  }

  /** The pages, oldest first. */
  toArray(): Uint32Array {
    const out = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.items[(this.head + i) & (this.items.length - 1)];
    return out;
  }
}
