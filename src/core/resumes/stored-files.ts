// The two stores a resume's files live in (the PDFs' folder and the thumbnails' folder of
// one zone), and which one a stored key belongs to. Whatever handles keys without their
// row (an account erasure's file queue, an export's download links) asks here.
import type { FileStorage } from "../storage/index.ts";

export interface ResumeFileStores<Store = FileStorage> {
  /** The PDFs (BUNNY_FOLDER). */
  storage: Store;
  /** The first-page thumbnails (BUNNY_THUMBNAIL_FOLDER). */
  thumbnails: Store;
}

/** Thumbnails are `{32 hex}.png` (constraint resumes_thumbnail_key_format); every other key is a PDF's. */
export function storeOfKey<Store>(stores: ResumeFileStores<Store>, key: string): Store {
  return key.endsWith(".png") ? stores.thumbnails : stores.storage;
}
