import type { StackIo } from "./stack-io.js";

/** A FIFO of IOs on a growable power-of-two ring: no allocation per IO once grown. */
export class IoRing {
  private items: (StackIo | null)[] = new Array(16).fill(null);
  private head = 0;
  length = 0;

  push(io: StackIo): void {
    if (this.length === this.items.length) {
      const old = this.items;
      const grown: (StackIo | null)[] = new Array(old.length * 2).fill(null);
      for (let i = 0; i < this.length; i++) grown[i] = old[(this.head + i) & (old.length - 1)];
      this.items = grown;
      this.head = 0;
    }
    this.items[(this.head + this.length) & (this.items.length - 1)] = io;
    this.length++;
  }

  /** The oldest IO without removing it, or null. */
  peek(): StackIo | null {
    return this.length === 0 ? null : this.items[this.head];
  }

  shift(): StackIo | null {
    if (this.length === 0) return null;
    const io = this.items[this.head];
    this.items[this.head] = null;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.length--;
    return io;
  }
}
