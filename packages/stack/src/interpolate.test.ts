import { describe, expect, it } from 'vitest';
import { parseDotEnv } from './dotenv.js';
import { interpolateString, type InterpolationNotes } from './interpolate.js';

const vars = { NAME: 'web', EMPTY: '', PORT: '8080' };

function run(s: string): { out: string; unset: string[] } {
  const notes: InterpolationNotes = { unset: new Set() };
  const out = interpolateString(s, vars, notes, 'c.yml: services.x');
  return { out, unset: [...notes.unset] };
}

describe('interpolation', () => {
  it.each([
    ['plain', 'plain'],
    ['$NAME', 'web'],
    ['${NAME}', 'web'],
    ['img:${NAME}-1', 'img:web-1'],
    ['$NAME.$PORT', 'web.8080'],
    ['$$NAME', '$NAME'],
    ['a$$b', 'a$b'],
    ['cost $5', 'cost $5'],
    ['${MISSING:-dflt}', 'dflt'],
    ['${EMPTY:-dflt}', 'dflt'],
    ['${MISSING-dflt}', 'dflt'],
    ['${EMPTY-dflt}', ''],
    ['${NAME:-dflt}', 'web'],
    ['${MISSING:-${NAME}-x}', 'web-x'],
    ['${MISSING:-${ALSO:-deep}}', 'deep'],
    ['${NAME:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${MISSING+alt}', ''],
    ['${EMPTY?err}', ''],
    ['${NAME:?err}', 'web'],
  ])('%s -> %s', (input, expected) => {
    const { out, unset } = run(input);
    expect(out).toBe(expected);
    expect(unset).toEqual([]);
  });

  it('blanks unset variables and notes them', () => {
    expect(run('a${MISSING}b$OTHER')).toEqual({ out: 'ab', unset: ['MISSING', 'OTHER'] });
  });

  it('fails for a missing required variable, naming it, the message and where', () => {
    expect(() => run('${DB_PASSWORD:?set it in .env}')).toThrow(
      'c.yml: services.x: required variable DB_PASSWORD is missing a value: set it in .env',
    );
    expect(() => run('${EMPTY:?}')).toThrow(/required variable EMPTY is missing a value$/);
    expect(() => run('${MISSING?no}')).toThrow(/required variable MISSING is missing a value: no/);
  });

  it('refuses malformed references', () => {
    expect(() => run('${NAME')).toThrow(/invalid interpolation format .*missing }/);
    expect(() => run('${NAME%x}')).toThrow(
      'c.yml: services.x: invalid interpolation format "${NAME%x}"',
    );
    expect(() => run('${}')).toThrow(/invalid interpolation format/);
  });
});

describe('.env files', () => {
  it('reads KEY=VALUE lines with quotes, comments and export', () => {
    const text = [
      '# comment',
      '',
      'A=1',
      'export B=two words',
      'C="quoted # not a comment\\n"',
      "D='single $X \\n'",
      'E=value # comment',
      'F=',
      'G',
      '  H = spaced ',
    ].join('\n');
    expect(parseDotEnv(text, '.env')).toEqual({
      A: '1',
      B: 'two words',
      C: 'quoted # not a comment\n',
      D: 'single $X \\n',
      E: 'value',
      F: '',
      G: null,
      H: 'spaced',
    });
  });

  it('names the file and line of a bad entry', () => {
    expect(() => parseDotEnv('A=1\n1BAD=2', '/p/.env')).toThrow(
      '/p/.env line 2: invalid variable name "1BAD"',
    );
    expect(() => parseDotEnv('A="open', 'e')).toThrow('e line 1: missing closing "');
  });
});
