/**
 * The one reading of text as words, for the search index on both stores and for the queries: folded (compatibility
 * decomposition, lower case, marks removed, so "Café", "CAFE" and "café" are one word) and split on everything that is
 * not a letter or a digit. Both stores index these words as they are (SQLite FTS5 tokenizes the space-separated words
 * back into themselves; PostgreSQL is given a tsvector built from them), so they match alike whatever PostgreSQL's
 * locale or parser would have made of the raw text.
 */

/** Longer words are cut to this many UTF-16 code units (PostgreSQL refuses lexemes over 2,047 bytes). */
export const MAX_WORD_LENGTH = 64;

/**
 * Most characters of each visibility's comments the search keeps: the most recent whole comments that fit. With the
 * description's 10,000 and the subject's 200 this bounds a request's words under PostgreSQL's 16,383 positions and its
 * tsvector far under 1 MB, however long the conversation.
 */
export const COMMENTS_TEXT_LIMIT = 10_000;

/** Between two comments of the kept text. */
export const COMMENT_SEPARATOR = '\n\n';

const SEPARATORS = /[^\p{L}\p{N}]+/u;
const MARKS = /\p{M}/gu;

/** A piece of text folded as the index folds it. Final sigma is read as sigma: lower-casing a word alone or in context gives one form. */
export function fold(text: string): string {
  return text.normalize('NFKD').toLowerCase().replace(MARKS, '').replace(/ς/g, 'σ');
}

/** The words of a text, folded, in order. */
export function searchWords(text: string): string[] {
  const words: string[] = [];
  for (const word of fold(text).split(SEPARATORS)) if (word !== '') words.push(word.slice(0, MAX_WORD_LENGTH));
  return words;
}

/** A word of a text with where it stands in the original (UTF-16 offsets, end exclusive). */
export interface LocatedWord {
  word: string;
  start: number;
  end: number;
}

const WORD_CHARACTER = /^[\p{L}\p{N}]$/u;
const foldedCharacters = new Map<string, string>();

/**
 * The same words as `searchWords`, each with its place in the original text (for snippets): folded character by
 * character (the folding is per character but for final sigma, which `fold` reads as sigma).
 */
export function locatedWords(text: string): LocatedWord[] {
  const words: LocatedWord[] = [];
  let word = '';
  let start = 0;
  let end = 0;
  const close = () => {
    if (word !== '') words.push({ word: word.slice(0, MAX_WORD_LENGTH), start, end });
    word = '';
  };
  let offset = 0;
  for (const character of text) {
    let folded = foldedCharacters.get(character);
    if (folded === undefined) {
      folded = fold(character);
      if (foldedCharacters.size < 10_000) foldedCharacters.set(character, folded);
    }
    for (const piece of folded) {
      if (WORD_CHARACTER.test(piece)) {
        if (word === '') start = offset;
        word += piece;
        end = offset + character.length;
      } else {
        close();
      }
    }
    offset += character.length;
  }
  close();
  return words;
}

/**
 * The comments text after one more comment: the most recent whole comments within COMMENTS_TEXT_LIMIT characters,
 * oldest first. A comment is at most 10,000 characters, so the newest always fits.
 */
export function appendComment(text: string, body: string): string {
  const next = text === '' ? body : `${text}${COMMENT_SEPARATOR}${body}`;
  if (next.length <= COMMENTS_TEXT_LIMIT) return next;
  const cut = next.indexOf(COMMENT_SEPARATOR, next.length - COMMENTS_TEXT_LIMIT);
  if (cut === -1 || cut + COMMENT_SEPARATOR.length > next.length - body.length) return body.slice(-COMMENTS_TEXT_LIMIT);
  return next.slice(cut + COMMENT_SEPARATOR.length);
}
