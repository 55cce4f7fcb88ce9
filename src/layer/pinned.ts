/**
 * Memory that native code reads or writes from its own threads must stay attached while it
 * does: `worker_threads.markAsUntransferable` makes a transfer of it (postMessage's transfer
 * list, `structuredClone(v, { transfer })`) leave it in place. On node 20 such a transfer then
 * copies the buffer and the sender keeps its own (measured); node >= 21 throws a DataCloneError
 * instead. The mark is permanent (node has no way to undo it). `ArrayBuffer.prototype.transfer()`
 * still detaches a marked buffer where it exists (node >= 22, or 20 with
 * --harmony-rab-gsab-transfer): the model checks its tensors before every native call for that.
 */
import { markAsUntransferable } from 'node:worker_threads';

/** Mark `view`'s ArrayBuffer untransferable (SharedArrayBuffers cannot be detached: left alone); returns `view`. */
export function pinMemory<T extends ArrayBufferView>(view: T): T {
  const buffer = view.buffer;
  if (!(typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer)) markAsUntransferable(buffer);
  return view;
}
