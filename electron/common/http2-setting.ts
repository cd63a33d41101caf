/** HTTP/2 on or off (Settings → HTTP/2, `serve --http2`); the API's http2.get/http2.set. */
export type Http2Mode = 'auto' | 'off';

export interface Http2Info {
  /** The data folder's setting (http2.json): used at every start without `--http2`. */
  saved: Http2Mode;
  /** What this run does for new connections. */
  effective: Http2Mode;
  /** `hindsight serve --http2`: fixed for this run, wins over the saved setting. */
  fromFlag?: Http2Mode;
}
