/** The error of a list answer the list reader (list-reader.ts) cannot read. */

/** Thrown for an answer the reader cannot read, or one whose kept part exceeds the cap. */
export class ListReadError extends Error {}
