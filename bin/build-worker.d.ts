/** Builds the part worker and command-line bundles into `outDir` (default dist/); 0 when esbuild is missing. */
export declare function buildWorker(outDir?: string): Promise<number>;
/** Builds `entry` (a path under the project root) into the single file `outfile`; returns `outfile`. */
export declare function buildFile(entry: string, outfile: string): Promise<string>;
