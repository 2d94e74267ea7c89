// The URLs of stored files, the same for both storages: the bytes live in Bunny Edge
// Storage or on disk, but downloads are always pull-zone URLs signed with Bunny's token
// authentication (for `local`, the local stack's file server verifies them).
import { signBunnyUrl } from "../bunny-token.ts";
import { assertStorageKey, storagePath } from "./keys.ts";
import { type FileStorage, type SignedUrlOptions, signedUrlLifetime } from "./types.ts";

export function signedCdnUrls(options: {
  /** Where the files are served from, without a trailing slash. */
  baseUrl: string;
  /** Normalised storage folder (see normalizeStorageFolder). */
  folder: string;
  securityKey: string;
}): Pick<FileStorage, "signedUrl" | "publicUrl"> {
  return {
    async signedUrl(key: string, signedUrlOptions?: SignedUrlOptions) {
      assertStorageKey(key, "sign");
      const expires = Math.floor(Date.now() / 1000) + signedUrlLifetime(signedUrlOptions);
      return signBunnyUrl(options.baseUrl, storagePath(options.folder, key), { securityKey: options.securityKey, expires });
    },

    publicUrl(key: string) {
      assertStorageKey(key, "sign");
      return `${options.baseUrl}${storagePath(options.folder, key)}`;
    },
  };
}
