/**
 * Operator wording for the YAML library's errors, where its own message speaks to programmers
 * (`please use YAML.parseAllDocuments()`) or leaves out the likely cause (`Alias cannot be an
 * empty string` for a bare `*`). Shared by the config and policy loaders.
 */
import type { YAMLError } from 'yaml';

/**
 * The first line of `e`'s message, reworded where the library's says too little, with the
 * column it starts at when given (the line is said by the caller): a syntax error in a long
 * line is hard to find by its line alone (rev-newuser F8).
 */
export function yamlErrorMessage(e: Pick<YAMLError, 'code' | 'message'>, column?: number): string {
  const at = column === undefined ? '' : ` (column ${column})`;
  const first = e.message.split('\n')[0] ?? e.message;
  if (e.code === 'MULTIPLE_DOCS') return 'the file holds several YAML documents (separated by ---); it must hold one';
  if (e.code === 'BAD_ALIAS' && /empty string/.test(first)) return `${first}${at}: a bare * starts an alias in YAML; quote it ("*")`;
  return `${first}${at}`;
}
