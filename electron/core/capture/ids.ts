/**
 * Flow identities. Ids are short, URL-safe and random (never time-ordered: body files are sharded by the
 * first two characters of the id, which must spread evenly). Order lives in `seq`, which the store allocates
 * (FlowStore.nextSeq) so it keeps rising across restarts.
 */
import crypto from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 12;
// Random bytes are drawn in blocks: one crypto call per ~340 ids instead of one per id.
const POOL_SIZE = ID_LENGTH * 340;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** 12 characters of [0-9A-Za-z] (about 71 random bits): unique for any realistic number of flows. */
export function newFlowId(): string {
  if (poolOffset + ID_LENGTH > pool.length) {
    pool = crypto.randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let id = '';
  for (let i = 0; i < ID_LENGTH; i++) id += ALPHABET[pool[poolOffset++] % 62];
  return id;
}
