import { invalid } from '@swarmlet/api-types';

/**
 * Splits a command string into words as a POSIX shell would without expanding anything: blanks
 * separate words, single quotes keep text literally, double quotes keep blanks (with `\"`,
 * `\\`, `\$` escapes), a backslash outside quotes escapes the next character. Compose does
 * this for string `command` and `entrypoint`.
 */
export function splitWords(s: string, where: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < s.length) word += s[++i];
    else if (c === "'" || c === '"') {
      const end = closingQuote(s, i);
      if (end === -1) throw invalid(`${where}: unterminated ${c} in "${s}"`);
      const body = s.slice(i + 1, end);
      word += c === "'" ? body : body.replace(/\\(["\\$`])/g, '$1');
      i = end;
    } else word += c;
  }
  if (inWord) words.push(word);
  return words;
}

function closingQuote(s: string, start: number): number {
  const q = s[start];
  for (let i = start + 1; i < s.length; i++) {
    if (q === '"' && s[i] === '\\') i++;
    else if (s[i] === q) return i;
  }
  return -1;
}
