/** Where Debian's chromium package puts its launcher (`/usr/bin/chromium`). */
export declare const DEBIAN_CHROMIUM_PATH: string;

/**
 * Returns the path of a working Chromium executable: `CHROMIUM_PATH` if set
 * (it must run), else `/usr/bin/chromium`, installing Debian's `chromium`
 * package with apt-get when it is missing and this process is root. Throws an
 * Error that says how to fix things otherwise.
 */
export declare function ensureChromium(): Promise<string>;
