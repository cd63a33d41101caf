/**
 * How large a request's or a response's header section may be (request line or status line included). Node's
 * own default is 16 KB, below what real traffic carries (a 40 KB cookie, a 20 KB URL, a CDN's debug headers),
 * so the proxy accepts 64 KB on both sides by default (`serve --max-header-size`): the http servers that
 * read clients' requests and every upstream request take the same limit.
 */
export const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;

/** The limit as people say it: "64 KB", "100000 bytes". */
export function headerLimitText(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;
}
