import { describe, expect, it } from 'vitest';

import { MAX_PASSWORD_LENGTH, passwordLength, validatePassword } from '../../lib/passwords';
import {
  checkCommonPassword,
  checkMinimumLength,
  checkNumericPassword,
  checkUserAttributeSimilarity,
  quickRatio,
  type UserAttributes,
} from '../../lib/passwords/validators';

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.';
const TOO_COMMON = 'This password is too common.';
const ENTIRELY_NUMERIC = 'This password is entirely numeric.';

function tooSimilarTo(verboseName: string): string {
  return `The password is too similar to the ${verboseName}.`;
}

// The user of Django's own UserAttributeSimilarityValidator test.
const TEST_CLIENT: UserAttributes = {
  username: 'testclient',
  email: 'testclient@example.com',
  first_name: 'Test',
  last_name: 'Client',
};

function characters(text: string): string[] {
  return [...text];
}

describe('quickRatio', () => {
  it('counts shared characters as multisets', () => {
    expect(quickRatio(characters('aab'), characters('abb'))).toBeCloseTo(4 / 6, 12);
    expect(quickRatio(characters('aaaa'), characters('a'))).toBeCloseTo(2 / 5, 12);
  });

  it('ignores character order', () => {
    expect(quickRatio(characters('abcdefgh'), characters('hgfedcba'))).toBe(1);
  });

  it('scores two empty sequences as 1', () => {
    expect(quickRatio([], [])).toBe(1);
    expect(quickRatio(characters('a'), [])).toBe(0);
  });
});

describe('checkUserAttributeSimilarity', () => {
  it('matches Django test-suite cases', () => {
    expect(checkUserAttributeSimilarity('testclient', {})).toBeNull();
    expect(checkUserAttributeSimilarity('testclient', TEST_CLIENT)).toBe(tooSimilarTo('username'));
    expect(checkUserAttributeSimilarity('example.com', TEST_CLIENT)).toBe(tooSimilarTo('email address'));
  });

  it('names first and last name', () => {
    expect(checkUserAttributeSimilarity('Aleksandra', { first_name: 'Aleksandr' })).toBe(
      tooSimilarTo('first name'),
    );
    expect(checkUserAttributeSimilarity('kowalskiego', { last_name: 'Kowalski' })).toBe(
      tooSimilarTo('last name'),
    );
  });

  it('reports only the first similar attribute', () => {
    const attributes = { username: 'nightowl', first_name: 'Nightowl', email: 'nightowl@example.com' };

    expect(checkUserAttributeSimilarity('nightowl', attributes)).toBe(tooSimilarTo('username'));
    expect(checkUserAttributeSimilarity('nightowl', { email: 'nightowl@example.com', first_name: 'Nightowl' })).toBe(
      tooSimilarTo('first name'),
    );
  });

  it('ignores letter case', () => {
    expect(checkUserAttributeSimilarity('TESTCLIENT', { username: 'testclient' })).toBe(tooSimilarTo('username'));
    expect(checkUserAttributeSimilarity('émilie12', { username: 'ÉMILIE' })).toBe(tooSimilarTo('username'));
  });

  it('compares parts split on non-word characters', () => {
    // "examplex" scores 0.93 against the part "example" but only 0.5 against the whole address.
    expect(checkUserAttributeSimilarity('examplex', { email: 'john.doe@example.com' })).toBe(
      tooSimilarTo('email address'),
    );
    expect(checkUserAttributeSimilarity('examplex', { email: 'johndoeexamplecom' })).toBeNull();
  });

  it('treats Unicode letters as word characters', () => {
    // Split on ASCII \W, "müller" would fall apart into "m" and "ller" and nothing would match.
    expect(checkUserAttributeSimilarity('müllerab1', { last_name: 'Müller-Lüdenscheidt' })).toBe(
      tooSimilarTo('last name'),
    );
    // Underscores and digits like ① are word characters in Python, so "josé_müller" stays whole.
    expect(checkUserAttributeSimilarity('josé', { username: 'josé_müller①' })).toBeNull();
    expect(checkUserAttributeSimilarity('josé', { username: 'josé.müller' })).toBe(tooSimilarTo('username'));
  });

  it('fails at exactly the 0.7 threshold', () => {
    // 7 shared characters out of 10 + 10: 14 / 20 = 0.7.
    expect(checkUserAttributeSimilarity('abcdefghij', { username: 'abcdefgxyz' })).toBe(tooSimilarTo('username'));
    // 6 shared: 0.6.
    expect(checkUserAttributeSimilarity('abcdefghij', { username: 'abcdefwxyz' })).toBeNull();
  });

  it('uses the quick ratio, not character order', () => {
    expect(checkUserAttributeSimilarity('abcdefgh', { username: 'hgfedcba' })).toBe(tooSimilarTo('username'));
  });

  it('skips parts under a tenth of the password length', () => {
    // The empty part after "bob." is skipped for any non-empty password (0 < 0.35 × length),
    // but an empty password is not 10 times longer than it, so the two compare with ratio 1.
    expect(checkUserAttributeSimilarity('a', { username: 'bob.' })).toBeNull();
    expect(checkUserAttributeSimilarity('', { username: 'bob.' })).toBe(tooSimilarTo('username'));
    expect(checkUserAttributeSimilarity('', { username: 'bob' })).toBeNull();
  });

  it('skips missing and empty attributes', () => {
    expect(checkUserAttributeSimilarity('testclient', { username: '', email: undefined })).toBeNull();
  });
});

describe('checkMinimumLength', () => {
  it('requires 8 characters', () => {
    expect(checkMinimumLength('1234567')).toBe(TOO_SHORT);
    expect(checkMinimumLength('12345678')).toBeNull();
    expect(checkMinimumLength('')).toBe(TOO_SHORT);
  });

  it('counts code points', () => {
    expect(checkMinimumLength('😀'.repeat(7))).toBe(TOO_SHORT); // 14 UTF-16 code units
    expect(checkMinimumLength('😀'.repeat(8))).toBeNull();
    expect(checkMinimumLength('e\u0301'.repeat(4))).toBeNull(); // 4 graphemes, 8 code points
  });
});

describe('checkCommonPassword', () => {
  it('rejects common passwords', async () => {
    expect(await checkCommonPassword('password')).toBe(TOO_COMMON);
    expect(await checkCommonPassword('trustno1')).toBe(TOO_COMMON);
    expect(await checkCommonPassword('Zq8#vL2!mW4p')).toBeNull();
  });

  it('lowercases before the lookup', async () => {
    expect(await checkCommonPassword('PassWord')).toBe(TOO_COMMON);
    expect(await checkCommonPassword('LETMEIN')).toBe(TOO_COMMON);
  });

  it('strips whitespace as Python does', async () => {
    expect(await checkCommonPassword('  password\t\n')).toBe(TOO_COMMON);
    // Python's str.strip() removes these too, unlike JavaScript's trim().
    expect(await checkCommonPassword('\u001cpassword\u0085')).toBe(TOO_COMMON);
    expect(await checkCommonPassword('\u00a0password\u3000')).toBe(TOO_COMMON);
    // U+FEFF is not whitespace to Python, although trim() removes it.
    expect(await checkCommonPassword('\ufeffpassword')).toBeNull();
    expect(await checkCommonPassword('pass word')).toBeNull();
  });
});

describe('checkNumericPassword', () => {
  it.each(['12345678', '١٢٣٤٥٦٧٨', '१२३४५६७८', '¹²³⁴⁵⁶⁷⁸', '①②③④⑤⑥⑦⑧', '𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖'])(
    'rejects %s',
    (password) => {
      expect(checkNumericPassword(password)).toBe(ENTIRELY_NUMERIC);
    },
  );

  // Python's str.isdigit() is false for fractions, Roman numerals, an empty string or a letter.
  it.each(['½½½½½½½½', 'ⅫⅫⅫⅫⅫⅫⅫⅫ', '', '1234567a', '1234 5678', '-12345678'])('accepts %j', (password) => {
    expect(checkNumericPassword(password)).toBeNull();
  });
});

describe('validatePassword', () => {
  it('accepts a good password', async () => {
    expect(await validatePassword('velvet-otter-radio-42', TEST_CLIENT)).toEqual([]);
  });

  it('returns every message in validator order', async () => {
    expect(await validatePassword('12345', { username: '12345' })).toEqual([
      tooSimilarTo('username'),
      TOO_SHORT,
      TOO_COMMON,
      ENTIRELY_NUMERIC,
    ]);
  });

  it('combines similarity and commonness', async () => {
    expect(await validatePassword('testclient', TEST_CLIENT)).toEqual([tooSimilarTo('username')]);
    expect(await validatePassword('superman', { username: 'superman' })).toEqual([
      tooSimilarTo('username'),
      TOO_COMMON,
    ]);
  });

  it('does not enforce the maximum length', async () => {
    const longPassword = 'Zq8#vL2!'.repeat(1000);

    expect(await validatePassword(longPassword, TEST_CLIENT)).toEqual([]);
  });
});

describe('MAX_PASSWORD_LENGTH', () => {
  it('is 4096 code points', () => {
    expect(MAX_PASSWORD_LENGTH).toBe(4096);
    expect(passwordLength('😀'.repeat(MAX_PASSWORD_LENGTH))).toBe(MAX_PASSWORD_LENGTH);
    expect(passwordLength('a'.repeat(MAX_PASSWORD_LENGTH + 1))).toBe(MAX_PASSWORD_LENGTH + 1);
  });
});
