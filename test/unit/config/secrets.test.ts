/** Issue 12 row 17: a secret never appears in a config error, whatever its TOML type or syntax. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText, secretValues } from '../../../src/config/load.js';

function problems(text: string): string {
  try {
    parseConfigText(text, 'f');
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  throw new Error('accepted');
}

describe('secrets in config errors', () => {
  it.each([
    ['[door]\nopen_code = 73915\n', '73915', 'got a number'],
    ['[door]\nopen_code = 7391.5\n', '7391', 'got a number'],
    ['[account]\npassword = 123456789\n', '123456789', 'got a number'],
    ['[account]\nha1 = 0x1234abcd\n', '305441741', 'got a number'],
    ['[account]\npassword = true\n', 'true', 'got a boolean'],
    ['[account]\npassword = [1234567]\n', '1234567', 'got a list'],
    ['[door]\nopen_code = "739x15"\n', '739x15', 'may hold only DTMF digits'],
    ['[door]\nopen_code = 73915x\n', '73915', 'secret key (not shown)'],
    ['[account]\n"password" = "s3cr3t \\q"\n', 's3cr3t', 'secret key (not shown)'],
  ])('%j: the error says what is wrong, never the value', (text, secret, says) => {
    const p = problems(text);
    expect(p).toContain(says);
    expect(p).not.toContain(secret);
  });

  it('a non-secret value is still quoted back', () => {
    expect(problems('[call]\nring_timeout = "30"\n')).toContain('(got "30")');
  });

  it('the log sink hides the code with and without its #', () => {
    const config = parseConfigText('[door]\nopen_code = "73915#"\n[account]\npassword = "hunter22"\n');
    expect(secretValues(config)).toEqual(['hunter22', '73915#', '73915']);
  });
});
