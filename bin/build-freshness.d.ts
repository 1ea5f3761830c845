/** Where the build writes the fingerprint of the sources it compiled, relative to the repository. */
export declare const BUILD_STAMP: string;
/** A digest of the path, size and modification time of every build input under `root`. */
export declare function sourceFingerprint(root: string): string;
/** True when `root`/dist holds a complete build of the sources as they are now. */
export declare function distIsFresh(root: string): boolean;
