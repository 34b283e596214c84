/**
 * Reads a delivery body as bytes (never as text: the signature covers the exact bytes), with the
 * size cap enforced while reading, so an oversized body is refused without being buffered.
 */
import { tooLarge } from './verify.js';

export async function readBody(stream: AsyncIterable<Buffer | string>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += bytes.length;
    // Leaving the loop early destroys the stream: nothing more is read.
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks, size);
}
