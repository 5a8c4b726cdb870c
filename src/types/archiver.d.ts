/**
 * The part of archiver 8 (ESM, `import { ZipArchive } from 'archiver'`) that the data export uses
 * (features/accounts/data-export-routes.ts). archiver 8 ships no types, and @types/archiver
 * describes the default-export factory of earlier versions.
 */
declare module 'archiver' {
  import type { Readable, Transform, TransformOptions } from 'node:stream';

  export interface ZipOptions extends TransformOptions {
    comment?: string;
    forceLocalTime?: boolean;
    forceZip64?: boolean;
    namePrependSlash?: boolean;
    /** Every entry stored, not deflated. */
    store?: boolean;
    zlib?: { level?: number };
  }

  export interface EntryData {
    name: string;
    date?: Date | string;
    mode?: number;
    prefix?: string;
    /** This entry stored, not deflated (already-compressed files). */
    store?: boolean;
    comment?: string;
  }

  export class Archiver extends Transform {
    append(source: Readable | Buffer | string, data: EntryData): this;
    /** Ends the archive once every appended entry is written (resolves when its output has ended). */
    finalize(): Promise<void>;
    /** Stops at once: queued entries are dropped, the output ends unfinished. */
    abort(): this;
    /** Bytes written so far. */
    pointer(): number;
    on(event: 'entry', listener: (data: EntryData) => void): this;
    on(event: 'warning' | 'error', listener: (error: Error & { code?: string }) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
  }

  export class ZipArchive extends Archiver {
    constructor(options?: ZipOptions);
  }
}
