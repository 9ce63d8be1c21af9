// Images a client uploaded on its socket, kept until the `edit.start` that names them. Bounded: the oldest upload
// is dropped first, so a client that never starts an edit cannot pile up memory.
import { createHash } from 'node:crypto';
import type { BinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import type { HexId } from '../../../shared/src/protocol/ids.ts';

/** A layer (kind upload) or a mask (kind mask) a request will name. */
export type Upload = Omit<BinaryFrame, 'kind' | 'index' | 'id'> & { kind: 'upload' | 'mask'; sha256: string };

export class UploadStore {
  private readonly uploads = new Map<HexId, Upload>();

  constructor(private readonly maxUploads: number) {
    if (!(maxUploads >= 1)) throw new RangeError('maxUploads must be ≥ 1');
  }

  add(frame: BinaryFrame & { kind: Upload['kind'] }): Upload {
    const upload: Upload = {
      kind: frame.kind,
      width: frame.width,
      height: frame.height,
      format: frame.format,
      payload: frame.payload,
      sha256: createHash('sha256').update(frame.payload).digest('hex'),
    };
    this.uploads.delete(frame.id); // re-adding moves it to the newest position
    this.uploads.set(frame.id, upload);
    for (const oldest of this.uploads.keys()) {
      if (this.uploads.size <= this.maxUploads) break;
      this.uploads.delete(oldest);
    }
    return upload;
  }

  get(id: HexId): Upload | undefined {
    return this.uploads.get(id);
  }

  get size(): number {
    return this.uploads.size;
  }
}
