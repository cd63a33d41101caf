/**
 * How much a rule may hold in memory: a body read to pause or replace it (capture/rule-hooks.ts), a file
 * answered by map local (map-local.ts). A rules decision, so rules owns it and capture applies it.
 */

/** Bodies are held in memory to pause or replace them; a larger one fails the exchange with 413. */
export const MAX_HELD_BODY = 64 * 1024 * 1024;
