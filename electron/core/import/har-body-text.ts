/**
 * One body text of a HAR entry (`response.content.text`, `request.postData.text`), taken in piece by piece as
 * the parser reads it instead of as one string: a HAR can carry a body of hundreds of MB, and that body held
 * as a string, then as bytes, then decoded, made memory grow with it several times over (issue 14).
 *
 * The pieces are the file's UTF-8 with JSON escapes undone. Whether they are base64 is known only once the
 * entry's `encoding` is read, which may come after the text, so both readings are kept up as the bytes
 * pass: their UTF-8 length (checked as UTF-8, like any JSON string), and whether they are valid base64 and
 * to how many bytes they decode. Kept bytes stay in memory up to IN_MEMORY_BYTES and then go to an
 * owner-only spool file (removed by dispose()); a pass that only checks the file keeps none.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_FILE_MODE } from '../private-files';

/** Body texts up to this size are held in memory; a larger one goes to its spool file. */
export const IN_MEMORY_BYTES = 1024 * 1024;
/** Bytes gathered before they are checked and kept (the tokenizer hands over short runs byte by byte). */
const PIECE = 64 * 1024;
/**
 * One staging buffer for all body texts: the tokenizer reads one string at a time and every text empties it
 * at its closing quote (finish), so texts never share it at once; one per text cost a 64 KB allocation for
 * each of 100,000 entries.
 */
const STAGE = Buffer.allocUnsafe(PIECE);
/** Bytes read back from a spool file at a time. */
const READ = 256 * 1024;

/** Spool files are named like the import route's uploads, so a serve start removes those a crash left. */
export const BODY_SPOOL_NAME = /^import-[0-9a-f]{16}\.body\.part$/;

/** The body bytes of a body text too large to hold whole: its decoded length, and its bytes in pieces. */
export interface StreamedBody {
  readonly length: number;
  /** Hands the decoded bytes to `write` in order, in pieces (each a Buffer of its own). */
  copyTo(write: (piece: Buffer) => void): void;
  toBuffer(): Buffer;
}

/** Body bytes read from a HAR: whole, or streamed from a body text. */
export type BodyBytes = Buffer | StreamedBody;

export type TextEncoding = 'utf8' | 'base64';

/** Where kept bytes may spill to; `false` keeps nothing (the checking pass). */
export type BodyTextKeep = { spoolDir: string } | false;

// Byte classes for base64: the alphabet, '=' padding, ASCII whitespace (skipped), anything else (invalid).
const ALPHABET = 1;
const PAD = 2;
const SPACE = 3;
const BASE64_CLASS = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') BASE64_CLASS[c.charCodeAt(0)] = ALPHABET;
BASE64_CLASS['='.charCodeAt(0)] = PAD;
for (const c of ' \t\n\v\f\r') BASE64_CLASS[c.charCodeAt(0)] = SPACE;

/**
 * Whether bytes seen so far are base64 as the HAR reader has always taken it: whitespace anywhere, the
 * alphabet, then at most two '=' at the end; what is left without whitespace must not be 4n+1 characters.
 */
class Base64Check {
  private valid = true;
  private chars = 0;
  private pads = 0;

  scan(piece: Uint8Array): void {
    if (!this.valid) return;
    for (let i = 0; i < piece.length; i++) {
      const kind = BASE64_CLASS[piece[i]];
      if (kind === ALPHABET) {
        if (this.pads > 0) return void (this.valid = false);
        this.chars++;
      } else if (kind === PAD) {
        if (++this.pads > 2) return void (this.valid = false);
      } else if (kind !== SPACE) return void (this.valid = false);
    }
  }

  get ok(): boolean {
    return this.valid && (this.chars + this.pads) % 4 !== 1;
  }

  /** What Buffer.from(text, 'base64') gives: 6 bits a character, whole bytes only. */
  get decodedLength(): number {
    return Math.floor((this.chars * 3) / 4);
  }
}

/** Decodes base64 handed over in arbitrary pieces, four characters at a time so no piece splits a group. */
class Base64Pieces {
  private carry = '';

  push(piece: Buffer): Buffer {
    // Only the alphabet, whitespace and final '=' are left here (Base64Check passed).
    const text = this.carry + piece.toString('latin1').replace(/[\s=]+/g, '');
    const whole = text.length - (text.length % 4);
    this.carry = text.slice(whole);
    return Buffer.from(text.slice(0, whole), 'base64');
  }

  end(): Buffer {
    const rest = Buffer.from(this.carry, 'base64');
    this.carry = '';
    return rest;
  }
}

export class BodyText {
  /** UTF-8 bytes taken in: the body's size when it is not base64. */
  private bytes = 0;
  private readonly base64 = new Base64Check();
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });
  /** Bytes of this text in STAGE. */
  private staged = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private spool: { fd: number; file: string } | undefined;
  private finished = false;

  constructor(private readonly keep: BodyTextKeep) {}

  append(buf: Uint8Array, start: number, end: number): void {
    while (start < end) {
      const n = Math.min(end - start, PIECE - this.staged);
      STAGE.set(buf.subarray(start, start + n), this.staged);
      this.staged += n;
      start += n;
      if (this.staged === PIECE) this.flush();
    }
  }

  appendByte(byte: number): void {
    STAGE[this.staged++] = byte;
    if (this.staged === PIECE) this.flush();
  }

  /** A UTF-16 code unit from a \u escape that pairs with nothing: as Buffer.from(string) would write it. */
  appendCodeUnit(code: number): void {
    const bytes = Buffer.from(String.fromCharCode(code), 'utf8');
    this.append(bytes, 0, bytes.length);
  }

  /** The closing quote: checks the last bytes; throws (as the parser does) when the text is not UTF-8. */
  finish(): void {
    this.flush();
    this.utf8.decode();
    this.finished = true;
  }

  /** The body's bytes as `encoding` reads the text; for base64, check isBase64() first. */
  as(encoding: TextEncoding): StreamedBody {
    const length = encoding === 'base64' ? this.base64.decodedLength : this.bytes;
    const copyTo = (write: (piece: Buffer) => void) => {
      if (!this.keep || !this.finished) throw new Error('this HAR body text was read without keeping its bytes');
      if (encoding === 'utf8') return this.pieces(write);
      const decoder = new Base64Pieces();
      this.pieces((piece) => {
        const bytes = decoder.push(piece);
        if (bytes.length) write(bytes);
      });
      const rest = decoder.end();
      if (rest.length) write(rest);
    };
    return {
      length,
      copyTo,
      toBuffer: () => {
        const parts: Buffer[] = [];
        copyTo((piece) => parts.push(piece));
        return Buffer.concat(parts, length);
      },
    };
  }

  isBase64(): boolean {
    return this.base64.ok;
  }

  /** Closes and removes the spool file, if one was needed; the bytes are gone after this. */
  dispose(): void {
    this.held = [];
    if (!this.spool) return;
    const { fd, file } = this.spool;
    this.spool = undefined;
    try {
      fs.closeSync(fd);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  private flush(): void {
    if (this.staged === 0) return;
    const piece = STAGE.subarray(0, this.staged);
    this.utf8.decode(piece, { stream: true });
    this.base64.scan(piece);
    this.bytes += piece.length;
    if (this.keep) this.keepPiece(piece, this.keep.spoolDir);
    this.staged = 0;
  }

  private keepPiece(piece: Buffer, spoolDir: string): void {
    if (!this.spool && this.heldBytes + piece.length <= IN_MEMORY_BYTES) {
      // A copy: the stage is reused for the next piece.
      this.held.push(Buffer.from(piece));
      this.heldBytes += piece.length;
      return;
    }
    if (!this.spool) {
      const file = path.join(spoolDir, `import-${crypto.randomBytes(8).toString('hex')}.body.part`);
      this.spool = { fd: fs.openSync(file, 'wx+', PRIVATE_FILE_MODE), file };
      for (const part of this.held) writeAll(this.spool.fd, part);
      this.held = [];
    }
    writeAll(this.spool.fd, piece);
  }

  /** The kept bytes in order, each piece a Buffer of its own (a body writer may hold on to it). */
  private pieces(write: (piece: Buffer) => void): void {
    if (!this.spool) {
      for (const part of this.held) write(part);
      return;
    }
    for (let position = 0; position < this.bytes; ) {
      const piece = Buffer.allocUnsafe(Math.min(READ, this.bytes - position));
      const n = fs.readSync(this.spool.fd, piece, 0, piece.length, position);
      if (n === 0) throw new Error(`the spool file ${this.spool.file} ended early`);
      position += n;
      write(n === piece.length ? piece : piece.subarray(0, n));
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
}
