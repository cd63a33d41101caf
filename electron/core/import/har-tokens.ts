/**
 * The HAR reader's JSON parser: @streamparser/json's Tokenizer and TokenParser (the two halves of its
 * JSONParser), with two things between them.
 *
 * - A watcher of the token stream that knows where the parser is: what `log.entries` is (asking the parser
 *   for `$.log.entries` itself would keep every entry), which entry is being read, and when the next value
 *   is a body text.
 * - Body texts (`response.content.text`, `request.postData.text`) bypass the tokenizer's string accumulator
 *   and go, piece by piece as they are read, to a BodyText (har-body-text.ts): the tokenizer builds every
 *   string whole, and one 150 MB body held as a string was what made memory grow with the file (issue 14).
 *   The token parser sees '' in its place; the entry's body texts are handed over beside it (takeTexts).
 *
 * The tokenizer has no option for this (`emitPartialTokens` hands over the whole string so far at each
 * chunk), so its string accumulator is replaced by one of ours with the same small interface (appendChar,
 * appendBuf, appendCharCode, reset, toString, byteLength). That field is the library's own: its version is
 * pinned (0.0.x), the swap checks that the field is there, and the import tests fail if its use changes.
 */
import { TokenParser, Tokenizer, TokenType, type ParsedElementInfo, type ParsedTokenInfo } from '@streamparser/json';
import { BodyText, type BodyTextKeep } from './har-body-text';

export type TextSide = 'request' | 'response';

/** What the tokenizer asks of its string accumulator (the library's NonBufferedString has the same). */
interface StringBuilder {
  byteLength: number;
  appendChar(byte: number): void;
  appendBuf(buf: Uint8Array, start?: number, end?: number): void;
  appendCharCode(code: number): void;
  reset(): void;
  toString(): string;
}

/** Strings built from their pieces, as the library's default accumulator builds them. */
class StringPieces {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private pieces: string[] = [];

  appendChar(byte: number): void {
    this.pieces.push(String.fromCharCode(byte));
  }
  appendBuf(buf: Uint8Array, start: number, end: number): void {
    this.pieces.push(this.decoder.decode(buf.subarray(start, end)));
  }
  appendCharCode(code: number): void {
    this.pieces.push(String.fromCharCode(code));
  }
  reset(): void {
    this.pieces = [];
  }
  toString(): string {
    const text = this.pieces.join('');
    this.pieces = [text];
    return text;
  }
}

/** The tokenizer's string accumulator: plain strings as usual, body texts to their BodyText. */
class DivertingStrings implements StringBuilder {
  byteLength = 0;
  private readonly plain = new StringPieces();
  private body: BodyText | undefined;

  /** `divert` is asked at each string's opening quote whether it is a body text, and for its BodyText. */
  constructor(private readonly divert: () => BodyText | undefined) {}

  reset(): void {
    this.plain.reset();
    this.byteLength = 0;
    this.body = this.divert();
  }
  appendChar(byte: number): void {
    this.byteLength++;
    if (this.body) this.body.appendByte(byte);
    else this.plain.appendChar(byte);
  }
  appendBuf(buf: Uint8Array, start = 0, end = buf.length): void {
    this.byteLength += end - start;
    if (this.body) this.body.append(buf, start, end);
    else this.plain.appendBuf(buf, start, end);
  }
  appendCharCode(code: number): void {
    if (this.body) this.body.appendCodeUnit(code);
    else this.plain.appendCharCode(code);
  }
  toString(): string {
    if (!this.body) return this.plain.toString();
    this.body.finish();
    this.body = undefined;
    return '';
  }
}

function replaceStringBuilder(tokenizer: Tokenizer, builder: StringBuilder): void {
  const fields = tokenizer as unknown as { bufferedString?: StringBuilder };
  if (typeof fields.bufferedString?.appendBuf !== 'function') {
    throw new Error('this @streamparser/json keeps strings differently: the HAR reader cannot stream body texts with it');
  }
  fields.bufferedString = builder;
}

/**
 * Follows the token stream: open containers with the key each was opened under, and the key being read.
 * Keys are told from string values by position: a string right after `{` or after a comma inside an object.
 */
class HarTokenWatcher {
  /** What log.entries turned out to be: 'array', 'other' (a string, an object, …), undefined while absent. */
  entriesKind: 'array' | 'other' | undefined;
  /** The index of the entry being read (-1 before the first). */
  entry = -1;
  private readonly open: { object: boolean; key: string | null }[] = [];
  private expectKey = false;
  private key: string | null = null;
  private last: TokenType | undefined;

  see(token: TokenType, value: unknown): void {
    this.last = token;
    if (this.expectKey && token === TokenType.STRING) {
      this.key = value as string;
      this.expectKey = false;
      return;
    }
    const valueStarts = token !== TokenType.RIGHT_BRACE && token !== TokenType.RIGHT_BRACKET && token !== TokenType.COLON && token !== TokenType.COMMA;
    if (valueStarts && this.entriesKind === undefined && this.key === 'entries' && this.inLog()) this.entriesKind = token === TokenType.LEFT_BRACKET ? 'array' : 'other';
    if (valueStarts && this.inEntries()) this.entry++;
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET:
        this.open.push({ object: token === TokenType.LEFT_BRACE, key: this.open.at(-1)?.object ? this.key : null });
        this.expectKey = token === TokenType.LEFT_BRACE;
        this.key = null;
        break;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        this.open.pop();
        this.key = null;
        this.expectKey = false;
        break;
      case TokenType.COMMA:
        this.expectKey = this.open.at(-1)?.object ?? false;
        break;
    }
  }

  /** Which side's body text the string about to be read is, if it is one. */
  bodyTextNext(): TextSide | undefined {
    if (this.last !== TokenType.COLON || this.key !== 'text' || this.open.length !== 6 || !this.inEntryObject()) return undefined;
    const [outer, inner] = [this.open[4], this.open[5]];
    if (!outer.object || !inner.object) return undefined;
    if (outer.key === 'response' && inner.key === 'content') return 'response';
    if (outer.key === 'request' && inner.key === 'postData') return 'request';
    return undefined;
  }

  private inLog(): boolean {
    const o = this.open;
    return o.length === 2 && o[0].object && o[1].object && o[1].key === 'log';
  }

  /** Right inside the log.entries array (where each entry starts). */
  private inEntries(): boolean {
    const o = this.open;
    return o.length === 3 && o[0].object && o[1].object && o[1].key === 'log' && !o[2].object && o[2].key === 'entries';
  }

  private inEntryObject(): boolean {
    const o = this.open;
    return o.length >= 4 && o[0].object && o[1].object && o[1].key === 'log' && !o[2].object && o[2].key === 'entries' && o[3].object;
  }
}

export class HarParser {
  private readonly tokenizer = new Tokenizer();
  private readonly tokens: TokenParser;
  private readonly watcher = new HarTokenWatcher();
  private texts = new Map<TextSide, BodyText>();

  /** `keepText(entry)`: whether (and where) the body texts of that entry keep their bytes. */
  constructor(paths: string[], private readonly keepText: (entry: number) => BodyTextKeep) {
    this.tokens = new TokenParser({ paths, keepStack: false });
    replaceStringBuilder(this.tokenizer, new DivertingStrings(() => this.divert()));
    // Wired as the library's JSONParser wires the two, with the watcher in between.
    this.tokenizer.onToken = (info: ParsedTokenInfo) => {
      this.watcher.see(info.token, info.value);
      this.tokens.write(info);
    };
    this.tokenizer.onEnd = () => {
      if (!this.tokens.isEnded) this.tokens.end();
    };
    this.tokens.onError = (err) => this.tokenizer.error(err);
    this.tokens.onEnd = () => {
      if (!this.tokenizer.isEnded) this.tokenizer.end();
    };
  }

  set onValue(callback: (info: ParsedElementInfo) => void) {
    this.tokens.onValue = callback;
  }

  get isEnded(): boolean {
    return this.tokenizer.isEnded && this.tokens.isEnded;
  }

  get entriesKind(): 'array' | 'other' | undefined {
    return this.watcher.entriesKind;
  }

  write(chunk: Uint8Array | string): void {
    this.tokenizer.write(chunk);
  }

  end(): void {
    this.tokenizer.end();
  }

  /** The body texts of the entry just read (its value has '' in their place); the caller disposes them. */
  takeTexts(): Map<TextSide, BodyText> {
    const texts = this.texts;
    this.texts = new Map();
    return texts;
  }

  /** Removes what body texts not handed over still hold (a parse that failed midway). */
  dispose(): void {
    for (const text of this.takeTexts().values()) text.dispose();
  }

  private divert(): BodyText | undefined {
    const side = this.watcher.bodyTextNext();
    if (!side) return undefined;
    // A key given twice: the last one stands, as in JSON.parse.
    this.texts.get(side)?.dispose();
    const text = new BodyText(this.keepText(this.watcher.entry));
    this.texts.set(side, text);
    return text;
  }
}
