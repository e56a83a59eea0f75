/** Int32Array ⇄ base64 (little-endian bytes), for compact device snapshots. */
export function int32ToBase64(a: Int32Array): string {
  const bytes = new Uint8Array(a.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) view.setInt32(i * 4, a[i], true);
  return Buffer.from(bytes).toString("base64");
}

/** Decodes `text`; null if it is not base64 of exactly `length` int32s. */
export function base64ToInt32(text: string, length: number): Int32Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, "base64");
  if (bytes.length !== length * 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(length);
  for (let i = 0; i < length; i++) out[i] = view.getInt32(i * 4, true);
  return out;
}
