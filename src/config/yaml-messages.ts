/**
 * Operator wording for the YAML library's errors, where its own message speaks to programmers
 * (`please use YAML.parseAllDocuments()`) or leaves out the likely cause (`Alias cannot be an
 * empty string` for a bare `*`). Shared by the config and policy loaders.
 */
import type { YAMLError } from 'yaml';

/** The first line of `e`'s message, reworded where the library's says too little. */
export function yamlErrorMessage(e: Pick<YAMLError, 'code' | 'message'>): string {
  const first = e.message.split('\n')[0] ?? e.message;
  if (e.code === 'MULTIPLE_DOCS') return 'the file holds several YAML documents (separated by ---); it must hold one';
  if (e.code === 'BAD_ALIAS' && /empty string/.test(first)) return `${first}: a bare * starts an alias in YAML; quote it ("*")`;
  return first;
}
